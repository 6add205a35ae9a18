import { CircuitBreaker, classifyUpstreamFailure } from '../../../../src/providers/transport/circuit-breaker.js';
import { ErrorCode, GatewayError } from '../../../../src/core/errors.js';

function manualClock(start = 5_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const answered = (code: ErrorCode, status: number, retryAfterSeconds?: number) =>
  new GatewayError(code, `upstream ${status}`, { provider: 'pushpull', upstream: { status }, retryAfterSeconds });

const notFound = () => answered(ErrorCode.NOT_FOUND, 404);

/** A guard with small numbers: 3 errors in 10 s, half the calls, 5 s cool-down. */
function guard(clock = manualClock()) {
  const g = new CircuitBreaker({ provider: 'pushpull', windowMs: 10_000, threshold: 3, minErrorRatio: 0.5, coolDownMs: 5_000, now: clock.now });
  return { g, clock };
}

async function fail(g: CircuitBreaker, error: unknown): Promise<void> {
  await expect(g.run(() => Promise.reject(error))).rejects.toBe(error);
}

describe('CircuitBreaker', () => {
  it('lets calls through and passes their results and errors on while closed', async () => {
    const { g } = guard();
    expect(await g.run(async () => 42)).toBe(42);
    await fail(g, notFound());
    expect(g.status()).toMatchObject({ open: false, calls: 2, errors: 1 });
  });

  it('opens once the window holds `threshold` error answers', async () => {
    const { g } = guard();
    await fail(g, notFound());
    await fail(g, answered(ErrorCode.CONFLICT, 409));
    expect(g.status().open).toBe(false);
    await fail(g, answered(ErrorCode.UPSTREAM_UNAVAILABLE, 503));
    expect(g.status()).toMatchObject({ open: true, reason: 'errors', remainingMs: 5_000 });
  });

  it('short-circuits while open: the call is never made and the error is a retryable UPSTREAM_UNAVAILABLE naming the provider', async () => {
    const { g, clock } = guard();
    for (let i = 0; i < 3; i += 1) await fail(g, notFound());
    clock.advance(1_200);
    const call = jest.fn(async () => 'never');
    const error = await g.run(call).catch((e: unknown) => e);
    expect(call).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE, provider: 'pushpull', retryable: true, retryAfterSeconds: 4 });
    expect((error as GatewayError).message).toMatch(/PUSHPULL/);
    expect((error as GatewayError).upstream).toBeUndefined();
  });

  it('closes after the cool-down with a clean window', async () => {
    const { g, clock } = guard();
    for (let i = 0; i < 3; i += 1) await fail(g, notFound());
    clock.advance(4_999);
    await expect(g.run(async () => 'x')).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE });
    clock.advance(1);
    expect(await g.run(async () => 'back')).toBe('back');
    // The errors that opened it are forgotten: one more error does not re-open it.
    await fail(g, notFound());
    expect(g.status()).toMatchObject({ open: false, errors: 1 });
  });

  it('forgets errors that slid out of the window', async () => {
    const { g, clock } = guard();
    await fail(g, notFound());
    await fail(g, notFound());
    clock.advance(10_000);
    await fail(g, notFound());
    expect(g.status()).toMatchObject({ open: false, errors: 1 });
  });

  it('stays closed while errors are a minority of the calls ("mostly errors")', async () => {
    const { g } = guard();
    for (let i = 0; i < 4; i += 1) await g.run(async () => 'ok');
    await fail(g, notFound());
    await fail(g, notFound());
    await fail(g, notFound()); // 3 errors of 7 calls
    expect(g.status().open).toBe(false);
    await fail(g, notFound()); // 4 of 8: half
    expect(g.status().open).toBe(true);
  });

  it('does not count ordinary rejections, network failures or non-gateway errors as error answers', async () => {
    const { g } = guard();
    await fail(g, answered(ErrorCode.BAD_USER_INPUT, 400));
    await fail(g, answered(ErrorCode.UPSTREAM_AUTH_FAILED, 401));
    await fail(g, answered(ErrorCode.INVALID_STATE, 422));
    await fail(g, new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'ECONNREFUSED', { provider: 'pushpull' }));
    await fail(g, new Error('bug'));
    expect(g.status()).toMatchObject({ open: false, calls: 5, errors: 0 });
  });

  it('opens for the Retry-After of a 429, whatever the error count', async () => {
    const { g, clock } = guard();
    await fail(g, answered(ErrorCode.RATE_LIMITED, 429, 8));
    expect(g.status()).toMatchObject({ open: true, reason: 'rate-limited', remainingMs: 8_000 });
    await expect(g.run(async () => 'x')).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE, retryAfterSeconds: 8 });
    clock.advance(8_000);
    expect(await g.run(async () => 'x')).toBe('x');
  });

  it('pauses for a default second after a 429 without Retry-After, and caps a huge one', async () => {
    const clock = manualClock();
    const g = new CircuitBreaker({ provider: 'utgl', defaultPauseMs: 1_000, maxPauseMs: 60_000, now: clock.now });
    await fail(g, answered(ErrorCode.RATE_LIMITED, 429));
    expect(g.status().remainingMs).toBe(1_000);
    clock.advance(1_000);
    await fail(g, answered(ErrorCode.RATE_LIMITED, 429, 86_400));
    expect(g.status().remainingMs).toBe(60_000);
  });

  it('is generic: the classifier is injectable', async () => {
    const { now } = manualClock();
    const g = new CircuitBreaker({ provider: 'baas', threshold: 1, now, classify: () => ({ kind: 'error' }) });
    await fail(g, new Error('anything'));
    expect(g.status().open).toBe(true);
  });

  it('under countInFlight, queues calls past the budget and admits them in turn as calls end', async () => {
    const g = new CircuitBreaker({ provider: 'pushpull', threshold: 3, countInFlight: true });
    const ends: Array<() => void> = [];
    const started: number[] = [];
    const calls = Array.from({ length: 5 }, (_, i) =>
      g.run(() => new Promise<number>((resolve) => { started.push(i); ends.push(() => resolve(i)); })),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    expect(g.status().inFlight).toBe(3);
    ends[0]!();
    await calls[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2, 3]);
    for (const end of ends.slice(1)) end();
    await new Promise((resolve) => setImmediate(resolve));
    ends[4]!();
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4]);
    expect(g.status()).toMatchObject({ inFlight: 0, open: false });
  });

  it('under countInFlight, never lets errors plus calls in flight pass the threshold, and refuses a call that waited too long', async () => {
    const g = new CircuitBreaker({ provider: 'pushpull', threshold: 3, minErrorRatio: 1, countInFlight: true, admissionWaitMs: 20 });
    await fail(g, notFound());
    await fail(g, notFound());
    let release!: () => void;
    const slow = g.run(() => new Promise<string>((resolve) => (release = () => resolve('late'))));
    // Two errors and one call in flight: a fourth call waits, and is refused after admissionWaitMs.
    const refused = g.run(async () => 'never');
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE, provider: 'pushpull', retryable: true });
    release();
    expect(await slow).toBe('late');
    expect(g.status()).toMatchObject({ inFlight: 0, errors: 2 });
  });

  it('reset closes it at once', async () => {
    const { g } = guard();
    for (let i = 0; i < 3; i += 1) await fail(g, notFound());
    g.reset();
    expect(await g.run(async () => 'ok')).toBe('ok');
  });
});

describe('classifyUpstreamFailure', () => {
  it.each([
    [answered(ErrorCode.NOT_FOUND, 404), 'error'],
    [answered(ErrorCode.NOT_FOUND, 410), 'error'],
    [answered(ErrorCode.CONFLICT, 409), 'error'],
    [answered(ErrorCode.UPSTREAM_UNAVAILABLE, 500), 'error'],
    [answered(ErrorCode.OUTCOME_UNKNOWN, 502), 'error'],
    [answered(ErrorCode.UPSTREAM_TIMEOUT, 504), 'error'],
    [answered(ErrorCode.RATE_LIMITED, 429, 3), 'pause'],
    [answered(ErrorCode.LIMIT_EXCEEDED, 429), 'call'],
    [answered(ErrorCode.BAD_USER_INPUT, 400), 'call'],
    [answered(ErrorCode.OUTCOME_UNKNOWN, 207), 'call'],
    [new GatewayError(ErrorCode.NOT_FOUND, 'no upstream answer'), 'call'],
  ])('%s → %s', (error, kind) => {
    expect(classifyUpstreamFailure(error).kind).toBe(kind);
  });
});
