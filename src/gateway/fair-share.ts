/**
 * Each viewer's fair share of a provider's concurrency. A provider's bulkhead (transport)
 * caps the calls in flight to it for everyone together; without a cap per viewer, one
 * viewer's burst of look-ups takes every slot and everyone else's reads queue behind it.
 * Here each viewer (tenant + subject) holds at most `perViewer` calls in flight per
 * provider; more wait, in order, for one of its own slots (until the request's deadline),
 * so the remaining slots stay free for other viewers.
 *
 * It is applied around provider reads in the gateway layer: `view` wraps a registry so that
 * every read method of every provider passes through the slots of the viewer the read is for
 * — the call context's `viewerKey` — so one view serves all of a tenant's viewers: the
 * gateway holds nothing per viewer but the slots of reads in flight (a view per viewer, kept
 * for reuse, held 5 providers' wrappers for each of up to 10 000 viewers). A by-id read
 * (`getCards(refs)` …) counts one call per ref, as most providers look ids up one by one,
 * and is cut into chunks of at most `perViewer` refs; a list read counts one call. A
 * provider that fans one list read out into several upstream calls (ledger's cards per
 * wallet) is counted once per read: the exact count needs a hook in the transport. Writes
 * are not gated: the exactly-once engine must not wait between recording an attempt and
 * sending it, and mutations execute one at a time per request anyway.
 */
import { ErrorCode, GatewayError } from '../core/errors.js';
import type { CallContext } from '../core/call-context.js';
import type { ProviderKey } from '../core/provider-key.js';
import type { CardProvider } from '../providers/provider.js';
import { DEFAULT_MAX_QUEUE } from '../providers/transport/http.js';
import { ProviderRegistry } from './registry.js';

/** Reads that take a list of refs and answer one result per ref, in order. */
const BY_ID_READS = ['getCardholders', 'getCards', 'getWallets', 'getWalletBalances', 'getTransactions'] as const;
/** Reads that are one call each. */
const SINGLE_READS = ['listCardholders', 'listCards', 'listWallets', 'listTransactions', 'getOperation', 'cardholderTransactionScopes', 'revealCard'] as const;

type ByIdRead = (typeof BY_ID_READS)[number];

/**
 * Waiting acquisitions one viewer may have at one provider before it is told to slow down:
 * as many as the provider's own queue holds (a heavy but admitted document, 50 clients ×
 * 200 transaction lists, queues thousands), so the viewer's queue never refuses what the
 * provider's would have taken.
 */
const DEFAULT_MAX_WAITING = DEFAULT_MAX_QUEUE;

/** A counting semaphore whose acquisitions weigh 1…limit permits, granted in order. */
class Slots {
  inUse = 0;
  readonly waiting: Array<{ weight: number; grant: () => void }> = [];

  constructor(private readonly limit: number) {}

  get idle(): boolean {
    return this.inUse === 0 && this.waiting.length === 0;
  }

  tryTake(weight: number): boolean {
    if (this.waiting.length > 0 || this.inUse + weight > this.limit) return false;
    this.inUse += weight;
    return true;
  }

  release(weight: number): void {
    this.inUse -= weight;
    while (this.waiting.length > 0 && this.inUse + this.waiting[0]!.weight <= this.limit) {
      const next = this.waiting.shift()!;
      this.inUse += next.weight;
      next.grant();
    }
  }
}

export interface FairShareOptions {
  /** Calls one viewer may have in flight at one provider. */
  perViewer: number;
  /** Acquisitions one viewer may have waiting at one provider (the transport's queue size by default). */
  maxWaiting?: number;
}

export class FairShare {
  private readonly slots = new Map<string, Slots>();
  readonly perViewer: number;
  private readonly maxWaiting: number;

  constructor(options: FairShareOptions) {
    if (!(Number.isInteger(options.perViewer) && options.perViewer >= 1)) throw new RangeError('perViewer must be a positive integer');
    this.perViewer = options.perViewer;
    this.maxWaiting = options.maxWaiting ?? DEFAULT_MAX_WAITING;
  }

  /** Runs `task` once `viewer` has `weight` (1…perViewer) free slots at `provider`. */
  async run<T>(viewer: string, provider: ProviderKey, weight: number, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const key = `${viewer}\u0000${provider}`;
    let slots = this.slots.get(key);
    if (!slots) {
      slots = new Slots(this.perViewer);
      this.slots.set(key, slots);
    }
    const taken = Math.min(Math.max(1, weight), this.perViewer);
    if (!slots.tryTake(taken)) await this.wait(slots, taken, provider, signal);
    try {
      return await task();
    } finally {
      slots.release(taken);
      // Idle viewers hold no memory.
      if (slots.idle) this.slots.delete(key);
    }
  }

  /** Calls in flight and waiting, per viewer and provider (tests, metrics). */
  stats(viewer: string, provider: ProviderKey): { inFlight: number; waiting: number } {
    const slots = this.slots.get(`${viewer}\u0000${provider}`);
    return { inFlight: slots?.inUse ?? 0, waiting: slots?.waiting.length ?? 0 };
  }

  /**
   * A registry whose providers' reads pass through the slots of `viewer`, or, without one, of
   * the viewer each read's call context names.
   */
  view(registry: ProviderRegistry, viewer?: string): ProviderRegistry {
    const view = new ProviderRegistry();
    for (const entry of registry.list()) view.register(this.provider(entry.provider, viewer), entry.sandbox);
    return view;
  }

  /**
   * `provider` with its reads gated by `viewer`'s slots, or, without one, by those of the
   * viewer each read's call context names (a read for none — the gateway's own — shares one
   * set of slots); everything else passes through.
   */
  provider(provider: CardProvider, viewer?: string): CardProvider {
    const gated = new Map<PropertyKey, unknown>();
    for (const name of BY_ID_READS) {
      gated.set(name, (refs: readonly string[], cx: CallContext) => this.byId(provider, name, refs, cx, viewer ?? cx.viewerKey ?? ''));
    }
    for (const name of SINGLE_READS) {
      const read = (args: unknown[]) => (provider[name] as (...a: unknown[]) => Promise<unknown>).apply(provider, args);
      gated.set(name, (...args: unknown[]) => {
        const cx = contextOf(args);
        return this.run(viewer ?? cx?.viewerKey ?? '', provider.key, 1, () => read(args), cx?.signal);
      });
    }
    return new Proxy(provider, {
      get(target, property) {
        if (gated.has(property)) return gated.get(property);
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  private async byId(provider: CardProvider, name: ByIdRead, refs: readonly string[], cx: CallContext, viewer: string): Promise<unknown[]> {
    const read = (chunk: readonly string[]) => (provider[name] as (r: readonly string[], c: CallContext) => Promise<unknown[]>).call(provider, chunk, cx);
    if (refs.length <= this.perViewer) return this.run(viewer, provider.key, refs.length, () => read(refs), cx.signal);
    const chunks: Array<readonly string[]> = [];
    for (let i = 0; i < refs.length; i += this.perViewer) chunks.push(refs.slice(i, i + this.perViewer));
    const found = await Promise.all(chunks.map((chunk) => this.run(viewer, provider.key, chunk.length, () => read(chunk), cx.signal)));
    return found.flat();
  }

  private wait(slots: Slots, weight: number, provider: ProviderKey, signal?: AbortSignal): Promise<void> {
    if (slots.waiting.length >= this.maxWaiting) {
      return Promise.reject(
        new GatewayError(ErrorCode.RATE_LIMITED, `Too many of your calls to ${provider.toUpperCase()} are waiting; retry shortly`, { provider, retryAfterSeconds: 1 }),
      );
    }
    if (signal?.aborted) return Promise.reject(deadlineError(provider));
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        weight,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = slots.waiting.indexOf(waiter);
        if (i >= 0) slots.waiting.splice(i, 1);
        // The head may have been the one blocking smaller waiters behind it.
        slots.release(0);
        reject(deadlineError(provider));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      slots.waiting.push(waiter);
    });
  }
}

function deadlineError(provider: ProviderKey): GatewayError {
  return new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, `Your earlier calls to ${provider.toUpperCase()} did not leave room before the deadline`, { provider });
}

/** The call context is the last argument of every read. */
function contextOf(args: unknown[]): Partial<CallContext> | undefined {
  const last = args[args.length - 1] as Partial<CallContext> | undefined;
  return last && typeof last === 'object' ? last : undefined;
}
