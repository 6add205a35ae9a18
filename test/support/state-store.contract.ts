/**
 * The one contract every StateStore engine keeps (src/store/state-store.ts), as a suite each
 * engine's test file runs against itself: memory, SQLite and PostgreSQL. An engine that can
 * open a second handle on the same state (another connection, another pool: another replica)
 * offers `openPeer`, and the concurrency cases then race the two handles against each other.
 */
import { ErrorCode } from '../../src/core/errors.js';
import type { AuditEntry, IdempotencyRecord, RevealGrant, StateStore } from '../../src/store/state-store.js';

/** A clock the test moves by hand (record times, lease expiry). */
export class TestClock {
  constructor(private current = new Date('2026-03-01T12:00:00.000Z')) {}
  readonly now = () => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface StoreUnderTest {
  /** A store on fresh, empty state. */
  open(clock: TestClock): Promise<StateStore>;
  /** Another handle on the state the last `open` created (another connection or pool). */
  openPeer?(clock: TestClock): Promise<StateStore>;
}

const HOUR = 3_600_000;

export function claimOf(key: string, overrides: Partial<IdempotencyRecord> = {}): Omit<IdempotencyRecord, 'attempts' | 'status'> {
  return {
    tenant: 'acme',
    key,
    subject: 'alice',
    mutation: 'topUpCard',
    fingerprint: 'fp-1',
    provider: 'baas',
    createdAt: '2026-03-01T12:00:00.000Z',
    updatedAt: '2026-03-01T12:00:00.000Z',
    ...overrides,
  };
}

export function auditOf(key: string, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: '2026-03-01T12:00:00.000Z',
    requestId: 'req-1',
    tenant: 'acme',
    subject: 'alice',
    action: 'mutation.topUpCard',
    target: 'Y2FyZA',
    provider: 'baas',
    outcome: 'ATTEMPTED',
    idempotencyKey: key,
    attempt: 0,
    ...overrides,
  };
}

const attemptOf = (number: number, overrides: Partial<IdempotencyRecord['attempts'][number]> = {}) => ({
  number,
  reference: `ref-${number}`,
  sentAt: '2026-03-01T12:00:00.000Z',
  resend: false,
  ...overrides,
});

const grantOf = (overrides: Partial<RevealGrant> = {}): RevealGrant => ({
  tenant: 'acme',
  subject: 'alice',
  provider: 'utgl',
  ref: 'card-1',
  cardId: 'dXRnbDpDYXJkOmNhcmQtMQ',
  expiresAt: Date.parse('2026-03-01T12:02:00.000Z'),
  ...overrides,
});

export function describeStateStoreContract(engine: string, subject: StoreUnderTest): void {
  describe(`the ${engine} state store keeps the StateStore contract`, () => {
    let clock: TestClock;
    let store: StateStore;
    const opened: StateStore[] = [];
    /** The second handle when the engine has one, else the same store (concurrency in one handle). */
    const peer = async () => {
      if (!subject.openPeer) return store;
      const other = await subject.openPeer(clock);
      opened.push(other);
      return other;
    };

    beforeEach(async () => {
      clock = new TestClock();
      store = await subject.open(clock);
      opened.push(store);
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => undefined);
    });

    describe('claims, replays and conflicts', () => {
      it('lets the first claim of a key win and shows every later claim the stored record', async () => {
        const first = await store.records.claim(claimOf('key-1'));
        expect(first.claimed).toBe(true);
        expect(first.record).toMatchObject({ tenant: 'acme', key: 'key-1', status: 'IN_PROGRESS', attempts: [], fingerprint: 'fp-1' });

        // A different input under the same key: the caller sees the first fingerprint (a conflict).
        const second = await store.records.claim(claimOf('key-1', { fingerprint: 'fp-2', subject: 'bob' }));
        expect(second.claimed).toBe(false);
        expect(second.record).toMatchObject({ fingerprint: 'fp-1', subject: 'alice', status: 'IN_PROGRESS' });
      });

      it('scopes keys by tenant', async () => {
        expect((await store.records.claim(claimOf('shared-key'))).claimed).toBe(true);
        expect((await store.records.claim(claimOf('shared-key', { tenant: 'globex' }))).claimed).toBe(true);
        expect((await store.records.get('globex', 'shared-key'))?.tenant).toBe('globex');
        expect(await store.records.get('initech', 'shared-key')).toBeUndefined();
      });

      it('replays a settled outcome exactly as recorded (result, error, upstream details)', async () => {
        await store.records.claim(claimOf('ok-key'));
        const result = { operation: { id: 'op-1', status: 'COMPLETED', amount: { amount: '10.50', currency: 'EUR' }, tags: ['a', 'b'], note: null } };
        await store.records.recordOutcome('acme', 'ok-key', { status: 'SUCCEEDED', result }, auditOf('ok-key', { outcome: 'SUCCEEDED' }));
        expect(await store.records.get('acme', 'ok-key')).toMatchObject({ status: 'SUCCEEDED', result });

        await store.records.claim(claimOf('refused-key'));
        const error = { code: ErrorCode.INSUFFICIENT_FUNDS, message: 'Not enough funds', provider: 'baas' as const, upstream: { status: 422, code: 'NSF', requestId: 'up-1' } };
        await store.records.recordOutcome('acme', 'refused-key', { status: 'FAILED', error }, auditOf('refused-key', { outcome: 'FAILED' }));
        const refused = await store.records.get('acme', 'refused-key');
        expect(refused).toMatchObject({ status: 'FAILED', error });
        expect(refused?.result).toBeUndefined();
      });

      it('hands out copies: changing a returned record does not change the store', async () => {
        const { record } = await store.records.claim(claimOf('copy-key'));
        record.status = 'SUCCEEDED';
        record.attempts.push(attemptOf(0));
        expect(await store.records.get('acme', 'copy-key')).toMatchObject({ status: 'IN_PROGRESS', attempts: [] });
      });
    });

    describe('concurrent claims', () => {
      it('gives one key to exactly one of 40 simultaneous claimants, across handles', async () => {
        const other = await peer();
        const claims = await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? store : other).records.claim(claimOf('race-key', { subject: `s${i}` }))),
        );
        const winners = claims.filter((c) => c.claimed);
        expect(winners).toHaveLength(1);
        // Every loser sees the winner's record.
        for (const c of claims) expect(c.record.subject).toBe(winners[0]!.record.subject);
      });

      it('lets exactly one of simultaneous write-aheads of the same attempt through', async () => {
        await store.records.claim(claimOf('attempt-race'));
        const other = await peer();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? store : other).records.recordAttempt('acme', 'attempt-race', attemptOf(0), auditOf('attempt-race', { requestId: `r${i}` }))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.audit.list({ idempotencyKey: 'attempt-race', limit: 100 })).filter((e) => e.outcome === 'ATTEMPTED')).toHaveLength(1);
      });
    });

    describe('write-ahead attempts', () => {
      it('commits the attempt and its ATTEMPTED audit entry together, before anything is sent', async () => {
        await store.records.claim(claimOf('wa-key'));
        clock.advance(1_000);
        expect(await store.records.recordAttempt('acme', 'wa-key', attemptOf(0), auditOf('wa-key'))).toBe(true);
        const record = await store.records.get('acme', 'wa-key');
        expect(record).toMatchObject({ status: 'IN_PROGRESS', attempts: [attemptOf(0)], updatedAt: '2026-03-01T12:00:01.000Z' });
        expect(await store.audit.list({ idempotencyKey: 'wa-key', limit: 10 })).toEqual([auditOf('wa-key')]);
      });

      it('keeps attempts in order, each with its reference, time sent and resend flag', async () => {
        await store.records.claim(claimOf('multi'));
        await store.records.recordAttempt('acme', 'multi', attemptOf(0), auditOf('multi'));
        await store.records.recordOutcome('acme', 'multi', { status: 'OUTCOME_UNKNOWN' }, auditOf('multi', { outcome: 'OUTCOME_UNKNOWN' }));
        const resend = attemptOf(1, { reference: 'ref-again', sentAt: '2026-03-01T12:05:00.000Z', resend: true });
        expect(await store.records.recordAttempt('acme', 'multi', resend, auditOf('multi', { attempt: 1 }))).toBe(true);
        expect((await store.records.get('acme', 'multi'))?.attempts).toEqual([attemptOf(0), resend]);
      });

      it('refuses a write-ahead that must not be sent, writing nothing', async () => {
        await store.records.claim(claimOf('twice'));
        await store.records.recordAttempt('acme', 'twice', attemptOf(0), auditOf('twice'));
        // The same attempt again: someone else wrote it ahead and may be sending it.
        expect(await store.records.recordAttempt('acme', 'twice', attemptOf(0, { reference: 'other' }), auditOf('twice'))).toBe(false);
        expect((await store.records.get('acme', 'twice'))?.attempts).toEqual([attemptOf(0)]);

        for (const status of ['SUCCEEDED', 'FAILED'] as const) {
          const key = `final-${status}`;
          await store.records.claim(claimOf(key));
          await store.records.recordOutcome('acme', key, { status }, auditOf(key, { outcome: status }));
          expect(await store.records.recordAttempt('acme', key, attemptOf(0), auditOf(key))).toBe(false);
          expect((await store.records.get('acme', key))?.status).toBe(status);
        }
        expect(await store.audit.list({ idempotencyKey: 'twice', limit: 10 })).toHaveLength(1);
      });

      it('lets an attempt that never left (NOT_SENT) be written again under the same number', async () => {
        await store.records.claim(claimOf('not-sent'));
        await store.records.recordAttempt('acme', 'not-sent', attemptOf(0), auditOf('not-sent'));
        await store.records.recordOutcome('acme', 'not-sent', { status: 'NOT_SENT' }, auditOf('not-sent', { outcome: 'FAILED', code: ErrorCode.UPSTREAM_UNAVAILABLE }));
        const again = attemptOf(0, { sentAt: '2026-03-01T12:01:00.000Z' });
        expect(await store.records.recordAttempt('acme', 'not-sent', again, auditOf('not-sent'))).toBe(true);
        expect(await store.records.get('acme', 'not-sent')).toMatchObject({ status: 'IN_PROGRESS', attempts: [again] });
      });

      it('writes neither the attempt nor the audit entry when the entry cannot be stored', async () => {
        await store.records.claim(claimOf('torn'));
        const broken = auditOf('torn', { action: undefined as unknown as string });
        await expect(store.records.recordAttempt('acme', 'torn', attemptOf(0), broken)).rejects.toThrow();
        expect((await store.records.get('acme', 'torn'))?.attempts).toEqual([]);
        expect(await store.audit.list({ idempotencyKey: 'torn', limit: 10 })).toEqual([]);
        // …and the store still works: one failed write poisons nothing after it.
        expect(await store.records.recordAttempt('acme', 'torn', attemptOf(0), auditOf('torn'))).toBe(true);
      });

      it('rejects an attempt or an outcome for a key that was never claimed', async () => {
        await expect(store.records.recordAttempt('acme', 'ghost', attemptOf(0), auditOf('ghost'))).rejects.toThrow(/ghost/);
        await expect(store.records.recordOutcome('acme', 'ghost', { status: 'SUCCEEDED' }, auditOf('ghost'))).rejects.toThrow(/ghost/);
        expect(await store.audit.list({ idempotencyKey: 'ghost', limit: 10 })).toEqual([]);
      });
    });

    describe('outcomes', () => {
      it('never downgrades SUCCEEDED, but still audits what happened', async () => {
        await store.records.claim(claimOf('won'));
        await store.records.recordAttempt('acme', 'won', attemptOf(0), auditOf('won'));
        await store.records.recordOutcome('acme', 'won', { status: 'SUCCEEDED', result: { id: 'op-9' } }, auditOf('won', { outcome: 'SUCCEEDED' }));
        for (const status of ['OUTCOME_UNKNOWN', 'FAILED', 'NOT_SENT'] as const) {
          await store.records.recordOutcome('acme', 'won', { status, error: { code: ErrorCode.OUTCOME_UNKNOWN, message: 'late timeout' } }, auditOf('won', { outcome: 'OUTCOME_UNKNOWN' }));
        }
        const record = await store.records.get('acme', 'won');
        expect(record).toMatchObject({ status: 'SUCCEEDED', result: { id: 'op-9' } });
        expect(record?.error).toBeUndefined();
        expect((await store.audit.list({ idempotencyKey: 'won', limit: 10 })).map((e) => e.outcome)).toEqual([
          'ATTEMPTED',
          'SUCCEEDED',
          'OUTCOME_UNKNOWN',
          'OUTCOME_UNKNOWN',
          'OUTCOME_UNKNOWN',
        ]);
      });

      it('lets a later answer settle an uncertain record', async () => {
        await store.records.claim(claimOf('late'));
        await store.records.recordOutcome('acme', 'late', { status: 'OUTCOME_UNKNOWN', error: { code: ErrorCode.OUTCOME_UNKNOWN, message: 'timeout' } }, auditOf('late', { outcome: 'OUTCOME_UNKNOWN' }));
        clock.advance(60_000);
        await store.records.recordOutcome('acme', 'late', { status: 'SUCCEEDED', result: { id: 'op-1' } }, auditOf('late', { outcome: 'RECONCILED' }));
        const record = await store.records.get('acme', 'late');
        expect(record).toMatchObject({ status: 'SUCCEEDED', result: { id: 'op-1' }, updatedAt: '2026-03-01T12:01:00.000Z' });
        expect(record?.error).toBeUndefined();
      });

      it('marks a reference seen twice upstream as duplicated, with its audit entry', async () => {
        await store.records.claim(claimOf('dup'));
        await store.records.recordOutcome('acme', 'dup', { status: 'SUCCEEDED', result: {} }, auditOf('dup', { outcome: 'SUCCEEDED' }));
        await store.records.markDuplicate('acme', 'dup', auditOf('dup', { outcome: 'DUPLICATE_DETECTED' }));
        expect(await store.records.get('acme', 'dup')).toMatchObject({ status: 'SUCCEEDED', duplicateDetected: true });
        expect((await store.audit.list({ idempotencyKey: 'dup', limit: 10 })).map((e) => e.outcome)).toEqual(['SUCCEEDED', 'DUPLICATE_DETECTED']);
      });

      it('lists what an operator must look at: unknown, in progress, resent or duplicated — oldest first', async () => {
        const settle = async (key: string, status: 'SUCCEEDED' | 'FAILED' | 'NOT_SENT' | 'OUTCOME_UNKNOWN') => {
          await store.records.claim(claimOf(key));
          await store.records.recordOutcome('acme', key, { status }, auditOf(key, { outcome: 'SUCCEEDED' }));
          clock.advance(1_000);
        };
        await settle('u-unknown', 'OUTCOME_UNKNOWN');
        await store.records.claim(claimOf('u-progress'));
        await store.records.recordAttempt('acme', 'u-progress', attemptOf(0), auditOf('u-progress'));
        clock.advance(1_000);
        await settle('u-ok', 'SUCCEEDED');
        await settle('u-failed', 'FAILED');
        await settle('u-not-sent', 'NOT_SENT');
        await store.records.claim(claimOf('u-resent'));
        await store.records.recordAttempt('acme', 'u-resent', attemptOf(0, { resend: true }), auditOf('u-resent'));
        await store.records.recordOutcome('acme', 'u-resent', { status: 'SUCCEEDED' }, auditOf('u-resent', { outcome: 'SUCCEEDED' }));
        clock.advance(1_000);
        await settle('u-dup', 'SUCCEEDED');
        await store.records.markDuplicate('acme', 'u-dup', auditOf('u-dup', { outcome: 'DUPLICATE_DETECTED' }));

        const all = await store.records.listUncertain({ limit: 100 });
        expect(all.map((r) => r.key)).toEqual(['u-unknown', 'u-progress', 'u-resent', 'u-dup']);
        expect(all[1]?.attempts).toEqual([attemptOf(0)]);
        expect((await store.records.listUncertain({ limit: 2 })).map((r) => r.key)).toEqual(['u-unknown', 'u-progress']);
        const older = await store.records.listUncertain({ updatedBefore: new Date('2026-03-01T12:00:01.000Z'), limit: 100 });
        expect(older.map((r) => r.key)).toEqual(['u-unknown']);
      });
    });

    describe('the audit trail', () => {
      it('keeps entries in the order they were recorded, filtered by tenant or key, the newest `limit`', async () => {
        for (let i = 0; i < 5; i += 1) {
          await store.audit.record(auditOf(`k${i % 2}`, { requestId: `r${i}`, tenant: i === 4 ? 'globex' : 'acme', outcome: 'SUCCEEDED', attempt: undefined }));
        }
        const requestIds = (entries: AuditEntry[]) => entries.map((e) => e.requestId);
        expect(requestIds(await store.audit.list({ limit: 100 }))).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
        expect(requestIds(await store.audit.list({ limit: 2 }))).toEqual(['r3', 'r4']);
        expect(requestIds(await store.audit.list({ tenant: 'acme', limit: 100 }))).toEqual(['r0', 'r1', 'r2', 'r3']);
        expect(requestIds(await store.audit.list({ tenant: 'acme', idempotencyKey: 'k0', limit: 100 }))).toEqual(['r0', 'r2']);
      });

      it('stores an entry field for field, leaving out what was not given', async () => {
        const full = auditOf('full', { outcome: 'FAILED', code: ErrorCode.INSUFFICIENT_FUNDS, upstreamRequestId: 'up-7', attempt: 2 });
        const bare: AuditEntry = { at: '2026-03-01T12:00:00.000Z', requestId: 'r', tenant: 'acme', subject: 'alice', action: 'card.reveal.requested', target: 't', provider: 'utgl', outcome: 'DENIED' };
        const resent = auditOf('full', { attempt: 1, resend: true });
        await store.audit.record(full);
        await store.audit.record(bare);
        await store.records.claim(claimOf('full'));
        await store.records.recordAttempt('acme', 'full', attemptOf(1, { resend: true }), resent);
        expect(await store.audit.list({ limit: 10 })).toEqual([full, bare, resent]);
      });
    });

    describe('reveal tokens', () => {
      it('hands a grant over once, only to the viewer it was issued to', async () => {
        await store.revealTokens.issue('digest-1', grantOf());
        expect(await store.revealTokens.consume('digest-1', { tenant: 'acme', subject: 'mallory' })).toBeNull();
        expect(await store.revealTokens.consume('digest-1', { tenant: 'globex', subject: 'alice' })).toBeNull();
        expect(await store.revealTokens.consume('digest-1', { tenant: 'acme', subject: 'alice' })).toEqual(grantOf());
        expect(await store.revealTokens.consume('digest-1', { tenant: 'acme', subject: 'alice' })).toBeNull();
        expect(await store.revealTokens.consume('never-issued', { tenant: 'acme', subject: 'alice' })).toBeNull();
      });

      it('gives a token to exactly one of 20 simultaneous redeemers, across handles', async () => {
        await store.revealTokens.issue('digest-race', grantOf());
        const other = await peer();
        const grants = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).revealTokens.consume('digest-race', { tenant: 'acme', subject: 'alice' })),
        );
        expect(grants.filter((g) => g !== null)).toEqual([grantOf()]);
      });
    });

    describe('leases', () => {
      it('is held by one owner until released or expired, and renewed by its holder', async () => {
        expect(await store.leases.acquire('sweep', 'replica-a', 10_000)).toBe(true);
        expect(await store.leases.acquire('sweep', 'replica-b', 10_000)).toBe(false);
        clock.advance(9_000);
        expect(await store.leases.acquire('sweep', 'replica-a', 10_000)).toBe(true); // renewed to 19 s
        clock.advance(9_000);
        expect(await store.leases.acquire('sweep', 'replica-b', 10_000)).toBe(false);
        await store.leases.release('sweep', 'replica-b'); // not its lease: nothing happens
        expect(await store.leases.acquire('sweep', 'replica-b', 10_000)).toBe(false);
        clock.advance(1_001);
        expect(await store.leases.acquire('sweep', 'replica-b', 10_000)).toBe(true); // a's expired
        await store.leases.release('sweep', 'replica-b');
        expect(await store.leases.acquire('sweep', 'replica-c', 10_000)).toBe(true);
        expect(await store.leases.acquire('other', 'replica-a', 10_000)).toBe(true);
      });

      it('goes to exactly one of 10 simultaneous owners, across handles', async () => {
        const other = await peer();
        const won = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? store : other).leases.acquire('contested', `owner-${i}`, 60_000)));
        expect(won.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('retention', () => {
      it('purges settled records, audit entries and tokens older than the cutoff, keeping uncertain records', async () => {
        const old = { createdAt: '2026-02-27T12:00:00.000Z', updatedAt: '2026-02-27T12:00:00.000Z' };
        clock = new TestClock(new Date(old.updatedAt));
        const aged = await subject.open(clock);
        opened.push(aged);
        for (const [key, status] of [['old-ok', 'SUCCEEDED'], ['old-failed', 'FAILED'], ['old-unknown', 'OUTCOME_UNKNOWN']] as const) {
          await aged.records.claim(claimOf(key, old));
          await aged.records.recordAttempt('acme', key, attemptOf(0), auditOf(key, { at: old.updatedAt }));
          await aged.records.recordOutcome('acme', key, { status }, auditOf(key, { at: old.updatedAt, outcome: 'SUCCEEDED' }));
        }
        await aged.records.claim(claimOf('old-progress', old));
        await aged.records.claim(claimOf('old-dup', old));
        await aged.records.recordOutcome('acme', 'old-dup', { status: 'SUCCEEDED' }, auditOf('old-dup', { at: old.updatedAt, outcome: 'SUCCEEDED' }));
        await aged.records.markDuplicate('acme', 'old-dup', auditOf('old-dup', { at: old.updatedAt, outcome: 'DUPLICATE_DETECTED' }));
        await aged.revealTokens.issue('old-token', grantOf({ expiresAt: Date.parse(old.updatedAt) + 120_000 }));

        clock.advance(48 * HOUR);
        await aged.records.claim(claimOf('new-ok', { createdAt: clock.now().toISOString(), updatedAt: clock.now().toISOString() }));
        await aged.records.recordOutcome('acme', 'new-ok', { status: 'SUCCEEDED' }, auditOf('new-ok', { at: clock.now().toISOString(), outcome: 'SUCCEEDED' }));
        await aged.revealTokens.issue('new-token', grantOf({ expiresAt: clock.now().getTime() + 120_000 }));

        const cutoff = new Date(clock.now().getTime() - 24 * HOUR);
        expect(await aged.purge(cutoff)).toEqual({ records: 2, audit: 8, revealTokens: 1 });
        expect(await aged.records.get('acme', 'old-ok')).toBeUndefined();
        expect(await aged.records.get('acme', 'old-failed')).toBeUndefined();
        // Uncertain records stay, attempts and all, however old.
        expect(await aged.records.get('acme', 'old-unknown')).toMatchObject({ status: 'OUTCOME_UNKNOWN', attempts: [attemptOf(0)] });
        expect((await aged.records.get('acme', 'old-progress'))?.status).toBe('IN_PROGRESS');
        expect((await aged.records.get('acme', 'old-dup'))?.duplicateDetected).toBe(true);
        expect((await aged.records.get('acme', 'new-ok'))?.status).toBe('SUCCEEDED');
        expect((await aged.audit.list({ limit: 100 })).map((e) => e.idempotencyKey)).toEqual(['new-ok']);
        expect(await aged.revealTokens.consume('old-token', { tenant: 'acme', subject: 'alice' })).toBeNull();
        expect(await aged.revealTokens.consume('new-token', { tenant: 'acme', subject: 'alice' })).not.toBeNull();
        // A purged key is free again.
        expect((await aged.records.claim(claimOf('old-ok'))).claimed).toBe(true);
        expect(await aged.purge(cutoff)).toEqual({ records: 0, audit: 0, revealTokens: 0 });
      });
    });

    describe('readiness', () => {
      it('answers check() while open, and rejects once closed', async () => {
        await expect(store.check()).resolves.toBeUndefined();
        await store.close();
        await expect(store.check()).rejects.toThrow();
      });
    });
  });
}
