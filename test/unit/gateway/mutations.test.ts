import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryAuditLog } from '../../../src/gateway/audit.js';
import { createCallContext } from '../../../src/core/call-context.js';
import { ErrorCode, GatewayError } from '../../../src/core/errors.js';
import { FileIdempotencyStore, MemoryIdempotencyStore } from '../../../src/gateway/writes/idempotency-store.js';
import { Mutations, type MutationSpec } from '../../../src/gateway/writes/mutations.js';
import { createLogger } from '../../../src/core/logger.js';
import { Scope } from '../../../src/core/viewer.js';
import { OperationKind, OperationStatus, type Operation, type WriteRequest } from '../../../src/core/writes.js';
import type { CardProvider } from '../../../src/providers/provider.js';

/** A provider double that records every write it receives: what reached "upstream". */
function fakeProvider() {
  const sent: WriteRequest[] = [];
  const moved: string[] = [];
  let behaviour: 'ok' | 'unknown-after-moving' | 'unknown-before-moving' | 'insufficient' = 'ok';
  const operation = (reference: string): Operation => ({
    provider: 'utgl', ref: `tr_${reference}`, kind: OperationKind.TOP_UP, status: OperationStatus.COMPLETED, providerStatus: 'completed',
    reference, amount: { amount: '10.00', currency: 'USD' }, cardRef: 'card_1', failureReason: null, createdAt: new Date(0),
  });
  const provider = {
    key: 'utgl',
    async findOperation(_kind: OperationKind, reference: string) {
      return moved.includes(reference) ? operation(reference) : null;
    },
  } as unknown as CardProvider;
  const spec = (amount = '10.00'): MutationSpec<Operation> => ({
    name: 'topUpCard',
    provider,
    input: { cardRef: 'card_1', amount },
    target: 'card-id',
    kind: OperationKind.TOP_UP,
    async run(w) {
      sent.push(w);
      await new Promise((r) => setTimeout(r, 5));
      if (behaviour === 'insufficient') throw new GatewayError(ErrorCode.INSUFFICIENT_FUNDS, 'no money', { provider: 'utgl' });
      if (behaviour === 'unknown-before-moving') throw new GatewayError(ErrorCode.OUTCOME_UNKNOWN, '503 on a write', { provider: 'utgl' });
      moved.push(w.reference);
      if (behaviour === 'unknown-after-moving') throw new GatewayError(ErrorCode.OUTCOME_UNKNOWN, 'no answer', { provider: 'utgl' });
      return operation(w.reference);
    },
    fromOperation: (op) => op,
    serialize: (op) => op,
    deserialize: (raw) => ({ ...(raw as Operation), createdAt: new Date((raw as { createdAt: string }).createdAt) }),
  });
  return { sent, moved, spec, set: (b: typeof behaviour) => (behaviour = b) };
}

const scope = (subject = 'alice', tenant = 'acme') => ({
  viewer: { subject, tenant, scopes: new Set([Scope.FUNDS_WRITE]) },
  requestId: 'req',
  cx: createCallContext('req', createLogger('silent')),
});

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected a failure');
}

describe('exactly-once mutations', () => {
  it('replays a double submit without calling the provider again', async () => {
    const p = fakeProvider();
    const mutations = new Mutations(new MemoryIdempotencyStore(), new MemoryAuditLog());
    const first = await mutations.execute(scope(), 'key-00000001', p.spec());
    const second = await mutations.execute(scope(), 'key-00000001', p.spec());
    expect(second).toEqual(first);
    expect(p.sent).toHaveLength(1);
    expect(p.moved).toHaveLength(1);
  });

  it('makes one upstream call for concurrent requests with one key', async () => {
    const p = fakeProvider();
    const mutations = new Mutations(new MemoryIdempotencyStore(), new MemoryAuditLog());
    const results = await Promise.all(Array.from({ length: 10 }, () => mutations.execute(scope(), 'key-concurrent', p.spec())));
    expect(p.sent).toHaveLength(1);
    expect(new Set(results.map((r) => r.ref)).size).toBe(1);
  });

  it('refuses the same key with a different input as IDEMPOTENCY_CONFLICT', async () => {
    const p = fakeProvider();
    const audit = new MemoryAuditLog();
    const mutations = new Mutations(new MemoryIdempotencyStore(), audit);
    await mutations.execute(scope(), 'key-00000002', p.spec('10.00'));
    expect(await failure(mutations.execute(scope(), 'key-00000002', p.spec('99.00')))).toMatchObject({ code: ErrorCode.IDEMPOTENCY_CONFLICT });
    expect(p.sent).toHaveLength(1);
    expect(audit.entries.map((e) => e.outcome)).toEqual(['SUCCEEDED', 'DENIED']);
  });

  it('scopes keys per tenant', async () => {
    const p = fakeProvider();
    const mutations = new Mutations(new MemoryIdempotencyStore(), new MemoryAuditLog());
    await mutations.execute(scope('a', 'acme'), 'key-shared-1', p.spec());
    await mutations.execute(scope('b', 'globex'), 'key-shared-1', p.spec('99.00'));
    expect(p.sent).toHaveLength(2);
    expect(p.sent[0]!.reference).not.toBe(p.sent[1]!.reference);
  });

  it('replays a definitive refusal as the same error', async () => {
    const p = fakeProvider();
    p.set('insufficient');
    const mutations = new Mutations(new MemoryIdempotencyStore(), new MemoryAuditLog());
    expect(await failure(mutations.execute(scope(), 'key-00000003', p.spec()))).toMatchObject({ code: ErrorCode.INSUFFICIENT_FUNDS });
    p.set('ok');
    expect(await failure(mutations.execute(scope(), 'key-00000003', p.spec()))).toMatchObject({ code: ErrorCode.INSUFFICIENT_FUNDS });
    expect(p.sent).toHaveLength(1);
  });

  it('reconciles an uncertain outcome that did move money: found by reference, never sent again', async () => {
    const p = fakeProvider();
    p.set('unknown-after-moving');
    const mutations = new Mutations(new MemoryIdempotencyStore(), new MemoryAuditLog());
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
    const mutations = new Mutations(new MemoryIdempotencyStore(), new MemoryAuditLog());
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
    const mutations = new Mutations(new MemoryIdempotencyStore(), new MemoryAuditLog());
    const blind = { ...p.spec(), kind: null };
    await failure(mutations.execute(scope(), 'key-00000006', blind));
    p.set('ok');
    const again = await failure(mutations.execute(scope(), 'key-00000006', blind));
    expect(again).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN });
    expect(again.message).toContain('is not sent again');
    expect(p.sent).toHaveLength(1);
  });

  it('survives a restart between the upstream success and the client retry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cardplane-idem-'));
    try {
      const p = fakeProvider();
      const before = new FileIdempotencyStore(join(dir, 'idempotency.jsonl'));
      const first = await new Mutations(before, new MemoryAuditLog()).execute(scope(), 'key-restart', p.spec());
      before.close();
      const after = new FileIdempotencyStore(join(dir, 'idempotency.jsonl'));
      const replayed = await new Mutations(after, new MemoryAuditLog()).execute(scope(), 'key-restart', p.spec());
      after.close();
      expect(replayed).toEqual(first);
      expect(p.sent).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a malformed key before anything happens', async () => {
    const p = fakeProvider();
    const mutations = new Mutations(new MemoryIdempotencyStore(), new MemoryAuditLog());
    expect(await failure(mutations.execute(scope(), 'short', p.spec()))).toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    expect(p.sent).toHaveLength(0);
  });
});
