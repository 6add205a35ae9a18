/**
 * An upstream Retry-After is a hint from outside: it is clamped to the configured maximum
 * (UPSTREAM_MAX_RETRY_AFTER_SECONDS, default 60) before it pauses a provider or reaches a client.
 */
import { clampRetryAfter } from '../../../src/providers/transport/retry-policy.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';

const CARDS = '{ cards(first: 2, filter: { provider: UTGL }) { nodes { id } } }';
const TOO_MANY = { code: 'RATE_LIMIT_EXCEEDED', message: 'Too many requests. Please try again later.' };

describe('Retry-After clamped', () => {
  it('clamps delta-seconds and HTTP-dates, and leaves short or unreadable values alone', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(clampRetryAfter('1000000', 60, now)).toBe('60');
    expect(clampRetryAfter('Fri, 01 Jan 2027 00:00:00 GMT', 60, now)).toBe('60');
    expect(clampRetryAfter('30', 60, now)).toBe('30');
    expect(clampRetryAfter('soon', 60, now)).toBe('soon');
    expect(clampRetryAfter(undefined, 60, now)).toBeUndefined();
  });

  describe('through the gateway', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway();
    });
    afterAll(() => gw.close());
    afterEach(() => resetSandboxes(gw));

    it('clamps an upstream Retry-After to 60 s by default before it pauses the provider or reaches the client', async () => {
      gw.sandboxes.servers.utgl!.inject({ path: '/v1/cards', status: 429, body: TOO_MANY, headers: { 'retry-after': '1000000' } });
      const res = await gw.query(CARDS);
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', provider: 'UTGL', retryAfterSeconds: 60 });
      expect(gw.registry.get('utgl').health().circuitRetryAfterMs).toBeLessThanOrEqual(60_000);
    });
  });

  describe('with UPSTREAM_MAX_RETRY_AFTER_SECONDS', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway({ UPSTREAM_MAX_RETRY_AFTER_SECONDS: '20' });
    });
    afterAll(() => gw.close());

    it('clamps an upstream Retry-After to the configured maximum', async () => {
      gw.sandboxes.servers.utgl!.inject({ path: '/v1/cards', status: 429, body: TOO_MANY, headers: { 'retry-after': '30' } });
      const res = await gw.query(CARDS);
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 20 });
      expect(gw.registry.get('utgl').health().circuitRetryAfterMs).toBeLessThanOrEqual(20_000);
    });
  });
});
