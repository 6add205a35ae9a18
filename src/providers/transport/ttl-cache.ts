/**
 * A small time-to-live cache with in-flight de-duplication, shared across requests (unlike
 * `CallContext.memo`, which lives for one request). `get(key, ttlMs, load)`:
 * - a fresh value is answered from memory, without calling `load`;
 * - while a load for the key is running, every caller shares its promise (one upstream call
 *   for twenty concurrent readers);
 * - a failed load is never cached: the next caller loads again. A value that *means* "absent"
 *   (e.g. `null` for a 404) is a value, and is cached like any other.
 *
 * The TTL runs from the moment the load settles, so two loads of one key are always at least
 * `ttlMs` apart (plus the upstream's latency): a rate guarantee a provider's "do not poll"
 * rule can rely on. Pure: no timers; the clock is injected for tests.
 */

export interface TtlCacheOptions {
  /** Milliseconds since some fixed origin; `Date.now` by default. */
  now?: () => number;
  /** Entries kept at most; the oldest are dropped first. */
  maxEntries?: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

const TTL_CACHE_DEFAULT_MAX_ENTRIES = 10_000;

export class TtlCache<V> {
  private readonly values = new Map<string, Entry<V>>();
  private readonly inFlight = new Map<string, Promise<V>>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(options: TtlCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? TTL_CACHE_DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  get(key: string, ttlMs: number, load: () => Promise<V>): Promise<V> {
    const cached = this.values.get(key);
    if (cached) {
      if (cached.expiresAt > this.now()) return Promise.resolve(cached.value);
      this.values.delete(key);
    }
    const running = this.inFlight.get(key);
    if (running) return running;

    let promise: Promise<V>;
    try {
      promise = Promise.resolve(load());
    } catch (error) {
      // A load that throws synchronously is a failed load like any other.
      promise = Promise.reject(error);
    }
    this.inFlight.set(key, promise);
    promise.then(
      (value) => {
        // A `delete`/`clear` during the load dropped this promise: do not resurrect its key.
        if (this.inFlight.get(key) !== promise) return;
        this.inFlight.delete(key);
        if (ttlMs > 0) this.store(key, { value, expiresAt: this.now() + ttlMs });
      },
      () => {
        if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
      },
    );
    return promise;
  }

  /** Whether `get(key)` would answer without a new load (a fresh value, or a load in flight). */
  holds(key: string): boolean {
    const cached = this.values.get(key);
    return (cached !== undefined && cached.expiresAt > this.now()) || this.inFlight.has(key);
  }

  /** Forgets a key (its value, and any load in flight for later callers). */
  delete(key: string): void {
    this.values.delete(key);
    this.inFlight.delete(key);
  }

  clear(): void {
    this.values.clear();
    this.inFlight.clear();
  }

  /** Values held (fresh or not yet pruned), not counting loads in flight. */
  get size(): number {
    return this.values.size;
  }

  private store(key: string, entry: Entry<V>): void {
    this.values.delete(key);
    this.values.set(key, entry);
    if (this.values.size <= this.maxEntries) return;
    const now = this.now();
    for (const [k, e] of this.values) {
      if (e.expiresAt <= now) this.values.delete(k);
    }
    // Still full of fresh values: drop the oldest insertions (Map keeps insertion order).
    for (const k of this.values.keys()) {
      if (this.values.size <= this.maxEntries) break;
      this.values.delete(k);
    }
  }
}
