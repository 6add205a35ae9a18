/**
 * The exactly-once engine under hostile conditions, at unit level: a provider that processes
 * a write after the gateway gave up on it, a store that refuses writes, several engines
 * (replicas) on one store, and a reference found twice upstream.
 */
import { Writable } from 'node:stream';
import { ErrorCode } from '../../../../src/core/errors.js';
import { createLogger } from '../../../../src/core/logger.js';
import { MemoryStateStore } from '../../../../src/store/memory-store.js';
import { engine, fakeProvider, scope } from '../../../support/fake-writes.js';
import { failure } from '../../../support/failure.js';
import { flakyStore } from '../../../support/flaky-store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A logger whose JSON lines the test can read. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('trace', sink), lines };
}

describe('never resending while an earlier attempt can still land', () => {
  it('answers a resubmit inside the settle window with a retryable OUTCOME_UNKNOWN after one look-up, sending nothing', async () => {
    const p = fakeProvider();
    p.set('lands-late');
    const store = new MemoryStateStore();
    const mutations = engine(store, 400);
    // The first answer says when a resubmit can learn the outcome: when the window closes (400 ms: 1 s).
    expect(await failure(mutations.execute(scope(), 'key-late-01', p.spec()))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, retryable: true, retryAfterSeconds: 1 });
    p.set('ok');
    const held = await failure(mutations.execute(scope(), 'key-late-01', p.spec()));
    expect(held).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, retryable: true });
    expect(held.retryAfterSeconds).toBeGreaterThan(0);
    expect(p.lookUps).toHaveLength(1);
    expect(p.sent).toHaveLength(1);
    expect(mutations.counters.heldInsideSettleWindow).toBe(1);

    p.land(); // the held write is processed, late
    const settled = await mutations.execute(scope(), 'key-late-01', p.spec());
    expect(settled.reference).toBe(p.sent[0]!.reference);
    expect(p.sent).toHaveLength(1);
    expect(p.moved).toHaveLength(1);
  });

  it('after the window, a look-up that finds nothing lets the next attempt go, recorded and audited as a resend where nothing refuses a copy', async () => {
    const p = fakeProvider();
    p.set('unknown-before-moving');
    const store = new MemoryStateStore();
    const mutations = engine(store, 50, 'none');
    await failure(mutations.execute(scope(), 'key-resend-1', p.spec()));
    p.set('ok');
    await sleep(80);
    await mutations.execute(scope(), 'key-resend-1', p.spec());
    expect(p.sent.map((w) => w.attempt)).toEqual([0, 1]);
    const record = (await store.records.get('acme', 'key-resend-1'))!;
    expect(record.status).toBe('SUCCEEDED');
    expect(record.attempts.map((a) => [a.number, a.resend])).toEqual([[0, false], [1, true]]);
    const trail = await store.audit.list({ idempotencyKey: 'key-resend-1', limit: 10 });
    expect(trail.map((e) => [e.outcome, e.attempt, e.resend])).toEqual([['ATTEMPTED', 0, undefined], ['OUTCOME_UNKNOWN', 0, undefined], ['ATTEMPTED', 1, true], ['SUCCEEDED', 1, undefined]]);
    expect(mutations.counters.resends).toBe(1);
    expect((await store.records.listUncertain({ limit: 10 })).map((r) => r.key)).toEqual(['key-resend-1']);
  });

  it('writes the attempt and its ATTEMPTED entry before the first byte is sent', async () => {
    const store = new MemoryStateStore();
    const p = fakeProvider();
    const seen: string[] = [];
    const spec = p.spec();
    const mutations = engine(store);
    await mutations.execute(scope(), 'key-ahead-01', {
      ...spec,
      async run(w) {
        const record = await store.records.get('acme', 'key-ahead-01');
        seen.push(`${record!.status}:${record!.attempts.map((a) => `${a.number}/${a.reference}`).join(',')}`);
        seen.push(...(await store.audit.list({ idempotencyKey: 'key-ahead-01', limit: 10 })).map((e) => e.outcome));
        return spec.run(w);
      },
    });
    expect(seen).toEqual([`IN_PROGRESS:0/${p.sent[0]!.reference}`, 'ATTEMPTED']);
  });
});

describe('storage failures never lie about money', () => {
  it('answers the provider success when the outcome cannot be recorded, flags the store, and later writes are unaffected', async () => {
    const store = flakyStore(new MemoryStateStore());
    const p = fakeProvider();
    const { log, lines } = capturedLog();
    const mutations = engine(store);
    store.fail('recordOutcome');
    const paid = await mutations.execute(scope('alice', 'acme', log), 'key-store-01', p.spec());
    expect(paid.status).toBe('COMPLETED');
    expect(lines.some((l) => l.event === 'store.write_failed' && l.operation === 'recordOutcome' && l.level === 50)).toBe(true);
    expect(mutations.health.snapshot()).toMatchObject({ healthy: false, failures: 1 });

    // The next write is not poisoned by the failed one.
    const next = await mutations.execute(scope(), 'key-store-02', p.spec('20.00'));
    expect(next.status).toBe('COMPLETED');
    expect(mutations.health.snapshot().healthy).toBe(true);
    expect((await store.records.get('acme', 'key-store-02'))!.status).toBe('SUCCEEDED');

    // The refused outcome is written in the background; a resubmit replays it, sending nothing.
    for (let i = 0; i < 40 && (await store.records.get('acme', 'key-store-01'))!.status !== 'SUCCEEDED'; i += 1) await sleep(50);
    expect((await store.records.get('acme', 'key-store-01'))!.status).toBe('SUCCEEDED');
    expect(await mutations.execute(scope(), 'key-store-01', p.spec())).toEqual(paid);
    expect(p.sent).toHaveLength(2);
  });

  it('keeps answering success when the replay audit cannot be written', async () => {
    const store = flakyStore(new MemoryStateStore());
    const p = fakeProvider();
    const mutations = engine(store);
    const first = await mutations.execute(scope(), 'key-store-03', p.spec());
    store.fail('audit.record');
    expect(await mutations.execute(scope(), 'key-store-03', p.spec())).toEqual(first);
    expect(mutations.health.snapshot().failures).toBe(1);
  });

  it('sends nothing when the write-ahead fails, and says the client may retry', async () => {
    const store = flakyStore(new MemoryStateStore());
    const p = fakeProvider();
    const mutations = engine(store);
    store.fail('recordAttempt');
    const refused = await failure(mutations.execute(scope(), 'key-store-04', p.spec()));
    expect(refused).toMatchObject({ code: ErrorCode.INTERNAL_SERVER_ERROR, retryable: true });
    expect(refused.message).toContain('nothing was sent');
    expect(p.sent).toHaveLength(0);
    // The claim stays, with no attempt: the retry (after the claimant's deadline) sends once.
    const retried = await failure(mutations.execute(scope(), 'key-store-04', p.spec()));
    expect(retried).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, retryable: true });
    expect(p.sent).toHaveLength(0);
  });

  it('never overwrites a SUCCEEDED record with a lesser status', async () => {
    const store = new MemoryStateStore();
    const p = fakeProvider();
    const mutations = engine(store);
    await mutations.execute(scope(), 'key-store-05', p.spec());
    await store.records.recordOutcome('acme', 'key-store-05', { status: 'OUTCOME_UNKNOWN' }, { at: new Date().toISOString(), requestId: 'r', tenant: 'acme', subject: 'a', action: 'mutation.topUpCard', target: 't', provider: 'utgl', outcome: 'OUTCOME_UNKNOWN' });
    expect((await store.records.get('acme', 'key-store-05'))!.status).toBe('SUCCEEDED');
  });
});

describe('several replicas on one store', () => {
  it('sends once for concurrent duplicates spread over three engines, and answers them all alike', async () => {
    const store = new MemoryStateStore();
    const p = fakeProvider({ runMs: 60 });
    const replicas = [engine(store), engine(store), engine(store)];
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => replicas[i % 3]!.execute(scope(), 'key-fleet-01', p.spec())));
    expect(p.sent).toHaveLength(1);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });

  it('answers a retryable OUTCOME_UNKNOWN when the owner does not finish within the duplicate’s deadline', async () => {
    const store = new MemoryStateStore();
    const p = fakeProvider({ runMs: 900 });
    const owner = engine(store, 5_000, 'unique-reference', 2_000);
    const other = engine(store, 5_000, 'unique-reference', 500);
    const first = owner.execute(scope(), 'key-fleet-02', p.spec());
    await sleep(20);
    const waited = await failure(other.execute(scope(), 'key-fleet-02', p.spec()));
    expect(waited).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, retryable: true });
    await first;
    expect(p.sent).toHaveLength(1);
    expect(p.lookUps).toHaveLength(0);
  });
});

describe('duplicates upstream', () => {
  it('raises reconcile.duplicate_detected, counts it and marks the record when a look-up finds a reference twice', async () => {
    const store = new MemoryStateStore();
    const p = fakeProvider();
    const { log, lines } = capturedLog();
    const mutations = engine(store);
    p.set('unknown-after-moving');
    await failure(mutations.execute(scope(), 'key-dup-0001', p.spec()));
    p.moved.push(p.moved[0]!); // a second copy of the same write upstream
    p.set('ok');
    const found = await mutations.execute(scope('alice', 'acme', log), 'key-dup-0001', p.spec());
    expect(found).not.toHaveProperty('copies');
    expect(mutations.counters.duplicatesDetected).toBe(1);
    expect(lines.some((l) => l.event === 'reconcile.duplicate_detected' && l.level === 50 && l.copies === 2)).toBe(true);
    expect((await store.records.get('acme', 'key-dup-0001'))!.duplicateDetected).toBe(true);
    expect((await store.audit.list({ idempotencyKey: 'key-dup-0001', limit: 10 })).map((e) => e.outcome)).toContain('DUPLICATE_DETECTED');
  });
});
