/**
 * Exactly-once mutations. Every mutation that creates something or moves money runs here
 * under the client's idempotency key, scoped to the viewer's tenant, over the state store
 * (store/state-store.ts), which any number of gateway replicas may share:
 *
 * - the key is claimed by exactly one request fleet-wide; the same key and the same input
 *   replay the recorded outcome (a refusal as the same error); another input is
 *   IDEMPOTENCY_CONFLICT;
 * - write-ahead: each attempt (number, derived reference, time sent) and its ATTEMPTED audit
 *   entry are committed before its first byte goes upstream; the outcome after the answer;
 * - a duplicate arriving while another request owns the key waits (polling the record) for
 *   that outcome within its own deadline, else answers a retryable OUTCOME_UNKNOWN;
 * - an uncertain outcome is reconciled on resubmission: looked up by its reference, and
 *   **never sent again while the earlier attempt can still land** (the provider's settle
 *   window, see providers/provider-module.ts): inside it the answer is a retryable
 *   OUTCOME_UNKNOWN with the time left; after it, a look-up that finds nothing lets the next
 *   attempt go, marked as a resend where the provider cannot refuse a copy;
 * - a store failure never lies about money: a write-ahead that fails sends nothing (retryable),
 *   an outcome that fails to record still answers the provider's outcome (logged as
 *   `store.write_failed`, retried in the background, visible in `StoreHealth`);
 * - a reference found more than once upstream raises `reconcile.duplicate_detected`.
 *
 * `run` is three named steps: replay, reconcile, send-and-record.
 */
import { createHash } from 'node:crypto';
import type { CardProvider } from '../../providers/provider.js';
import type { SettleWindow } from '../../providers/provider-module.js';
import type { Operation, OperationKind, WriteRequest } from '../../core/writes.js';
import type { Logger } from '../../core/logger.js';
import type { ProviderKey } from '../../core/provider-key.js';
import type { AttemptRecord, AuditEntry, IdempotencyRecord, Outcome, StateStore } from '../../store/state-store.js';
import type { RequestScope } from '../../core/request-scope.js';
import { badInput, ErrorCode, GatewayError } from '../../core/errors.js';
import { auditBuilder, type AuditBuilder } from '../audit.js';
import { crashPoint } from './crash-points.js';
import { deriveKeys } from './idempotency-keys.js';
import { cannotLookUp, fromStored, idempotencyConflict, notRecorded, resubmitAfter, statusOf, stillSettling, storedError } from './outcomes.js';
import { StoreHealth, writeCounters, type WriteCounters } from './write-health.js';

export type MutationScope = RequestScope;

export interface MutationSpec<T> {
  /** The GraphQL mutation, e.g. `topUpCard`. */
  name: string;
  provider: CardProvider;
  /** The validated input, in provider refs: what the fingerprint covers. */
  input: unknown;
  /** The global id the audit trail names. */
  target: string;
  /** How to look the write up by reference after an uncertain outcome (null: no look-up). */
  kind: OperationKind | null;
  run(w: WriteRequest): Promise<T>;
  /** The mutation's answer from an operation found by reference. */
  fromOperation(operation: Operation): T;
  /** JSON-safe form for the store, and back. */
  serialize(result: T): unknown;
  deserialize(stored: unknown): T;
}

export interface MutationsSetup {
  store: StateStore;
  /** Each provider's settle window (providers/provider-module.ts). */
  settle(provider: ProviderKey): SettleWindow;
  /**
   * How long one request may take (the GraphQL request deadline): how long a duplicate waits
   * for the request owning its key, and after how long a claim that wrote no attempt is
   * abandoned (its owner cannot send once its own deadline has passed).
   */
  requestDeadlineMs: number;
  /** Background work (retried outcome writes) logs here. */
  log: Logger;
  health?: StoreHealth;
  counters?: WriteCounters;
}

const KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

/** Time kept back from a duplicate's wait so that its own answer still fits in its deadline. */
const ANSWER_MARGIN_MS = 250;
/** Polling a record another request owns: from this pause, doubling, up to the next. */
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;
/** An outcome the store refused is tried again after these pauses, in the background. */
const OUTCOME_RETRY_DELAYS_MS = [100, 1_000, 5_000];

/** Stable JSON: keys sorted, so the same input always has the same fingerprint. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One mutation under one key, as the steps see it. */
interface Call<T> {
  scope: MutationScope;
  key: string;
  fingerprint: string;
  spec: MutationSpec<T>;
  audit: AuditBuilder;
  /** Until when this request may wait for another that owns its key (epoch ms). */
  waitUntil: number;
}

export class Mutations {
  readonly health: StoreHealth;
  readonly counters: WriteCounters;
  private readonly inFlight = new Map<string, { fingerprint: string; done: Promise<unknown> }>();
  private readonly store: StateStore;

  constructor(private readonly setup: MutationsSetup) {
    this.store = setup.store;
    this.health = setup.health ?? new StoreHealth();
    this.counters = setup.counters ?? writeCounters();
  }

  async execute<T>(scope: MutationScope, idempotencyKey: string, spec: MutationSpec<T>): Promise<T> {
    if (!KEY.test(idempotencyKey)) throw badInput('idempotencyKey must be 8 to 128 characters of letters, digits, _ . : -');
    const tenant = scope.viewer.tenant;
    const fingerprint = createHash('sha256').update(`${spec.name}\u0000${spec.provider.key}\u0000${canonical(spec.input)}`).digest('hex');
    const slot = `${tenant}\u0000${idempotencyKey}`;

    // Within one replica, concurrent duplicates share the first request's call without asking
    // the store; across replicas, the store's claim decides (see `run`).
    const running = this.inFlight.get(slot);
    if (running) {
      if (running.fingerprint !== fingerprint) throw idempotencyConflict(idempotencyKey);
      return spec.deserialize(spec.serialize((await running.done) as T));
    }
    const call: Call<T> = {
      scope,
      key: idempotencyKey,
      fingerprint,
      spec,
      audit: auditBuilder(scope, { action: `mutation.${spec.name}`, target: spec.target, provider: spec.provider.key, idempotencyKey }),
      waitUntil: Date.now() + this.setup.requestDeadlineMs - ANSWER_MARGIN_MS,
    };
    const done = this.run(call);
    this.inFlight.set(slot, { fingerprint, done });
    try {
      return await done;
    } catch (error) {
      if (error instanceof GatewayError && error.code === ErrorCode.OUTCOME_UNKNOWN) this.counters.outcomeUnknown += 1;
      throw error;
    } finally {
      this.inFlight.delete(slot);
    }
  }

  private async run<T>(call: Call<T>): Promise<T> {
    const claim = await this.claim(call);
    if (claim.claimed) return this.sendAndRecord(call, { number: 0, resend: false });
    const replayed = await this.replay(call, claim.record);
    if (replayed) return replayed.value;
    return this.reconcile(call, claim.record);
  }

  private async claim<T>(call: Call<T>) {
    const now = new Date().toISOString();
    const { viewer } = call.scope;
    try {
      const claim = await this.store.records.claim({
        tenant: viewer.tenant,
        key: call.key,
        subject: viewer.subject,
        mutation: call.spec.name,
        fingerprint: call.fingerprint,
        provider: call.spec.provider.key,
        createdAt: now,
        updatedAt: now,
      });
      this.health.succeeded();
      return claim;
    } catch (error) {
      this.health.failed('claim', error, call.scope.cx.log);
      throw notRecorded(call.spec.provider.key);
    }
  }

  /** Step 1 — replay: a settled key answers as it was settled; another input is a conflict. */
  private async replay<T>(call: Call<T>, record: IdempotencyRecord): Promise<{ value: T } | undefined> {
    if (record.fingerprint !== call.fingerprint) {
      await this.auditOnly(call, call.audit('DENIED', { code: ErrorCode.IDEMPOTENCY_CONFLICT }));
      throw idempotencyConflict(call.key);
    }
    if (record.status === 'SUCCEEDED') {
      await this.auditOnly(call, call.audit('REPLAYED'));
      this.counters.replayed += 1;
      return { value: call.spec.deserialize(record.result) };
    }
    if (record.status === 'FAILED' && record.error) {
      await this.auditOnly(call, call.audit('REPLAYED', { code: record.error.code }));
      this.counters.replayed += 1;
      throw fromStored(record.error);
    }
    return undefined;
  }

  /**
   * Step 2 — reconcile a key that is not settled: wait for the request that owns it, else find
   * the last attempt upstream; send the next one only when nothing was sent, or when the
   * look-up found nothing and the last attempt can no longer land.
   */
  private async reconcile<T>(call: Call<T>, claimed: IdempotencyRecord): Promise<T> {
    const { spec } = call;
    const record = await this.awaitOwner(call, claimed);
    const replayed = await this.replay(call, record);
    if (replayed) return replayed.value;

    const last = record.attempts.at(-1);
    if (record.status === 'NOT_SENT') return this.sendAndRecord(call, { number: last?.number ?? 0, resend: false });
    if (!last) {
      // Claimed, and nothing written ahead: nothing was sent. Once the claimant's own deadline
      // has passed it never will be (it checks before sending), so the key is free to go.
      const left = Date.parse(record.createdAt) + this.setup.requestDeadlineMs - Date.now();
      if (left > 0) throw this.holding(spec, left);
      return this.sendAndRecord(call, { number: 0, resend: false });
    }
    if (record.status === 'IN_PROGRESS' && this.ownerMayBeSending(last)) {
      throw this.holding(spec, this.unsettledFor(record, last));
    }

    const found = await this.lookUp(call, last);
    if (found) return this.recordFound(call, record, last, found);
    const left = this.unsettledFor(record, last);
    if (left > 0) throw this.holding(spec, left);
    const resend = this.setup.settle(spec.provider.key).duplicates === 'none';
    return this.sendAndRecord(call, { number: last.number + 1, resend });
  }

  /** Step 3 — send and record: write the attempt ahead, send it, record what came back. */
  private async sendAndRecord<T>(call: Call<T>, next: { number: number; resend: boolean }): Promise<T> {
    const { spec, scope } = call;
    const tenant = scope.viewer.tenant;
    const w: WriteRequest = { cx: scope.cx, gatewayKey: call.key, attempt: next.number, ...deriveKeys(tenant, call.key, spec.provider.key, next.number) };
    const attempt: AttemptRecord = { number: next.number, reference: w.reference, sentAt: new Date().toISOString(), resend: next.resend };
    let ahead: boolean;
    try {
      const entry = call.audit('ATTEMPTED', { attempt: next.number, resend: next.resend || undefined });
      ahead = await this.store.records.recordAttempt(tenant, call.key, attempt, entry);
      this.health.succeeded();
    } catch (error) {
      this.health.failed('recordAttempt', error, scope.cx.log);
      throw notRecorded(spec.provider.key);
    }
    // Refused: the key was settled, or another request wrote this attempt first and may be
    // sending it. Either way this request sends nothing.
    if (!ahead) return this.afterLostRace(call);
    if (next.resend) {
      this.counters.resends += 1;
      scope.cx.log.warn(
        { event: 'write.resent', provider: spec.provider.key, idempotencyKey: call.key, attempt: next.number, reference: w.reference },
        'a write sent again to a provider that cannot refuse a copy, after its settle window',
      );
    }
    crashPoint('before-send');
    // The request's deadline passed while the attempt was written: another request may already
    // treat this claim as abandoned, so nothing is sent.
    if (scope.cx.signal?.aborted) {
      const late = new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, 'The request ran out of time before the write was sent; nothing was sent', { provider: spec.provider.key });
      await this.recordOutcome(call, { status: 'NOT_SENT', error: storedError(late) }, call.audit('FAILED', { attempt: next.number, code: late.code }));
      throw late;
    }

    let result: T;
    try {
      result = await spec.run(w);
    } catch (error) {
      crashPoint('after-answer');
      return this.recordFailure(call, attempt, error);
    }
    crashPoint('after-answer');
    await this.recordOutcome(call, { status: 'SUCCEEDED', result: spec.serialize(result) }, call.audit('SUCCEEDED', { attempt: next.number }));
    this.counters.succeeded += 1;
    return result;
  }

  private async recordFailure<T>(call: Call<T>, attempt: AttemptRecord, error: unknown): Promise<never> {
    const { spec } = call;
    const status = statusOf(error);
    const typed = error instanceof GatewayError ? error : undefined;
    await this.recordOutcome(
      call,
      { status, error: typed ? storedError(typed) : undefined },
      call.audit(status === 'OUTCOME_UNKNOWN' ? 'OUTCOME_UNKNOWN' : 'FAILED', {
        attempt: attempt.number,
        code: typed?.code ?? ErrorCode.OUTCOME_UNKNOWN,
        upstreamRequestId: typed?.upstream?.requestId,
      }),
    );
    const answer =
      typed ??
      new GatewayError(ErrorCode.OUTCOME_UNKNOWN, 'The mutation failed unexpectedly after it may have reached the provider; resubmit the same idempotency key to reconcile', {
        provider: spec.provider.key,
        cause: error,
      });
    // An uncertain outcome that a resubmit can settle (by look-up) is the client's to retry
    // under the same key, once the attempt can no longer land: the first answer says when.
    if (answer.code === ErrorCode.OUTCOME_UNKNOWN && spec.kind !== null) {
      throw resubmitAfter(answer, this.timeLeft(spec.provider.key, attempt, typed?.upstream?.status !== undefined));
    }
    throw answer;
  }

  /** The provider has the write an earlier attempt sent: that is the outcome. */
  private async recordFound<T>(call: Call<T>, record: IdempotencyRecord, last: AttemptRecord, found: Operation): Promise<T> {
    const { copies, ...operation } = found;
    if (copies !== undefined && copies > 1 && !record.duplicateDetected) {
      await this.duplicateDetected(call.scope.cx.log, record, last, copies, call.audit('DUPLICATE_DETECTED', { attempt: last.number }));
    }
    const result = call.spec.fromOperation(operation);
    this.counters.reconciled += 1;
    await this.recordOutcome(call, { status: 'SUCCEEDED', result: call.spec.serialize(result) }, call.audit('RECONCILED', { attempt: last.number }));
    return result;
  }

  /** One reference, several writes upstream: money moved more than once. Operators must act. */
  async duplicateDetected(log: Logger, record: IdempotencyRecord, last: AttemptRecord, copies: number, entry: AuditEntry): Promise<void> {
    this.counters.duplicatesDetected += 1;
    log.error(
      { event: 'reconcile.duplicate_detected', provider: record.provider, tenant: record.tenant, idempotencyKey: record.key, reference: last.reference, copies },
      'one write reached the provider more than once',
    );
    try {
      await this.store.records.markDuplicate(record.tenant, record.key, entry);
      this.health.succeeded();
    } catch (error) {
      this.health.failed('markDuplicate', error, log);
    }
  }

  /**
   * The outcome, or — when the store refuses it — the same outcome tried again in the
   * background. Never throws: the client's answer is what the provider said, whatever the
   * store does (the record stays IN_PROGRESS meanwhile, which resubmits reconcile by look-up).
   */
  private async recordOutcome<T>(call: Call<T>, outcome: Outcome, entry: AuditEntry): Promise<void> {
    const write = () => this.store.records.recordOutcome(call.scope.viewer.tenant, call.key, outcome, entry);
    try {
      await write();
      this.health.succeeded();
    } catch (error) {
      this.health.failed('recordOutcome', error, call.scope.cx.log);
      void this.retryInBackground(write);
    }
  }

  private async retryInBackground(write: () => Promise<void>): Promise<void> {
    for (const delay of OUTCOME_RETRY_DELAYS_MS) {
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      try {
        await write();
        this.health.succeeded();
        return;
      } catch (error) {
        this.health.failed('recordOutcome (retry)', error, this.setup.log);
      }
    }
  }

  /** An audit entry outside a record's transaction (replays, refusals): never fails the request. */
  private async auditOnly<T>(call: Call<T>, entry: AuditEntry): Promise<void> {
    try {
      await this.store.audit.record(entry);
      this.health.succeeded();
    } catch (error) {
      this.health.failed('audit', error, call.scope.cx.log);
    }
  }

  /**
   * A record IN_PROGRESS whose owner may still be at work (another request, here or on another
   * replica) is polled until it settles, for as long as this request may wait.
   */
  private async awaitOwner<T>(call: Call<T>, record: IdempotencyRecord): Promise<IdempotencyRecord> {
    let current = record;
    let pause = FIRST_POLL_MS;
    while (current.status === 'IN_PROGRESS' && this.ownerMayBeActive(current)) {
      const left = call.waitUntil - Date.now();
      if (left <= 0 || call.scope.cx.signal?.aborted) break;
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, MAX_POLL_MS);
      try {
        current = (await this.store.records.get(current.tenant, current.key)) ?? current;
      } catch (error) {
        this.health.failed('get', error, call.scope.cx.log);
        break;
      }
    }
    return current;
  }

  /** Its owner can still write an attempt ahead (claimed without one), or is sending one. */
  private ownerMayBeActive(record: IdempotencyRecord): boolean {
    const last = record.attempts.at(-1);
    return last ? this.ownerMayBeSending(last) : Date.now() < Date.parse(record.createdAt) + this.setup.requestDeadlineMs;
  }

  /** No request runs longer than its deadline: past it, an IN_PROGRESS attempt's owner is gone. */
  private ownerMayBeSending(last: AttemptRecord): boolean {
    return Date.now() < Date.parse(last.sentAt) + this.setup.requestDeadlineMs;
  }

  /**
   * How much longer the last attempt may still land (ms, ≤ 0 when it cannot). An attempt the
   * provider answered (a 5xx, a 207) has been processed as far as that request goes: its look-up
   * decides at once, as the providers' documents prescribe. One that got no answer (a timeout,
   * a dropped connection, a crash) may be processed late, until its settle window closes.
   */
  private unsettledFor(record: IdempotencyRecord, last: AttemptRecord): number {
    return this.timeLeft(record.provider, last, record.status === 'OUTCOME_UNKNOWN' && record.error?.upstream?.status !== undefined);
  }

  /** How long `attempt` may still land (ms): none once the provider answered it, else until its window closes. */
  private timeLeft(provider: ProviderKey, attempt: AttemptRecord, answered: boolean): number {
    if (answered) return 0;
    return Date.parse(attempt.sentAt) + this.setup.settle(provider).windowMs - Date.now();
  }

  private holding<T>(spec: MutationSpec<T>, leftMs: number): GatewayError {
    this.counters.heldInsideSettleWindow += 1;
    return stillSettling(spec.provider.key, spec.name, leftMs);
  }

  /** The attempt lost a race for its write-ahead: answer what the winner recorded, or wait for it. */
  private async afterLostRace<T>(call: Call<T>): Promise<T> {
    const record = await this.store.records.get(call.scope.viewer.tenant, call.key);
    if (record) {
      const replayed = await this.replay(call, await this.awaitOwner(call, record));
      if (replayed) return replayed.value;
    }
    throw this.holding(call.spec, this.setup.settle(call.spec.provider.key).windowMs);
  }

  /** The earlier attempt if the provider has it, null if it certainly does not. */
  private async lookUp<T>(call: Call<T>, last: AttemptRecord): Promise<Operation | null> {
    const { spec, scope } = call;
    if (!spec.kind) throw cannotLookUp(spec.provider.key, spec.name);
    const w: WriteRequest = { cx: scope.cx, gatewayKey: call.key, attempt: last.number, ...deriveKeys(scope.viewer.tenant, call.key, spec.provider.key, last.number) };
    try {
      return await spec.provider.findOperation(spec.kind, w.reference, w);
    } catch (error) {
      if (error instanceof GatewayError && error.code === ErrorCode.UNSUPPORTED_BY_PROVIDER) throw cannotLookUp(spec.provider.key, spec.name);
      throw error;
    }
  }
}
