/**
 * Settling uncertainty without a client: the periodic sweep (one replica at a time, under a
 * lease) and `npm run reconcile` look up uncertain, resent and duplicated records by the
 * reference their last attempt carried. A write found upstream settles its record as
 * SUCCEEDED (RECONCILED in the audit trail); a reference found more than once raises
 * `reconcile.duplicate_detected`. The reconciler never sends a write: only a resubmission of
 * the key does, through the engine's settle-window rules.
 */
import { randomUUID } from 'node:crypto';
import { createCallContext } from '../../core/call-context.js';
import type { Logger } from '../../core/logger.js';
import type { WriteRequest } from '../../core/writes.js';
import type { IdempotencyRecord, StateStore } from '../../store/state-store.js';
import { auditBuilder } from '../audit.js';
import type { ProviderRegistry } from '../registry.js';
import { plain, reconcilable } from './card-writes.js';
import { deriveKeys } from './idempotency-keys.js';
import type { Mutations } from './mutations.js';

export interface ReconcilerSetup {
  store: StateStore;
  /** Every configured provider. */
  registry: ProviderRegistry;
  mutations: Mutations;
  requestDeadlineMs: number;
  log: Logger;
}

export type ReconcileResult =
  /** Found upstream: the record is now SUCCEEDED. */
  | 'reconciled'
  /** Found upstream, and the record already said so (a resent or duplicated key re-checked). */
  | 'confirmed'
  /** The provider does not have it: a resubmit of the key sends it (after its settle window). */
  | 'not-found'
  /** Nothing was ever sent under the key. */
  | 'never-sent'
  /** Its owner may still be sending it: looked at again later. */
  | 'in-flight'
  /** The provider cannot look this write up: an operator must ask the provider. */
  | 'cannot-look-up'
  /** The provider is not configured here, or the look-up failed (see `message`). */
  | 'failed';

export interface ReconcileReport {
  tenant: string;
  key: string;
  provider: string;
  mutation: string;
  status: IdempotencyRecord['status'];
  result: ReconcileResult;
  duplicate: boolean;
  message?: string;
}

/**
 * Why an operator is shown a record (README, "Uncertain writes"): each label is a state with
 * its own action.
 */
export function uncertainty(record: IdempotencyRecord, windowMs: number, now = Date.now()): string[] {
  const labels: string[] = [];
  const last = record.attempts.at(-1);
  const inside = last !== undefined && now < Date.parse(last.sentAt) + windowMs;
  if (record.status === 'OUTCOME_UNKNOWN') labels.push(inside ? 'OUTCOME_UNKNOWN (inside its settle window)' : 'OUTCOME_UNKNOWN');
  if (record.status === 'IN_PROGRESS') labels.push(inside || !last ? 'IN_PROGRESS' : 'IN_PROGRESS past its settle window');
  if (record.attempts.some((a) => a.resend)) labels.push('RESENT');
  if (record.duplicateDetected) labels.push('DUPLICATED UPSTREAM');
  return labels;
}

/** Who the audit trail names for what the reconciler does. */
const RECONCILER_SUBJECT = 'cardplane:reconciler';
const SWEEP_LEASE = 'reconcile-sweep';

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private readonly owner = randomUUID();

  constructor(private readonly setup: ReconcilerSetup) {}

  /** Every record an operator might need to look at, least recently updated first. */
  uncertain(limit = 500): Promise<IdempotencyRecord[]> {
    return this.setup.store.records.listUncertain({ limit });
  }

  async sweep(limit = 200): Promise<ReconcileReport[]> {
    const reports: ReconcileReport[] = [];
    for (const record of await this.uncertain(limit)) reports.push(await this.reconcile(record));
    return reports;
  }

  /** Sweeps every `intervalMs` while this replica holds the sweep lease. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      void this.sweepIfLeader(intervalMs).catch((error: unknown) =>
        this.setup.log.error({ event: 'reconcile.sweep_failed', err: error instanceof Error ? error.message : String(error) }, 'the reconciliation sweep failed'),
      );
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.setup.store.leases.release(SWEEP_LEASE, this.owner).catch(() => undefined);
  }

  private async sweepIfLeader(intervalMs: number): Promise<void> {
    if (!(await this.setup.store.leases.acquire(SWEEP_LEASE, this.owner, intervalMs * 2))) return;
    await this.sweep();
  }

  async reconcile(record: IdempotencyRecord): Promise<ReconcileReport> {
    const report = (result: ReconcileResult, message?: string, duplicate = record.duplicateDetected === true): ReconcileReport => ({
      tenant: record.tenant,
      key: record.key,
      provider: record.provider,
      mutation: record.mutation,
      status: record.status,
      result,
      duplicate,
      ...(message ? { message } : {}),
    });
    const { store, registry, mutations, requestDeadlineMs, log } = this.setup;
    const last = record.attempts.at(-1);
    if (!last) return report('never-sent');
    const lookUp = reconcilable(record.mutation);
    if (!lookUp) return report('cannot-look-up');
    if (!registry.has(record.provider)) return report('failed', `${record.provider.toUpperCase()} is not configured here`);
    if (record.status === 'IN_PROGRESS' && Date.now() < Date.parse(last.sentAt) + requestDeadlineMs) return report('in-flight');

    const cx = createCallContext(`reconcile-${randomUUID()}`, log, AbortSignal.timeout(requestDeadlineMs));
    const w: WriteRequest = { cx, gatewayKey: record.key, attempt: last.number, ...deriveKeys(record.tenant, record.key, record.provider, last.number) };
    let found;
    try {
      found = await registry.get(record.provider).findOperation(lookUp.kind, w.reference, w);
    } catch (error) {
      return report('failed', error instanceof Error ? error.message : String(error));
    }
    if (!found) return report('not-found');

    const earlier = await store.audit.list({ tenant: record.tenant, idempotencyKey: record.key, limit: 1 }).catch(() => []);
    const entry = auditBuilder(
      { viewer: { tenant: record.tenant, subject: RECONCILER_SUBJECT }, requestId: cx.requestId },
      { action: `mutation.${record.mutation}`, target: earlier[0]?.target ?? `provider:${record.provider}`, provider: record.provider, idempotencyKey: record.key },
    );
    const { copies, ...operation } = found;
    const duplicate = record.duplicateDetected === true || (copies ?? 1) > 1;
    if (copies !== undefined && copies > 1 && !record.duplicateDetected) {
      await mutations.duplicateDetected(log, record, last, copies, entry('DUPLICATE_DETECTED', { attempt: last.number }));
    }
    if (record.status !== 'IN_PROGRESS' && record.status !== 'OUTCOME_UNKNOWN') return report('confirmed', undefined, duplicate);
    try {
      await store.records.recordOutcome(record.tenant, record.key, { status: 'SUCCEEDED', result: plain(lookUp.fromOperation(operation)) }, entry('RECONCILED', { attempt: last.number }));
      mutations.health.succeeded();
    } catch (error) {
      mutations.health.failed('recordOutcome', error, log);
      return report('failed', 'found upstream, but the store refused the outcome', duplicate);
    }
    mutations.counters.reconciled += 1;
    return report('reconciled', undefined, duplicate);
  }
}
