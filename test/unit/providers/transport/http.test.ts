/**
 * The shared transport against a real loopback server with injected faults: what it retries,
 * what it never retries, and how each failure reaches the gateway's error model.
 */
import { createCallContext } from '../../../../src/core/call-context.js';
import { ErrorCode, GatewayError } from '../../../../src/core/errors.js';
import { fallbackError } from '../../../../src/providers/transport/upstream-errors.js';
import { CircuitBreaker } from '../../../../src/providers/transport/circuit-breaker.js';
import { NO_RETRY, type RetryDecision } from '../../../../src/providers/transport/retry-policy.js';
import { createLogger } from '../../../../src/core/logger.js';
import { ProviderHttpClient, type AttemptObserver, type AttemptReport, type RequestSpec, type TransportOptions, type UpstreamResponse } from '../../../../src/providers/transport/http.js';
import { SandboxServer } from '../../../../src/sandbox/server.js';
import { failure } from '../../../support/failure.js';

class TestClient extends ProviderHttpClient {
  constructor(options: TransportOptions) {
    super('utgl', options);
  }
  protected errorFromResponse(response: UpstreamResponse, spec: RequestSpec): GatewayError {
    return fallbackError(this.answer(response, spec, { message: 'failed' }));
  }
}

/** Retries a 404 once, recording what each decision was shown. */
class RetryNotFoundOnce extends TestClient {
  readonly consulted: Array<{ status: number | undefined; history: Array<number | undefined> }> = [];
  protected override retryDecision(spec: RequestSpec, failure: GatewayError, history: readonly GatewayError[]): RetryDecision {
    this.consulted.push({ status: failure.upstream?.status, history: history.map((f) => f.upstream?.status) });
    if (failure.upstream?.status === 404) return history.some((f) => f.upstream?.status === 404) ? NO_RETRY : { retry: true, delayMs: 0 };
    return super.retryDecision(spec, failure, history);
  }
}

/** A client with one guard of its own around each call. */
class GuardedClient extends TestClient {
  constructor(
    options: TransportOptions,
    readonly guard: CircuitBreaker,
  ) {
    super(options);
  }
  protected override guards(): readonly CircuitBreaker[] {
    return [this.guard];
  }
}

const server = new SandboxServer({
  name: 'echo',
  routes: [
    { method: 'GET', pattern: '/thing', handler: () => ({ status: 200, body: { ok: true } }) },
    { method: 'POST', pattern: '/thing', handler: () => ({ status: 201, body: { created: true } }) },
  ],
});
let client: TestClient;
const cx = () => createCallContext('req-test', createLogger('silent'));
const read: RequestSpec = { method: 'GET', path: '/thing', kind: 'read', name: 'read' };
const write: RequestSpec = { method: 'POST', path: '/thing', body: { a: 1 }, kind: 'write', name: 'write' };


beforeAll(async () => {
  const baseUrl = await server.start();
  client = new TestClient({ baseUrl, connectTimeoutMs: 500, headersTimeoutMs: 300, bodyTimeoutMs: 300, maxRetries: 2 });
});
afterAll(async () => {
  await client.close();
  await server.stop();
});
afterEach(() => {
  server.clearFaults();
  server.resetRequests();
  client.resetHealth();
});

describe('the provider transport', () => {
  it('sends the gateway request id upstream and returns the parsed body', async () => {
    await expect(client.request(read, cx())).resolves.toEqual({ ok: true });
    expect(server.requests[0]!.headers['x-request-id']).toBe('req-test');
  });

  it('retries a read answered 503 and succeeds on the third attempt', async () => {
    server.inject({ path: '/thing', status: 503, times: 2 });
    await expect(client.request(read, cx())).resolves.toEqual({ ok: true });
    expect(server.count('GET', '/thing')).toBe(3);
  });

  it('gives up after two retries with a retryable UPSTREAM_UNAVAILABLE carrying the status', async () => {
    server.inject({ path: '/thing', status: 503 });
    const error = await failure(client.request(read, cx()));
    expect(server.count('GET', '/thing')).toBe(3);
    expect(error.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(error.retryable).toBe(true);
    expect(error.upstream?.status).toBe(503);
  });

  it('does not retry a write after a 503: its outcome is unknown', async () => {
    server.inject({ method: 'POST', path: '/thing', status: 503 });
    const error = await failure(client.request(write, cx()));
    expect(server.count('POST', '/thing')).toBe(1);
    expect(error.code).toBe(ErrorCode.OUTCOME_UNKNOWN);
  });

  it('does not retry a write whose connection dropped after it was sent', async () => {
    server.inject({ method: 'POST', path: '/thing', dropAfterHandling: true });
    const error = await failure(client.request(write, cx()));
    expect(server.count('POST', '/thing')).toBe(1);
    expect(error.code).toBe(ErrorCode.OUTCOME_UNKNOWN);
  });

  it('retries a read whose connection was dropped', async () => {
    server.inject({ path: '/thing', drop: true, times: 1 });
    await expect(client.request(read, cx())).resolves.toEqual({ ok: true });
    expect(server.count('GET', '/thing')).toBe(2);
  });

  it('honours Retry-After on a 429 before retrying', async () => {
    server.inject({ path: '/thing', status: 429, headers: { 'retry-after': '1' }, times: 1 });
    const started = Date.now();
    await expect(client.request(read, cx())).resolves.toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('does not wait for a Retry-After beyond its cap: RATE_LIMITED with the delay', async () => {
    server.inject({ path: '/thing', status: 429, headers: { 'retry-after': '60' } });
    const error = await failure(client.request(read, cx()));
    expect(server.count('GET', '/thing')).toBe(1);
    expect(error.code).toBe(ErrorCode.RATE_LIMITED);
    expect(error.retryAfterSeconds).toBe(60);
  });

  it('times out a slow answer as UPSTREAM_TIMEOUT after its retries', async () => {
    server.inject({ path: '/thing', latencyMs: 1500 });
    const error = await failure(client.request(read, cx()));
    expect(error.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(server.count('GET', '/thing')).toBe(3);
  });

  it('reports an unreachable provider as UPSTREAM_UNAVAILABLE', async () => {
    const dead = new TestClient({ baseUrl: 'http://127.0.0.1:1', connectTimeoutMs: 200, headersTimeoutMs: 200, bodyTimeoutMs: 200, maxRetries: 0 });
    const error = await failure(dead.request(read, cx()));
    expect(error.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    await dead.close();
  });

  it('refuses a success body that is not JSON with a typed UPSTREAM_ERROR', async () => {
    server.inject({ path: '/thing', status: 200, body: '<html>oops</html>' });
    const error = await failure(client.request(read, cx()));
    expect(error.code).toBe(ErrorCode.UPSTREAM_ERROR);
  });

  it('stops at the request deadline', async () => {
    server.inject({ path: '/thing', latencyMs: 250 });
    const slow = new TestClient({ baseUrl: server.baseUrl, connectTimeoutMs: 500, headersTimeoutMs: 5000, bodyTimeoutMs: 5000, maxRetries: 2 });
    const context = createCallContext('req-deadline', createLogger('silent'), AbortSignal.timeout(100));
    const error = await failure(slow.request(read, context));
    expect(error.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(server.count('GET', '/thing')).toBe(1);
    await slow.close();
  });
});

describe('the circuit breaker and bulkhead of the transport', () => {
  it('opens after persistent failures and then answers without calling the provider', async () => {
    server.inject({ path: '/thing', status: 503 });
    // 4 reads × 3 attempts = 12 failures ≥ the threshold of 10 within the window.
    for (let i = 0; i < 4; i += 1) await failure(client.request(read, cx()));
    const calls = server.count('GET', '/thing');
    expect(client.health()).toMatchObject({ circuitOpen: true, circuitOpenReason: 'errors' });
    const error = await failure(client.request(read, cx()));
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE, provider: 'utgl', retryable: true });
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(server.count('GET', '/thing')).toBe(calls);
  });

  it('closes again after its cool-down', async () => {
    let now = 1_000_000;
    const timed = new TestClient({ baseUrl: server.baseUrl, connectTimeoutMs: 500, headersTimeoutMs: 500, bodyTimeoutMs: 500, maxRetries: 0, breaker: { now: () => now, threshold: 2 } });
    server.inject({ path: '/thing', status: 500, times: 2 });
    await failure(timed.request(read, cx()));
    await failure(timed.request(read, cx()));
    expect(timed.health().circuitOpen).toBe(true);
    now += 5_001;
    await expect(timed.request(read, cx())).resolves.toEqual({ ok: true });
    expect(timed.health().circuitOpen).toBe(false);
    await timed.close();
  });

  it('does not count client errors (4xx) as provider failures', async () => {
    server.inject({ path: '/thing', status: 404 });
    for (let i = 0; i < 12; i += 1) await failure(client.request(read, cx()));
    expect(client.health()).toMatchObject({ circuitOpen: false, recentErrors: 0 });
  });

  it('caps calls in flight and refuses what cannot wait', async () => {
    const capped = new TestClient({ baseUrl: server.baseUrl, connectTimeoutMs: 500, headersTimeoutMs: 2000, bodyTimeoutMs: 2000, maxRetries: 0, maxConcurrency: 2, maxQueue: 1 });
    server.inject({ path: '/thing', latencyMs: 200 });
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => capped.request(read, cx())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE, provider: 'utgl' });
    expect(server.count('GET', '/thing')).toBe(3);
    await capped.close();
  });

  it('reports recent latency', async () => {
    await client.request(read, cx());
    expect(client.health().latencyP50Ms).toEqual(expect.any(Number));
  });
});

describe('the transport hooks', () => {
  it('asks retryDecision after each failed attempt, with the failures before it', async () => {
    const hooked = new RetryNotFoundOnce({ baseUrl: server.baseUrl, connectTimeoutMs: 500, headersTimeoutMs: 500, bodyTimeoutMs: 500, maxRetries: 2 });
    server.inject({ path: '/thing', status: 503, times: 1 });
    server.inject({ path: '/thing', status: 404 });
    const error = await failure(hooked.request(read, cx()));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(hooked.consulted).toEqual([
      { status: 503, history: [] },
      { status: 404, history: [503] },
      { status: 404, history: [503, 404] },
    ]);
    expect(server.count('GET', '/thing')).toBe(3);
    await hooked.close();
  });

  it('is not asked once the caller\'s deadline has passed', async () => {
    const hooked = new RetryNotFoundOnce({ baseUrl: server.baseUrl, connectTimeoutMs: 500, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000, maxRetries: 2 });
    server.inject({ path: '/thing', latencyMs: 250 });
    await failure(hooked.request(read, createCallContext('req-deadline', createLogger('silent'), AbortSignal.timeout(50))));
    expect(hooked.consulted).toEqual([]);
    await hooked.close();
  });

  it('runs a guard around the whole call: its retries are one call, one error', async () => {
    const guard = new CircuitBreaker({ provider: 'utgl', threshold: 2, minErrorRatio: 0.5, classify: () => ({ kind: 'error' }) });
    const guarded = new GuardedClient({ baseUrl: server.baseUrl, connectTimeoutMs: 500, headersTimeoutMs: 500, bodyTimeoutMs: 500, maxRetries: 2 }, guard);
    server.inject({ path: '/thing', status: 503 });
    await failure(guarded.request(read, cx()));
    expect(server.count('GET', '/thing')).toBe(3);
    expect(guard.status()).toMatchObject({ open: false, calls: 1, errors: 1 });
    await guarded.close();
  });

  it('folds an open guard into health, short-circuits calls, and closes it on resetHealth', async () => {
    const guard = new CircuitBreaker({ provider: 'utgl', threshold: 1, coolDownMs: 30_000, classify: () => ({ kind: 'error' }) });
    const guarded = new GuardedClient({ baseUrl: server.baseUrl, connectTimeoutMs: 500, headersTimeoutMs: 500, bodyTimeoutMs: 500, maxRetries: 0 }, guard);
    server.inject({ path: '/thing', status: 404, times: 1 });
    await failure(guarded.send(read, cx()));
    expect(guarded.health()).toMatchObject({ circuitOpen: true, circuitOpenReason: 'errors', circuitRetryAfterMs: expect.any(Number) });
    expect(guarded.health().circuitRetryAfterMs).toBeGreaterThan(0);
    const refused = await failure(guarded.request(read, cx()));
    expect(refused).toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE, provider: 'utgl', retryable: true });
    expect(server.count('GET', '/thing')).toBe(1);
    guarded.resetHealth();
    expect(guarded.health()).toMatchObject({ circuitOpen: false, circuitOpenReason: null, circuitRetryAfterMs: 0 });
    await expect(guarded.request(read, cx())).resolves.toEqual({ ok: true });
    await guarded.close();
  });
});

describe('the attempt observer', () => {
  it('is told of each attempt as it starts and as it ends, and its headers go upstream with that attempt', async () => {
    const events: string[] = [];
    const observer: AttemptObserver = (start, headers) => {
      headers.traceparent = `attempt-${start.attempt}`;
      events.push(`start ${start.provider} ${start.operation} ${start.method} ${start.route} #${start.attempt}`);
      return (report) => events.push(`end #${report.attempt} ${report.outcome} ${report.status ?? '-'}`);
    };
    const observed = new TestClient({ baseUrl: server.baseUrl, connectTimeoutMs: 500, headersTimeoutMs: 300, bodyTimeoutMs: 300, maxRetries: 2, observer });
    server.inject({ path: '/thing', status: 503, times: 1 });
    try {
      await expect(observed.request({ ...read, path: '/thing', query: { ids: 'card_1,card_2' } }, cx())).resolves.toEqual({ ok: true });
    } finally {
      await observed.close();
    }
    expect(events).toEqual([
      'start utgl read GET /thing #0',
      'end #0 UPSTREAM_UNAVAILABLE 503',
      'start utgl read GET /thing #1',
      'end #1 ok 200',
    ]);
    expect(server.requests.map((r) => r.headers.traceparent)).toEqual(['attempt-0', 'attempt-1']);
  });

  it('reports an attempt that got no answer without a status', async () => {
    const reports: AttemptReport[] = [];
    const observed = new TestClient({ baseUrl: server.baseUrl, connectTimeoutMs: 500, headersTimeoutMs: 300, bodyTimeoutMs: 300, maxRetries: 0, observer: () => (report) => reports.push(report) });
    server.inject({ path: '/thing', drop: true, times: 1 });
    try {
      await failure(observed.request(read, cx()));
    } finally {
      await observed.close();
    }
    expect(reports).toEqual([expect.objectContaining({ attempt: 0, outcome: ErrorCode.UPSTREAM_UNAVAILABLE, status: undefined })]);
  });
});
