/**
 * How much memory upstream answers may take while they are buffered and decoded, shared by
 * every provider of one process. An answer is held in memory several times over on its way to
 * a client (the bytes, their text, the parsed objects), so twenty 8 MB answers at once would
 * need hundreds of MB; with this budget, large answers wait their turn (the provider's socket
 * is simply not read meanwhile), and the gateway's memory stays bounded whatever the answers
 * weigh. Small answers — nearly all of them — never wait.
 *
 * A reservation is taken before a large body is read and given back once it has been decoded
 * (see `ProviderHttpClient.dispatch`). Waiting is first come, first served, and ends with the
 * caller's deadline.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ErrorCode, GatewayError } from '../../core/errors.js';
import type { ProviderKey } from '../../core/provider-key.js';

/** Answers up to this size are read without a reservation. */
export const SMALL_ANSWER_BYTES = 64 * 1024;

/** Bytes of answers being read at once, by default (UPSTREAM_ANSWER_MEMORY_BYTES). */
export const DEFAULT_ANSWER_MEMORY_BYTES = 16 * 1024 * 1024;

/** The largest answer a provider may send, by default (UPSTREAM_MAX_ANSWER_BYTES). */
export const DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * V8 collects the garbage of large answers (their text, their parsed copies: twice the bytes)
 * only when its heap has grown by a multiple of itself, so answers read one after another
 * still pile up to hundreds of MB of dead strings before a collection — the budget bounds what
 * is alive, not what awaits collection. So once large answers worth twice the budget have been
 * read since the last collection, one is asked for. Collecting a heap of a few hundred MB takes
 * milliseconds; ordinary traffic (small answers) never triggers it.
 */
const collectGarbage: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();

export class AnswerMemory {
  private used = 0;
  /** Bytes of large answers given back since the last collection asked for. */
  private readSinceCollection = 0;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly capacityBytes: number) {}

  /**
   * Reserves `bytes` (at most the whole budget, so one answer larger than it still runs alone)
   * and answers the function that gives them back. Waits while the budget is taken.
   */
  reserve(bytes: number, provider: ProviderKey, signal?: AbortSignal): Promise<() => void> {
    const amount = Math.min(bytes, this.capacityBytes);
    if (this.waiting.length === 0 && this.used + amount <= this.capacityBytes) return Promise.resolve(this.take(amount));
    if (signal?.aborted) return Promise.reject(this.timeout(provider));
    return new Promise<() => void>((resolve, reject) => {
      const entry = {
        bytes: amount,
        // Taken as it is granted, so the next in line sees it counted.
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.take(amount));
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(this.timeout(provider));
        this.grantWaiting();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Bytes reserved now, and answers waiting (metrics, tests). */
  stats(): { usedBytes: number; waiting: number } {
    return { usedBytes: this.used, waiting: this.waiting.length };
  }

  private take(amount: number): () => void {
    this.used += amount;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.used -= amount;
      this.readSinceCollection += amount;
      if (this.readSinceCollection >= this.capacityBytes && collectGarbage) {
        this.readSinceCollection = 0;
        collectGarbage();
      }
      this.grantWaiting();
    };
  }

  /** Lets the waiting answers in, in order, while they fit. */
  private grantWaiting(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.capacityBytes) this.waiting.shift()!.grant();
  }

  private timeout(provider: ProviderKey): GatewayError {
    return new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, `${provider.toUpperCase()}'s answer could not be read before the deadline: too many large answers were being read`, {
      provider,
    });
  }
}
