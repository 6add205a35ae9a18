/**
 * Per-request DataLoaders: every object read by id goes through one, so a query asking for
 * the same cardholder fifty times, or fifty cards of one provider, makes one batched call per
 * provider (a provider's `get*` receives all the refs of one tick at once). Each is made on
 * first use: most requests read one or two kinds of object, and every request in flight would
 * otherwise hold six loaders with their caches and closures (issue 14).
 */
import DataLoader from 'dataloader';
import type { CallContext } from '../core/call-context.js';
import type { Money } from '../core/money.js';
import type { Card, Cardholder, Transaction, Wallet } from '../core/model.js';
import type { ProviderKey } from '../core/provider-key.js';
import type { ProviderRegistry } from './registry.js';
import type { CardProvider } from '../providers/provider.js';
import type { Found } from '../core/page.js';
import { GatewayError } from '../core/errors.js';
import type { Operation } from '../core/writes.js';
import type { LiveTopic } from '../store/event-bus.js';

/**
 * Who learns what the loaders read (the live updates, gateway/live/live-updates.ts): a read
 * that sees a watched card, wallet, balance or operation change publishes it to subscribers.
 */
export interface ReadObserver {
  observe(topic: LiveTopic, object: { provider: ProviderKey; ref: string }): void;
  observeBalance(provider: ProviderKey, ref: string, balance: Money): void;
}

export interface ObjectKey {
  provider: ProviderKey;
  ref: string;
}

type Fetch<T> = (provider: CardProvider, refs: readonly string[], cx: CallContext) => Promise<Found<T>>;

function loader<T>(registry: ProviderRegistry, cx: CallContext, fetch: Fetch<T>, seen?: (key: ObjectKey, found: T) => void): DataLoader<ObjectKey, T | null, string> {
  return new DataLoader<ObjectKey, T | null, string>(
    async (keys) => {
      const byProvider = new Map<ProviderKey, number[]>();
      keys.forEach((key, i) => {
        const positions = byProvider.get(key.provider) ?? [];
        positions.push(i);
        byProvider.set(key.provider, positions);
      });
      const results: Array<T | null | Error> = new Array(keys.length).fill(null);
      await Promise.all(
        [...byProvider].map(async ([provider, positions]) => {
          try {
            const found = await fetch(registry.get(provider), positions.map((i) => keys[i]!.ref), cx);
            positions.forEach((keyIndex, j) => (results[keyIndex] = asked(keys[keyIndex]!.ref, found[j] ?? null)));
            if (seen) {
              for (const keyIndex of positions) {
                const value = results[keyIndex];
                if (value && !(value instanceof Error)) seen(keys[keyIndex]!, value);
              }
            }
          } catch (error) {
            // One provider failing fails only its own keys.
            positions.forEach((keyIndex) => (results[keyIndex] = error as Error));
          }
        }),
      );
      return results;
    },
    { cacheKeyFn: (key) => `${key.provider}\u0000${key.ref}`, maxBatchSize: 100 },
  );
}

/**
 * An object answered for another ref than the one asked is no answer. A composite ref names its
 * owner (corporate's `<external_user_id>/<card_id>`): when the provider's answer names another
 * owner — the card exists but is someone else's — its mapped ref differs from the one asked, and
 * the id is NOT_FOUND rather than another owner's object under a forged id. (A provider whose
 * answer does not carry the owner checks it itself: ledger's `ownedWallet`.)
 */
function asked<T>(ref: string, found: T | Error | null): T | Error | null {
  if (found === null || found instanceof Error || typeof found !== 'object' || !('ref' in found)) return found;
  return found.ref === ref ? found : null;
}

/** A typed failure answered for its own key; anything else still fails the batch. */
function ownError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  throw error;
}

/** The request's loaders, one per kind of object, each made when first asked for. */
export class Loaders {
  private cardholders?: DataLoader<ObjectKey, Cardholder | null, string>;
  private cards?: DataLoader<ObjectKey, Card | null, string>;
  private wallets?: DataLoader<ObjectKey, Wallet | null, string>;
  private walletBalances?: DataLoader<ObjectKey, Money | null, string>;
  private transactions?: DataLoader<ObjectKey, Transaction | null, string>;
  private operations?: DataLoader<ObjectKey, Operation | null, string>;

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly cx: CallContext,
    private readonly observer?: ReadObserver,
  ) {}

  private seen(topic: LiveTopic) {
    const observer = this.observer;
    return observer ? (_key: ObjectKey, found: { provider: ProviderKey; ref: string }) => observer.observe(topic, found) : undefined;
  }

  get cardholder() {
    return (this.cardholders ??= loader(this.registry, this.cx, (p, refs, c) => p.getCardholders(refs, c)));
  }

  get card() {
    return (this.cards ??= loader(this.registry, this.cx, (p, refs, c) => p.getCards(refs, c), this.seen('card')));
  }

  get wallet() {
    return (this.wallets ??= loader(this.registry, this.cx, (p, refs, c) => p.getWallets(refs, c), this.seen('wallet')));
  }

  get walletBalance() {
    return (this.walletBalances ??= loader(this.registry, this.cx, (p, refs, c) => p.getWalletBalances(refs, c), this.observer ? (key, balance) => this.observer!.observeBalance(key.provider, key.ref, balance) : undefined));
  }

  get transaction() {
    return (this.transactions ??= loader(this.registry, this.cx, (p, refs, c) => p.getTransactions(refs, c)));
  }

  get operation() {
    // Operations are looked up one by one: one refused look-up (pushpull's per-request cap) fails its own id only.
    return (this.operations ??= loader(this.registry, this.cx, (p, refs, c) => Promise.all(refs.map((ref) => p.getOperation(ref, c).catch(ownError))), this.seen('operation')));
  }
}

export function createLoaders(registry: ProviderRegistry, cx: CallContext, observer?: ReadObserver): Loaders {
  return new Loaders(registry, cx, observer);
}
