import { ErrorCode } from '../../../../src/core/errors.js';
import { MemoryStateStore } from '../../../../src/store/memory-store.js';
import { OperationStatus } from '../../../../src/core/writes.js';
import { engine, fakeProvider, scope } from '../../../support/fake-writes.js';
import { failure } from '../../../support/failure.js';

describe('exactly-once mutations', () => {
  it('replays a double submit without calling the provider again', async () => {
    const p = fakeProvider();
    const mutations = engine();
    const first = await mutations.execute(scope(), 'key-00000001', p.spec());
    const second = await mutations.execute(scope(), 'key-00000001', p.spec());
    expect(second).toEqual(first);
    expect(p.sent).toHaveLength(1);
    expect(p.moved).toHaveLength(1);
  });

  it('makes one upstream call for concurrent requests with one key', async () => {
    const p = fakeProvider();
    const mutations = engine();
    const results = await Promise.all(Array.from({ length: 10 }, () => mutations.execute(scope(), 'key-concurrent', p.spec())));
    expect(p.sent).toHaveLength(1);
    expect(new Set(results.map((r) => r.ref)).size).toBe(1);
  });

  it('refuses the same key with a different input as IDEMPOTENCY_CONFLICT', async () => {
    const p = fakeProvider();
    const store = new MemoryStateStore();
    const mutations = engine(store);
    await mutations.execute(scope(), 'key-00000002', p.spec('10.00'));
    expect(await failure(mutations.execute(scope(), 'key-00000002', p.spec('99.00')))).toMatchObject({ code: ErrorCode.IDEMPOTENCY_CONFLICT });
    expect(p.sent).toHaveLength(1);
    const trail = await store.audit.list({ limit: 100 });
    expect(trail.filter((e) => e.outcome !== 'ATTEMPTED').map((e) => e.outcome)).toEqual(['SUCCEEDED', 'DENIED']);
  });

  it('scopes keys per tenant', async () => {
    const p = fakeProvider();
    const mutations = engine();
    await mutations.execute(scope('a', 'acme'), 'key-shared-1', p.spec());
    await mutations.execute(scope('b', 'globex'), 'key-shared-1', p.spec('99.00'));
    expect(p.sent).toHaveLength(2);
    expect(p.sent[0]!.reference).not.toBe(p.sent[1]!.reference);
  });

  it('replays a definitive refusal as the same error', async () => {
    const p = fakeProvider();
    p.set('insufficient');
    const mutations = engine();
    expect(await failure(mutations.execute(scope(), 'key-00000003', p.spec()))).toMatchObject({ code: ErrorCode.INSUFFICIENT_FUNDS });
    p.set('ok');
    expect(await failure(mutations.execute(scope(), 'key-00000003', p.spec()))).toMatchObject({ code: ErrorCode.INSUFFICIENT_FUNDS });
    expect(p.sent).toHaveLength(1);
  });

  it('reconciles an uncertain outcome that did move money: found by reference, never sent again', async () => {
    const p = fakeProvider();
    p.set('unknown-after-moving');
    const mutations = engine();
    expect(await failure(mutations.execute(scope(), 'key-00000004', p.spec()))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN });
    p.set('ok');
    const reconciled = await mutations.execute(scope(), 'key-00000004', p.spec());
    expect(reconciled.status).toBe(OperationStatus.COMPLETED);
    expect(p.sent).toHaveLength(1);
    expect(p.moved).toHaveLength(1);
  });

  it('resends, with the next attempt, an uncertain write the provider certainly does not have', async () => {
    const p = fakeProvider();
    p.set('unknown-before-moving');
    const mutations = engine();
    await failure(mutations.execute(scope(), 'key-00000005', p.spec()));
    p.set('ok');
    await mutations.execute(scope(), 'key-00000005', p.spec());
    expect(p.sent.map((w) => w.attempt)).toEqual([0, 1]);
    expect(p.sent[0]!.reference).toBe(p.sent[1]!.reference);
    expect(p.sent[0]!.upstreamKey).toBe(p.sent[1]!.upstreamKey);
    expect(p.sent[0]!.attemptKey).not.toBe(p.sent[1]!.attemptKey);
    expect(p.moved).toHaveLength(1);
  });

  it('never resends an uncertain write the provider cannot look up', async () => {
    const p = fakeProvider();
    p.set('unknown-before-moving');
    const mutations = engine();
    const blind = { ...p.spec(), kind: null };
    await failure(mutations.execute(scope(), 'key-00000006', blind));
    p.set('ok');
    const again = await failure(mutations.execute(scope(), 'key-00000006', blind));
    expect(again).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN });
    expect(again.message).toContain('is not sent again');
    expect(p.sent).toHaveLength(1);
  });

  it('survives a restart between the upstream success and the client retry', async () => {
    const p = fakeProvider();
    const store = new MemoryStateStore();
    const first = await engine(store).execute(scope(), 'key-restart', p.spec());
    // A new engine (a restarted process) on the same store.
    const replayed = await engine(store).execute(scope(), 'key-restart', p.spec());
    expect(replayed).toEqual(first);
    expect(p.sent).toHaveLength(1);
  });

  it('rejects a malformed key before anything happens', async () => {
    const p = fakeProvider();
    const mutations = engine();
    expect(await failure(mutations.execute(scope(), 'short', p.spec()))).toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    expect(p.sent).toHaveLength(0);
  });
});
