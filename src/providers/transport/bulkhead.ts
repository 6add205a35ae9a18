/**
 * A per-provider concurrency cap: at most `limit` upstream calls in flight, at most
 * `maxQueue` waiting. One slow provider therefore holds at most its own slots and queue,
 * never the whole gateway. A call that cannot get a slot (queue full, or its deadline passes
 * while waiting) fails fast with a retryable UPSTREAM_UNAVAILABLE and is never sent.
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import type { ProviderKey } from '../../core/provider-key.js';

export interface BulkheadStats {
  inFlight: number;
  queued: number;
  rejected: number;
}

export class Bulkhead {
  private inFlight = 0;
  private rejected = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly provider: ProviderKey,
    readonly limit: number,
    readonly maxQueue: number,
  ) {}

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  stats(): BulkheadStats {
    return { inFlight: this.inFlight, queued: this.queue.length, rejected: this.rejected };
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (this.inFlight < this.limit) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    if (this.queue.length >= this.maxQueue || signal?.aborted) {
      this.rejected += 1;
      return Promise.reject(this.full());
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.inFlight += 1;
        resolve();
      };
      const onAbort = () => {
        const i = this.queue.indexOf(grant);
        if (i >= 0) this.queue.splice(i, 1);
        this.rejected += 1;
        reject(new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, `${this.provider.toUpperCase()} was too busy to call before the deadline`, { provider: this.provider }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(grant);
    });
  }

  private release(): void {
    this.inFlight -= 1;
    this.queue.shift()?.();
  }

  private full(): GatewayError {
    return new GatewayError(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      `${this.provider.toUpperCase()} has ${this.limit} calls in flight and ${this.maxQueue} waiting; try again shortly`,
      { provider: this.provider, retryAfterSeconds: 1 },
    );
  }
}
