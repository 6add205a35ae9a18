import { createCallContext } from '../../../src/core/call-context.js';
import { createLogger } from '../../../src/core/logger.js';
import { createLoaders } from '../../../src/gateway/loaders.js';
import { ProviderRegistry } from '../../../src/gateway/registry.js';
import type { CardProvider } from '../../../src/providers/provider.js';

describe('per-request loaders', () => {
  function setup() {
    const calls: string[][] = [];
    const provider = {
      key: 'utgl',
      getCards: async (refs: readonly string[]) => {
        calls.push([...refs]);
        return refs.map((ref) => ({ ref, provider: 'utgl' }));
      },
    } as unknown as CardProvider;
    const registry = new ProviderRegistry();
    registry.register(provider, false);
    return { calls, loaders: createLoaders(registry, createCallContext('req-1', createLogger('silent'))) };
  }

  it('is one loader per kind of object for the whole request, made when first asked for', async () => {
    const { calls, loaders } = setup();
    expect(loaders.card).toBe(loaders.card);
    const [a, b] = await Promise.all([loaders.card.load({ provider: 'utgl', ref: 'c1' }), loaders.card.load({ provider: 'utgl', ref: 'c2' })]);
    expect([a, b]).toEqual([expect.objectContaining({ ref: 'c1' }), expect.objectContaining({ ref: 'c2' })]);
    // Both reads of the tick went in one batched call; a third read of c1 is served from the request's cache.
    await loaders.card.load({ provider: 'utgl', ref: 'c1' });
    expect(calls).toEqual([['c1', 'c2']]);
  });

  it('keeps each kind apart', () => {
    const { loaders } = setup();
    expect(new Set([loaders.card, loaders.cardholder, loaders.wallet, loaders.walletBalance, loaders.transaction, loaders.operation]).size).toBe(6);
  });
});
