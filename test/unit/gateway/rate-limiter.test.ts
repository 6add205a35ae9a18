import { extensionsOf } from '../../../src/core/errors.js';
import { RateLimiter, rateLimitedError, type RateLimiterOptions } from '../../../src/gateway/rate-limiter.js';

function limiter(options: Partial<RateLimiterOptions> = {}) {
  const clock = { now: 1_000_000 };
  const rl = new RateLimiter({ capacity: 5, refillPerSecond: 0.5, now: () => clock.now, ...options });
  const advance = (ms: number) => {
    clock.now += ms;
  };
  return { rl, advance, clock };
}

describe('RateLimiter', () => {
  it('allows a burst up to the capacity, then refuses with the wait for the next token', () => {
    const { rl } = limiter();
    for (let i = 4; i >= 0; i--) expect(rl.take('a')).toEqual({ allowed: true, remaining: i });
    // One token at 0.5 per second: 2 seconds.
    expect(rl.take('a')).toEqual({ allowed: false, retryAfterSeconds: 2 });
  });

  it('takes back tokens given back, up to its capacity, and ignores a bucket it no longer holds', () => {
    const { rl } = limiter();
    for (let i = 0; i < 5; i++) rl.take('a');
    expect(rl.take('a').allowed).toBe(false);
    rl.give('a', 2);
    expect(rl.take('a', 2)).toEqual({ allowed: true, remaining: 0 });
    rl.give('a', 100);
    expect(rl.take('a', 5)).toEqual({ allowed: true, remaining: 0 });
    rl.give('b', 3);
    expect(rl.size).toBe(1);
  });

  it('refills continuously and rounds the wait up to whole seconds', () => {
    const { rl, advance } = limiter();
    for (let i = 0; i < 5; i++) rl.take('a');
    advance(1900);
    expect(rl.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    advance(100);
    expect(rl.take('a')).toEqual({ allowed: true, remaining: 0 });
    expect(rl.take('a')).toEqual({ allowed: false, retryAfterSeconds: 2 });
  });

  it('does not charge refused requests', () => {
    const { rl, advance } = limiter({ capacity: 1, refillPerSecond: 1 });
    rl.take('a');
    for (let i = 0; i < 10; i++) expect(rl.take('a').allowed).toBe(false);
    advance(1000);
    expect(rl.take('a').allowed).toBe(true);
  });

  it('lets a request through after exactly retryAfterSeconds, whatever the rate', () => {
    for (const refillPerSecond of [1 / 3, 0.7, 3, 7.3]) {
      const { rl, advance } = limiter({ capacity: 1, refillPerSecond });
      rl.take('a');
      const refused = rl.take('a');
      if (refused.allowed) throw new Error('expected a refusal');
      expect(refused.retryAfterSeconds).toBe(Math.max(1, Math.ceil(1 / refillPerSecond)));
      advance(refused.retryAfterSeconds * 1000);
      expect(rl.take('a').allowed).toBe(true);
    }
  });

  it('never holds more than the capacity however long a key is idle', () => {
    const { rl, advance } = limiter();
    rl.take('a');
    advance(3_600_000);
    for (let i = 0; i < 5; i++) expect(rl.take('a').allowed).toBe(true);
    expect(rl.take('a').allowed).toBe(false);
  });

  it('keeps keys apart', () => {
    const { rl } = limiter({ capacity: 1 });
    expect(rl.take('a').allowed).toBe(true);
    expect(rl.take('a').allowed).toBe(false);
    expect(rl.take('b').allowed).toBe(true);
  });

  it('takes a cost of several tokens, and refuses a cost over the capacity as a programming error', () => {
    const { rl } = limiter();
    expect(rl.take('a', 4)).toEqual({ allowed: true, remaining: 1 });
    // 3 tokens missing at 0.5 per second.
    expect(rl.take('a', 4)).toEqual({ allowed: false, retryAfterSeconds: 6 });
    expect(() => rl.take('a', 6)).toThrow(RangeError);
    expect(() => rl.take('a', 0)).toThrow(RangeError);
    expect(() => rl.take('a', Number.NaN)).toThrow(RangeError);
  });

  it('survives a clock stepping back without refilling', () => {
    const { rl, advance } = limiter({ capacity: 1, refillPerSecond: 1 });
    rl.take('a');
    advance(-10_000);
    expect(rl.take('a').allowed).toBe(false);
    advance(10_500);
    expect(rl.take('a').allowed).toBe(false);
    advance(500);
    expect(rl.take('a').allowed).toBe(true);
  });

  it('drops buckets idle long enough to be full again, keeps the others', () => {
    // Full after 5 tokens / 0.5 per second = 10 s.
    const { rl, advance } = limiter();
    rl.take('idle');
    advance(5_000);
    rl.take('recent');
    expect(rl.size).toBe(2);
    advance(5_000);
    rl.take('other');
    expect(rl.size).toBe(2); // 'idle' was full: dropped
    // Dropping a full bucket changes nothing: a new one is full too.
    for (let i = 0; i < 5; i++) expect(rl.take('idle').allowed).toBe(true);
    expect(rl.take('idle').allowed).toBe(false);
  });

  it('keeps at most maxKeys buckets, dropping the least recently used', () => {
    const { rl } = limiter({ capacity: 1, maxKeys: 3 });
    rl.take('a');
    rl.take('b');
    rl.take('c');
    rl.take('a'); // refused, but used: 'b' is now the least recently used
    rl.take('d');
    expect(rl.size).toBe(3);
    expect(rl.take('a').allowed).toBe(false); // kept, still empty
    expect(rl.take('b').allowed).toBe(true); // dropped: starts over full
  });

  it('stays bounded under a flood of distinct keys', () => {
    const { rl } = limiter({ maxKeys: 1000 });
    for (let i = 0; i < 20_000; i++) rl.take(`k${i}`);
    expect(rl.size).toBe(1000);
  });

  it('uses a monotonic clock by default', () => {
    const rl = new RateLimiter({ capacity: 2, refillPerSecond: 1 });
    expect(rl.take('a').allowed).toBe(true);
    expect(rl.take('a').allowed).toBe(true);
    expect(rl.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refuses nonsensical options', () => {
    expect(() => new RateLimiter({ capacity: 0, refillPerSecond: 1 })).toThrow(RangeError);
    expect(() => new RateLimiter({ capacity: 5, refillPerSecond: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ capacity: 5, refillPerSecond: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => new RateLimiter({ capacity: 5, refillPerSecond: 1, maxKeys: 0 })).toThrow(RangeError);
  });
});

describe('rateLimitedError', () => {
  it('is a retryable RATE_LIMITED error with retryAfterSeconds', () => {
    const error = rateLimitedError(3);
    expect(error.message).toBe('Too many requests; retry after 3 seconds');
    expect(extensionsOf(error, 'req-1')).toEqual({ code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 3, requestId: 'req-1' });
    expect(rateLimitedError(1).message).toBe('Too many requests; retry after 1 second');
  });
});
