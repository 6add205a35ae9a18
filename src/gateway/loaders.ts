/**
 * Per-request DataLoaders: every object read by id goes through one, so a query asking for
 * the same cardholder fifty times, or fifty cards of one provider, makes one batched call per
 * provider (a provider's `get*` receives all the refs of one tick at once).
 */
import DataLoader from 'dataloader';
import type { CallContext } from '../core/call-context.js';
import type { Money } from '../core/money.js';
import type { Card, Cardholder, Transaction, Wallet } from '../core/model.js';
import type { ProviderKey } from '../core/provider-key.js';
import type { ProviderRegistry } from './registry.js';
import type { CardProvider } from '../providers/provider.js';
import type { Found } from '../core/page.js';
import type { Operation } from '../core/writes.js';

export interface ObjectKey {
  provider: ProviderKey;
  ref: string;
}

type Fetch<T> = (provider: CardProvider, refs: readonly string[], cx: CallContext) => Promise<Found<T>>;

function loader<T>(registry: ProviderRegistry, cx: CallContext, fetch: Fetch<T>): DataLoader<ObjectKey, T | null, string> {
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
            positions.forEach((keyIndex, j) => (results[keyIndex] = found[j] ?? null));
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

export function createLoaders(registry: ProviderRegistry, cx: CallContext) {
  return {
    cardholder: loader<Cardholder>(registry, cx, (p, refs, c) => p.getCardholders(refs, c)),
    card: loader<Card>(registry, cx, (p, refs, c) => p.getCards(refs, c)),
    wallet: loader<Wallet>(registry, cx, (p, refs, c) => p.getWallets(refs, c)),
    walletBalance: loader<Money>(registry, cx, (p, refs, c) => p.getWalletBalances(refs, c)),
    transaction: loader<Transaction>(registry, cx, (p, refs, c) => p.getTransactions(refs, c)),
    operation: loader<Operation>(registry, cx, (p, refs, c) => Promise.all(refs.map((ref) => p.getOperation(ref, c)))),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
