/**
 * baas's error mapping, row by row of the table in src/providers/baas/errors.ts (expected
 * codes written here, not read back from it), then the client's envelope handling and how a
 * refused mutual-TLS handshake reaches the error model, against real servers.
 */
import https from 'node:https';
import { MockAgent } from 'undici';
import { createCallContext } from '../../../../src/core/call-context.js';
import { ErrorCode, GatewayError } from '../../../../src/core/errors.js';
import { createLogger } from '../../../../src/core/logger.js';
import { generateBaasPki, generateForeignClient, type BaasPki } from '../../../../src/providers/baas/certificates.js';
import { BaasClient } from '../../../../src/providers/baas/client.js';
import { CLIENT_CERT_REJECTED } from '../../../../src/providers/transport/mutual-tls.js';
import { mapBaasError, readErrorBody } from '../../../../src/providers/baas/errors.js';
import { BaasProvider } from '../../../../src/providers/baas/provider.js';
import { createBaasSandbox, type BaasSandbox } from '../../../../src/providers/baas/sandbox/index.js';
import type { RequestKind } from '../../../../src/providers/transport/retry-policy.js';
import { failure } from '../../../support/failure.js';

function mapped(status: number, body: unknown, options: { operation?: RequestKind; name?: string; retryAfter?: string } = {}): GatewayError {
  const parsed = readErrorBody(body, status);
  return mapBaasError(
    {
      provider: 'baas',
      status,
      code: parsed.code,
      message: parsed.message,
      requestId: 'req-9',
      retryAfterHeader: options.retryAfter,
      requestKind: options.operation ?? 'read',
    },
    parsed,
    { operationName: options.name ?? 'getCard' },
  );
}

const envelope = (message: string, extra: Record<string, unknown> = {}) => ({ status: 'error', message, ...extra });

describe('baas error mapping: every row of the table', () => {
  it('maps a 400 (a body the gateway built badly) to UPSTREAM_ERROR, not the caller\'s fault', () => {
    const error = mapped(400, envelope('Malformed JSON body'), { operation: 'write', name: 'updateCardholder' });
    expect(error.code).toBe(ErrorCode.UPSTREAM_ERROR);
    expect(error.message).toBe("BAAS rejected the gateway's request as malformed: Malformed JSON body");
    expect(error.retryable).toBe(false);
  });

  it('maps a 401 to UPSTREAM_AUTH_FAILED (the gateway\'s API key)', () => {
    const error = mapped(401, envelope('Invalid API key'));
    expect(error.code).toBe(ErrorCode.UPSTREAM_AUTH_FAILED);
    expect(error.upstream).toEqual({ status: 401, code: undefined, requestId: 'req-9' });
    expect(error.provider).toBe('baas');
  });

  it('maps the 403 "No authorized IPs configured" to UPSTREAM_AUTH_FAILED, whatever the operation', () => {
    for (const name of ['getCard', 'createCard']) {
      const error = mapped(403, envelope('No authorized IPs configured'), { name });
      expect(error.code).toBe(ErrorCode.UPSTREAM_AUTH_FAILED);
      expect(error.message).toMatch(/allowlisted.*FCrDNS/);
    }
  });

  it('maps a 403 on card issuance to INVALID_STATE (a compliance-state restriction)', () => {
    const error = mapped(403, envelope('Cardholder is not eligible'), { operation: 'write', name: 'createCard' });
    expect(error.code).toBe(ErrorCode.INVALID_STATE);
    expect(error.message).toBe('Cardholder is not eligible');
  });

  it('maps a 403 that names a compliance restriction to INVALID_STATE on any operation', () => {
    const error = mapped(403, envelope('Compliance restriction: cards can only be issued to approved cardholders (complianceStatus is submitted)'));
    expect(error.code).toBe(ErrorCode.INVALID_STATE);
  });

  it('maps any other 403 to UPSTREAM_AUTH_FAILED (the doc\'s most common 403 is the allowlist)', () => {
    expect(mapped(403, envelope('Forbidden')).code).toBe(ErrorCode.UPSTREAM_AUTH_FAILED);
    expect(mapped(403, undefined).code).toBe(ErrorCode.UPSTREAM_AUTH_FAILED);
  });

  it('maps a 404 (unknown id, expired OTP token) to NOT_FOUND', () => {
    expect(mapped(404, envelope('Card not found')).code).toBe(ErrorCode.NOT_FOUND);
    expect(mapped(404, envelope('OTP listener (expired or unknown token) not found'), { name: 'getOtp' }).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('maps a 409 on a cardholder edit to COMPLIANCE_LOCKED', () => {
    const error = mapped(409, envelope('Conflict'), { operation: 'write', name: 'updateCardholder' });
    expect(error.code).toBe(ErrorCode.COMPLIANCE_LOCKED);
    expect(error.retryable).toBe(false);
  });

  it('maps a 409 that says a field is locked to COMPLIANCE_LOCKED on any operation', () => {
    const error = mapped(409, envelope("Cannot change lastName: firstName, lastName and dateOfBirth are locked while the cardholder's complianceStatus is approved"), {
      operation: 'write',
      name: 'patch',
    });
    expect(error.code).toBe(ErrorCode.COMPLIANCE_LOCKED);
    expect(error.message).toMatch(/locked/);
  });

  it('maps any other 409 to INVALID_STATE (e.g. unfreezing a blocked card)', () => {
    expect(mapped(409, envelope('A blocked (lost) card cannot be unfrozen'), { operation: 'write', name: 'unfreezeCard' }).code).toBe(
      ErrorCode.INVALID_STATE,
    );
  });

  it('maps a 422 insufficient_funds to INSUFFICIENT_FUNDS with the upstream code', () => {
    const error = mapped(422, envelope('Insufficient funds', { code: 'insufficient_funds' }), { operation: 'write', name: 'transfer' });
    expect(error.code).toBe(ErrorCode.INSUFFICIENT_FUNDS);
    expect(error.upstream).toMatchObject({ status: 422, code: 'insufficient_funds' });
  });

  it('maps a 422 that only says "Insufficient funds" to INSUFFICIENT_FUNDS too', () => {
    expect(mapped(422, envelope('Insufficient funds'), { operation: 'write' }).code).toBe(ErrorCode.INSUFFICIENT_FUNDS);
  });

  it('maps any other 422 to BAD_USER_INPUT with a message naming each field', () => {
    const error = mapped(
      422,
      envelope('Validation failed', {
        code: 'validation_error',
        errors: [
          { field: 'email', message: 'must be a valid email address' },
          { field: 'address.country', message: 'must be an ISO 3166-1 alpha-2 code such as US' },
        ],
      }),
      { operation: 'write', name: 'createCardholder' },
    );
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.message).toBe(
      'BAAS rejected the request: email must be a valid email address; address.country must be an ISO 3166-1 alpha-2 code such as US',
    );
  });

  it('maps a 429 to RATE_LIMITED, retryable, with Retry-After in seconds', () => {
    const error = mapped(429, envelope('Too many requests'), { retryAfter: '12' });
    expect(error.code).toBe(ErrorCode.RATE_LIMITED);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterSeconds).toBe(12);
  });

  it.each([
    [500, ErrorCode.UPSTREAM_UNAVAILABLE],
    [502, ErrorCode.UPSTREAM_UNAVAILABLE],
    [503, ErrorCode.UPSTREAM_UNAVAILABLE],
    [504, ErrorCode.UPSTREAM_TIMEOUT],
  ])('maps a %i on a read to %s, retryable', (status, expected) => {
    const error = mapped(status, envelope('platform failure'));
    expect(error.code).toBe(expected);
    expect(error.retryable).toBe(true);
  });

  it.each([500, 502, 503, 504])('maps a %i on a write to OUTCOME_UNKNOWN (never a final failure)', (status) => {
    const error = mapped(status, envelope('platform failure'), { operation: 'write', name: 'transfer' });
    expect(error.code).toBe(ErrorCode.OUTCOME_UNKNOWN);
    expect(error.retryable).toBe(false);
  });

  it('classifies an undocumented status by the shared fallback', () => {
    expect(mapped(418, envelope('teapot')).code).toBe(ErrorCode.UPSTREAM_ERROR);
    expect(mapped(410, envelope('gone')).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('removes card numbers and secrets from upstream messages and field errors', () => {
    const error = mapped(422, envelope('Validation failed', { errors: [{ field: 'pan', message: 'card 5355221234567890 is invalid' }] }));
    expect(error.message).not.toContain('5355221234567890');
    expect(error.message).toContain('7890');
    expect(mapped(401, envelope('key sk_live_1 api_key=abc123 rejected')).message).not.toContain('abc123');
  });
});

describe('the baas client over a mocked transport', () => {
  const origin = 'https://baas.test';
  let agent: MockAgent;
  let client: BaasClient;
  const cx = () => createCallContext('req-test', createLogger('silent'));
  const tls = { cert: 'unused', key: 'unused', ca: 'unused' };

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    client = new BaasClient({ baseUrl: origin, apiKey: 'key-1', tls, dispatcher: agent, connectTimeoutMs: 100, headersTimeoutMs: 100, bodyTimeoutMs: 100, maxRetries: 0 });
  });
  afterEach(() => client.close());

  const spec = { method: 'GET' as const, path: '/cards/c1', kind: 'read' as const, name: 'getCard' };

  it('sends X-API-Key on every request and unwraps `data`', async () => {
    agent
      .get(origin)
      .intercept({ path: '/cards/c1', method: 'GET', headers: { 'x-api-key': 'key-1' } })
      .reply(200, { status: 'success', data: { id: 'c1' } });
    await expect(client.data(spec, cx())).resolves.toEqual({ id: 'c1' });
  });

  it('returns a list page with its total', async () => {
    agent.get(origin).intercept({ path: '/cards?page=2&limit=10', method: 'GET' }).reply(200, { status: 'success', data: [{ id: 'c1' }], meta: { page: 2, limit: 10, total: 11 } });
    await expect(client.page({ ...spec, path: '/cards', query: { page: 2, limit: 10 }, name: 'listCards' }, cx())).resolves.toEqual({ items: [{ id: 'c1' }], total: 11 });
  });

  it('treats a 200 whose envelope says "error" as a failure', async () => {
    agent.get(origin).intercept({ path: '/cards/c1', method: 'GET' }).reply(200, { status: 'error', message: 'Something went wrong' });
    const error = await client.data(spec, cx()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, upstream: { status: 200 } });
  });

  it('reports an answer without the envelope as UPSTREAM_ERROR', async () => {
    agent.get(origin).intercept({ path: '/cards/c1', method: 'GET' }).reply(200, { id: 'c1' });
    await expect(client.data(spec, cx())).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, message: expect.stringMatching(/envelope/) });
  });

  it('reports a list without meta.total as UPSTREAM_ERROR', async () => {
    agent.get(origin).intercept({ path: '/cards', method: 'GET' }).reply(200, { status: 'success', data: [] });
    await expect(client.page({ ...spec, path: '/cards', name: 'listCards' }, cx())).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_ERROR });
  });

  it('maps an error envelope through the table, with the provider request id', async () => {
    agent
      .get(origin)
      .intercept({ path: '/cards/c1', method: 'GET' })
      .reply(403, { status: 'error', message: 'No authorized IPs configured' }, { headers: { 'x-request-id': 'up-1' } });
    await expect(client.data(spec, cx())).rejects.toMatchObject({
      code: ErrorCode.UPSTREAM_AUTH_FAILED,
      upstream: { status: 403, requestId: 'up-1' },
    });
  });

  it('reports a locked-field edit as COMPLIANCE_LOCKED through the provider', async () => {
    agent
      .get(origin)
      .intercept({ path: '/cardholders/h1', method: 'PATCH' })
      .reply(409, { status: 'error', message: 'Cannot change lastName while under review' });
    const provider = new BaasProvider({
      baseUrl: origin,
      apiKey: 'key-1',
      clientCert: 'unused',
      clientKey: 'unused',
      caCert: 'unused',
      dispatcher: agent,
      connectTimeoutMs: 100,
      headersTimeoutMs: 100,
      bodyTimeoutMs: 100,
      maxRetries: 0,
      maxConcurrency: 4,
    });
    await expect(provider.updateCardholder('h1', { lastName: 'Byron' }, cx())).rejects.toMatchObject({ code: ErrorCode.COMPLIANCE_LOCKED, provider: 'baas' });
  });
});

describe('a refused mutual-TLS handshake', () => {
  let pki: BaasPki;
  let sandbox: BaasSandbox;
  let baseUrl: string;
  const cx = () => createCallContext('req-tls', createLogger('silent'));
  const timeouts = { connectTimeoutMs: 2_000, headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000, maxRetries: 2, maxConcurrency: 8 };
  const read = { method: 'GET' as const, path: '/cardholders', kind: 'read' as const, name: 'listCardholders' };

  beforeAll(async () => {
    pki = generateBaasPki();
    sandbox = createBaasSandbox({ apiKey: 'k', tls: { ca: pki.ca.cert, cert: pki.server.cert, key: pki.server.key } });
    baseUrl = await sandbox.server.start();
  });
  afterAll(() => sandbox.server.stop());

  const failureWith = (client: BaasClient): Promise<GatewayError> => failure(client.page(read, cx())).finally(() => client.close());

  it('reads with the program client certificate', async () => {
    const client = new BaasClient({ baseUrl, apiKey: 'k', tls: { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key }, ...timeouts });
    try {
      await expect(client.page(read, cx())).resolves.toMatchObject({ total: sandbox.store.cardholders.size });
    } finally {
      await client.close();
    }
  });

  it('is UPSTREAM_AUTH_FAILED, not retried, when the server rejects a client certificate from another CA (TLS 1.3)', async () => {
    const foreign = generateForeignClient();
    const client = new BaasClient({ baseUrl, apiKey: 'k', tls: { ca: pki.ca.cert, cert: foreign.client.cert, key: foreign.client.key }, ...timeouts });
    sandbox.server.resetRequests();
    const started = Date.now();
    const error = await failureWith(client);
    expect(error.code).toBe(ErrorCode.UPSTREAM_AUTH_FAILED);
    expect(error.message).toContain(CLIENT_CERT_REJECTED);
    expect(error.retryable).toBe(false);
    // Not retried: the retry back-off would add up to 300 ms more per attempt.
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sandbox.server.requests).toHaveLength(0);
  });

  it('is UPSTREAM_AUTH_FAILED when the server certificate does not chain to the configured CA', async () => {
    const foreign = generateForeignClient();
    const client = new BaasClient({ baseUrl, apiKey: 'k', tls: { ca: foreign.ca.cert, cert: pki.client.cert, key: pki.client.key }, ...timeouts });
    const error = await failureWith(client);
    expect(error.code).toBe(ErrorCode.UPSTREAM_AUTH_FAILED);
    expect(error.message).toMatch(/SELF_SIGNED_CERT_IN_CHAIN/);
  });

  it('is UPSTREAM_AUTH_FAILED when a TLS 1.2 server rejects the client certificate mid-handshake', async () => {
    const foreign = generateForeignClient();
    const server = https.createServer(
      { key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' },
      (_req, res) => res.end('{}'),
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const client = new BaasClient({ baseUrl: `https://127.0.0.1:${port}`, apiKey: 'k', tls: { ca: pki.ca.cert, cert: foreign.client.cert, key: foreign.client.key }, ...timeouts });
      expect((await failureWith(client)).code).toBe(ErrorCode.UPSTREAM_AUTH_FAILED);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
