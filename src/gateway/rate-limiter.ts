/**
 * A per-key token bucket: each key (a caller, a client address) holds up to `capacity`
 * tokens, refilled continuously at `refillPerSecond`; a request takes one (or `cost`) and is
 * refused, with how long to wait, when the bucket holds too few. Bursts up to `capacity`,
 * then a sustained `refillPerSecond`.
 *
 * Memory stays bounded: buckets are kept in least-recently-used order, so those idle long
 * enough to have refilled completely (`capacity / refillPerSecond` seconds) are at the front
 * and are dropped as each `take` goes by (a full bucket is the same as no bucket); and at
 * most `maxKeys` buckets are kept, the least recently used going first (it then starts over
 * full: under a flood of new keys, an old key is forgiven rather than memory exhausted).
 *
 * Pure: no timers; the clock is injected for tests.
 */
import { ErrorCode, GatewayError } from '../core/errors.js';

export interface RateLimiterOptions {
  /** Tokens a bucket holds when full: the largest burst. */
  capacity: number;
  /** Tokens added per second: the sustained rate. */
  refillPerSecond: number;
  /** Buckets kept at most (least recently used dropped first); 100 000 by default. */
  maxKeys?: number;
  /** Milliseconds since some fixed origin; `performance.now` (monotonic) by default. */
  now?: () => number;
}

export type TakeResult = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

const RATE_LIMITER_DEFAULT_MAX_KEYS = 100_000;

const EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, in the clock's milliseconds. */
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly refillPerMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** How long an untouched bucket takes to refill from empty: idle longer, it is full. */
  private readonly fullAfterMs: number;

  constructor(options: RateLimiterOptions) {
    const { capacity, refillPerSecond } = options;
    if (!(Number.isFinite(capacity) && capacity >= 1)) throw new RangeError('capacity must be a number of at least 1');
    if (!(Number.isFinite(refillPerSecond) && refillPerSecond > 0)) throw new RangeError('refillPerSecond must be a positive number');
    this.capacity = capacity;
    this.refillPerMs = refillPerSecond / 1000;
    this.maxKeys = options.maxKeys ?? RATE_LIMITER_DEFAULT_MAX_KEYS;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) throw new RangeError('maxKeys must be a positive integer');
    this.now = options.now ?? (() => performance.now());
    this.fullAfterMs = capacity / this.refillPerMs;
  }

  /** Takes `cost` tokens (1 by default) from `key`'s bucket if it holds that many. */
  take(key: string, cost = 1): TakeResult {
    if (!(Number.isFinite(cost) && cost > 0 && cost <= this.capacity)) {
      throw new RangeError(`cost must be a positive number no greater than the capacity (${this.capacity})`);
    }
    const now = this.now();
    this.dropIdle(now);
    const bucket = this.current(key, now);
    // Most recently used last: delete and re-insert.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.dropOldest();
    // The epsilon absorbs floating-point error: after waiting `retryAfterSeconds`, a take succeeds.
    if (bucket.tokens + EPSILON >= cost) {
      bucket.tokens = Math.max(0, bucket.tokens - cost);
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    const waitMs = (cost - bucket.tokens) / this.refillPerMs;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /**
   * Gives `amount` tokens back to `key`'s bucket (up to its capacity): what was taken for work
   * that never ran. A bucket no longer held is full already.
   */
  give(key: string, amount: number): void {
    if (!(Number.isFinite(amount) && amount > 0) || !this.buckets.has(key)) return;
    const bucket = this.current(key, this.now());
    bucket.tokens = Math.min(this.capacity, bucket.tokens + amount);
  }

  /** Buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** `key`'s bucket refilled up to `now` (a new full one if none is held). */
  private current(key: string, now: number): Bucket {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.capacity, at: now };
    // A clock that steps back refills nothing (and is not trusted to take tokens away).
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsed * this.refillPerMs);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }

  /** Drops, from the least recently used end, every bucket idle long enough to be full. */
  private dropIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at < this.fullAfterMs) return;
      this.buckets.delete(key);
    }
  }

  private dropOldest(): void {
    while (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) return;
      this.buckets.delete(oldest.value);
    }
  }
}

/** The typed error for a refused request (`extensions.retryAfterSeconds`, retryable). */
export function rateLimitedError(retryAfterSeconds: number): GatewayError {
  return new GatewayError(
    ErrorCode.RATE_LIMITED,
    `Too many requests; retry after ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`,
    { retryAfterSeconds },
  );
}
