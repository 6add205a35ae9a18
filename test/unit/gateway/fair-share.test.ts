/**
 * Each viewer's fair share of a provider's concurrency, on a fake provider whose calls stay
 * in flight until the test lets them finish: what is in flight is counted, not timed.
 */
import { createCallContext, type CallContext } from '../../../src/core/call-context.js';
import { createLogger } from '../../../src/core/logger.js';
import { FairShare } from '../../../src/gateway/fair-share.js';
import { ProviderRegistry } from '../../../src/gateway/registry.js';
import type { CardProvider } from '../../../src/providers/provider.js';

interface Pending {
  method: string;
  viewerCx: CallContext;
  refs?: readonly string[];
  finish(): void;
}

/** A provider whose reads and writes wait for `finish()`; it records what is in flight. */
function fakeProvider() {
  const pending: Pending[] = [];
  let inFlight = 0;
  let peak = 0;
  const call = <T>(method: string, cx: CallContext, answer: () => T, refs?: readonly string[]): Promise<T> =>
    new Promise<T>((resolve) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      pending.push({
        method,
        viewerCx: cx,
        refs,
        finish: () => {
          inFlight -= 1;
          resolve(answer());
        },
      });
    });
  const provider = {
    key: 'baas',
    capabilities: new Set(),
    undatedLists: new Set(),
    getCards: (refs: readonly string[], cx: CallContext) => call('getCards', cx, () => refs.map((ref) => ({ ref })), refs),
    listCards: (_filter: unknown, _page: unknown, cx: CallContext) => call('listCards', cx, () => ({ items: [], hasMore: false })),
    changeCardState: (_ref: string, _action: string, _reason: null, cx: CallContext) => call('changeCardState', cx, () => ({})),
    health: () => ({ circuit: 'closed' }),
  } as unknown as CardProvider;
  return {
    provider,
    pending,
    get inFlight() {
      return inFlight;
    },
    get peak() {
      return peak;
    },
    /** Finishes the oldest call in flight. */
    finishOne() {
      pending.shift()!.finish();
    },
  };
}

const silent = createLogger('silent');
const cx = (signal?: AbortSignal) => createCallContext('fair-share-test', silent, signal);
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('each viewer’s fair share of a provider', () => {
  it("holds one viewer to its share of a provider's calls in flight while another viewer's calls go straight through", async () => {
    const fake = fakeProvider();
    const share = new FairShare({ perViewer: 3 });
    const alice = share.provider(fake.provider, 'acme:alice');
    const bob = share.provider(fake.provider, 'acme:bob');
    const aliceCalls = Array.from({ length: 10 }, () => alice.listCards({}, { limit: 1 }, cx()));
    await settle();
    expect(fake.inFlight).toBe(3);
    expect(share.stats('acme:alice', 'baas')).toEqual({ inFlight: 3, waiting: 7 });
    const bobCall = bob.listCards({}, { limit: 1 }, cx());
    await settle();
    // Bob did not queue behind Alice's seven waiting calls.
    expect(fake.inFlight).toBe(4);
    expect(fake.pending.at(-1)!.method).toBe('listCards');
    fake.pending.splice(fake.pending.length - 1, 1)[0]!.finish();
    await bobCall;
    // Alice's calls go on as her own slots free, never more than three at once.
    while (fake.pending.length > 0) {
      fake.finishOne();
      await settle();
      expect(fake.inFlight).toBeLessThanOrEqual(3);
    }
    await Promise.all(aliceCalls);
    expect(share.stats('acme:alice', 'baas')).toEqual({ inFlight: 0, waiting: 0 });
  });

  it('counts a by-id read as one call per ref and cuts it into chunks of at most the share, answering in order', async () => {
    const fake = fakeProvider();
    const share = new FairShare({ perViewer: 4 });
    const alice = share.provider(fake.provider, 'acme:alice');
    const refs = Array.from({ length: 10 }, (_, i) => `card_${i}`);
    const found = alice.getCards(refs, cx());
    await settle();
    // First chunk (4 refs) holds all four slots; the others wait for them.
    expect(fake.pending.map((p) => p.refs)).toEqual([refs.slice(0, 4)]);
    fake.finishOne();
    await settle();
    expect(fake.pending.map((p) => p.refs)).toEqual([refs.slice(4, 8)]);
    fake.finishOne();
    await settle();
    expect(fake.pending.map((p) => p.refs)).toEqual([refs.slice(8)]);
    fake.finishOne();
    expect(await found).toEqual(refs.map((ref) => ({ ref })));
  });

  it('sends a by-id read within the share as one call', async () => {
    const fake = fakeProvider();
    const alice = new FairShare({ perViewer: 32 }).provider(fake.provider, 'acme:alice');
    const refs = Array.from({ length: 21 }, (_, i) => `card_${i}`);
    const found = alice.getCards(refs, cx());
    await settle();
    expect(fake.pending).toHaveLength(1);
    fake.finishOne();
    expect(await found).toHaveLength(21);
  });

  it("refuses a call still waiting for the viewer's slots when the request's deadline passes", async () => {
    const fake = fakeProvider();
    const share = new FairShare({ perViewer: 1 });
    const alice = share.provider(fake.provider, 'acme:alice');
    const first = alice.listCards({}, { limit: 1 }, cx());
    const deadline = new AbortController();
    const second = alice.listCards({}, { limit: 1 }, cx(deadline.signal));
    await settle();
    deadline.abort();
    await expect(second).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT', provider: 'baas' });
    expect(share.stats('acme:alice', 'baas')).toEqual({ inFlight: 1, waiting: 0 });
    fake.finishOne();
    await first;
  });

  it("answers RATE_LIMITED once too many of one viewer's calls are waiting", async () => {
    const fake = fakeProvider();
    const alice = new FairShare({ perViewer: 1, maxWaiting: 2 }).provider(fake.provider, 'acme:alice');
    const calls = Array.from({ length: 3 }, () => alice.listCards({}, { limit: 1 }, cx()));
    await expect(alice.listCards({}, { limit: 1 }, cx())).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    for (let i = 0; i < 3; i += 1) {
      await settle();
      fake.finishOne();
    }
    await Promise.all(calls);
  });

  it('lets writes through without waiting for the viewer’s read slots', async () => {
    const fake = fakeProvider();
    const alice = new FairShare({ perViewer: 1 }).provider(fake.provider, 'acme:alice');
    const read = alice.listCards({}, { limit: 1 }, cx());
    const write = alice.changeCardState('card_1', 'FREEZE' as never, null, cx());
    await settle();
    expect(fake.pending.map((p) => p.method)).toEqual(['listCards', 'changeCardState']);
    fake.finishOne();
    fake.finishOne();
    await Promise.all([read, write]);
  });

  it("holds each read of one shared view to the share of the viewer its call context names", async () => {
    const fake = fakeProvider();
    const registry = new ProviderRegistry();
    registry.register(fake.provider, false);
    const share = new FairShare({ perViewer: 2 });
    const shared = share.view(registry).get('baas');
    const as = (viewerKey: string) => createCallContext('fair-share-test', silent, undefined, undefined, viewerKey);
    const aliceCalls = Array.from({ length: 5 }, () => shared.listCards({}, { limit: 1 }, as('acme:alice')));
    const aliceLookup = shared.getCards(['card_1', 'card_2'], as('acme:alice'));
    await settle();
    expect(share.stats('acme:alice', 'baas')).toEqual({ inFlight: 2, waiting: 4 });
    const bobLookup = shared.getCards(['card_3'], as('acme:bob'));
    await settle();
    // Bob's read went through the same view without waiting behind Alice's.
    expect(share.stats('acme:bob', 'baas')).toEqual({ inFlight: 1, waiting: 0 });
    expect(fake.inFlight).toBe(3);
    fake.pending.splice(fake.pending.length - 1, 1)[0]!.finish();
    expect(await bobLookup).toEqual([{ ref: 'card_3' }]);
    // Reads for no viewer (the gateway's own) share one set of slots, apart from every viewer's.
    const own = shared.listCards({}, { limit: 1 }, cx());
    await settle();
    expect(share.stats('', 'baas')).toEqual({ inFlight: 1, waiting: 0 });
    while (fake.pending.length > 0) {
      fake.finishOne();
      await settle();
      expect(share.stats('acme:alice', 'baas').inFlight).toBeLessThanOrEqual(2);
    }
    await Promise.all([...aliceCalls, aliceLookup, own]);
    expect(share.stats('acme:alice', 'baas')).toEqual({ inFlight: 0, waiting: 0 });
  });

  it("wraps every provider of a registry, keeping keys, capabilities and health", () => {
    const fake = fakeProvider();
    const registry = new ProviderRegistry();
    registry.register(fake.provider, true);
    const view = new FairShare({ perViewer: 2 }).view(registry, 'acme:alice');
    expect(view.list().map((e) => [e.provider.key, e.sandbox])).toEqual([['baas', true]]);
    expect(view.get('baas').health()).toEqual({ circuit: 'closed' });
    expect(view.get('baas')).not.toBe(fake.provider);
  });
});
