import { backoff, parseRetryAfter, RETRY_AFTER_CAP_MS, shouldRetry } from '../../../../src/providers/transport/retry-policy.js';

const half = () => 0.5;

describe('shouldRetry', () => {
  it('never retries a write, whatever happened', () => {
    for (const outcome of [{ kind: 'response', status: 503 } as const, { kind: 'network', code: 'ECONNRESET' } as const]) {
      expect(shouldRetry('write', outcome, 0, 2).retry).toBe(false);
    }
  });

  it.each([429, 500, 502, 503, 504])('retries a read answered %i', (status) => {
    expect(shouldRetry('read', { kind: 'response', status }, 0, 2, half).retry).toBe(true);
  });

  it.each([400, 401, 403, 404, 409, 422])('does not retry a read answered %i', (status) => {
    expect(shouldRetry('read', { kind: 'response', status }, 0, 2).retry).toBe(false);
  });

  it('retries a read after a connection error, but not after a TLS failure', () => {
    expect(shouldRetry('read', { kind: 'network', code: 'ECONNRESET' }, 0, 2).retry).toBe(true);
    expect(shouldRetry('read', { kind: 'network', code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }, 0, 2).retry).toBe(false);
  });

  it('stops after the maximum number of retries', () => {
    expect(shouldRetry('read', { kind: 'response', status: 503 }, 1, 2).retry).toBe(true);
    expect(shouldRetry('read', { kind: 'response', status: 503 }, 2, 2).retry).toBe(false);
  });

  it('waits at least Retry-After, and gives up when it is longer than the cap', () => {
    expect(shouldRetry('read', { kind: 'response', status: 429, retryAfterMs: 1000 }, 0, 2, half)).toEqual({ retry: true, delayMs: 1000 });
    expect(shouldRetry('read', { kind: 'response', status: 429, retryAfterMs: RETRY_AFTER_CAP_MS + 1 }, 0, 2).retry).toBe(false);
  });
});

describe('backoff', () => {
  it('is jittered exponential and capped', () => {
    expect(backoff(0, () => 1)).toBe(100);
    expect(backoff(3, () => 1)).toBe(800);
    expect(backoff(10, () => 1)).toBe(2000);
    expect(backoff(3, () => 0)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads both forms', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
