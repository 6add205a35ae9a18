/**
 * The reconciliation sweep (and `npm run reconcile`): uncertain records settled by a look-up,
 * a reference found twice upstream raised once, and nothing ever sent.
 */
import { createLogger } from '../../../../src/core/logger.js';
import { ProviderRegistry } from '../../../../src/gateway/registry.js';
import { Reconciler, uncertainty } from '../../../../src/gateway/writes/reconciler.js';
import { MemoryStateStore } from '../../../../src/store/memory-store.js';
import { engine, fakeProvider, scope } from '../../../support/fake-writes.js';
import { failure } from '../../../support/failure.js';

function setup(windowMs = 0, duplicates: 'none' | 'unique-reference' = 'unique-reference') {
  const store = new MemoryStateStore();
  const p = fakeProvider();
  const registry = new ProviderRegistry();
  registry.register(p.spec().provider, false);
  const mutations = engine(store, windowMs, duplicates);
  const reconciler = new Reconciler({ store, registry, mutations, requestDeadlineMs: 2_000, log: createLogger('silent') });
  return { store, p, mutations, reconciler };
}

describe('the reconciliation sweep', () => {
  it('settles an OUTCOME_UNKNOWN write the provider has, audited as RECONCILED, without sending', async () => {
    const { store, p, mutations, reconciler } = setup(60_000);
    p.set('unknown-after-moving');
    await failure(mutations.execute(scope(), 'key-sweep-01', p.spec()));
    const [report] = await reconciler.sweep();
    expect(report).toMatchObject({ key: 'key-sweep-01', status: 'OUTCOME_UNKNOWN', result: 'reconciled', duplicate: false });
    expect((await store.records.get('acme', 'key-sweep-01'))!.status).toBe('SUCCEEDED');
    const trail = await store.audit.list({ idempotencyKey: 'key-sweep-01', limit: 10 });
    expect(trail.at(-1)).toMatchObject({ outcome: 'RECONCILED', subject: 'cardplane:reconciler', target: 'card-id' });
    expect(p.sent).toHaveLength(1);
    // The client's resubmit now replays.
    expect((await mutations.execute(scope(), 'key-sweep-01', p.spec())).reference).toBe(p.sent[0]!.reference);
    expect(p.sent).toHaveLength(1);
  });

  it('leaves a write the provider does not have for a resubmit to send, and sends nothing itself', async () => {
    const { store, p, mutations, reconciler } = setup(60_000);
    p.set('unknown-before-moving');
    await failure(mutations.execute(scope(), 'key-sweep-02', p.spec()));
    expect((await reconciler.sweep()).map((r) => r.result)).toEqual(['not-found']);
    expect((await store.records.get('acme', 'key-sweep-02'))!.status).toBe('OUTCOME_UNKNOWN');
    expect(p.sent).toHaveLength(1);
  });

  it('detects a resent write that landed twice, once, with an error event and the counter', async () => {
    const { store, p, mutations, reconciler } = setup(0, 'none');
    p.set('unknown-before-moving');
    await failure(mutations.execute(scope(), 'key-sweep-03', p.spec()));
    p.set('ok');
    await mutations.execute(scope(), 'key-sweep-03', p.spec()); // resent after the window
    p.moved.push(p.moved[0]!); // …and the first attempt was processed after all
    const record = (await store.records.get('acme', 'key-sweep-03'))!;
    expect(uncertainty(record, 0)).toEqual(['RESENT']);
    expect((await reconciler.sweep()).map((r) => [r.result, r.duplicate])).toEqual([['confirmed', true]]);
    expect(mutations.counters.duplicatesDetected).toBe(1);
    expect(uncertainty((await store.records.get('acme', 'key-sweep-03'))!, 0)).toEqual(['RESENT', 'DUPLICATED UPSTREAM']);
    await reconciler.sweep();
    expect(mutations.counters.duplicatesDetected).toBe(1);
  });
});
