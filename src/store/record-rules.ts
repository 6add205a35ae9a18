/**
 * The decisions every engine makes the same way, as pure functions over what it has read
 * inside its transaction: whether a write-ahead may proceed, whether an outcome may replace
 * the stored status, what counts as uncertain, and what retention may forget. Keeping them
 * here is what makes "one contract" true of the engines, not only of their tests.
 */
import type { AuditEntry, IdempotencyRecord, RecordStatus } from './state-store.js';

/** Statuses that nothing may follow with a new attempt: the key's answer is settled. */
const FINAL: ReadonlySet<RecordStatus> = new Set<RecordStatus>(['SUCCEEDED', 'FAILED']);

/** Statuses a resubmit has to reconcile before anything else (they may have reached the provider). */
export const UNCERTAIN_STATUSES: readonly RecordStatus[] = ['IN_PROGRESS', 'OUTCOME_UNKNOWN'];

/** Statuses retention may forget once old enough. */
export const SETTLED_STATUSES: readonly RecordStatus[] = ['SUCCEEDED', 'FAILED', 'NOT_SENT'];

/**
 * May an attempt with this number be written ahead? Not over a final status, and not twice
 * (someone else wrote it and may be sending it) — unless the record says NOT_SENT: nothing of
 * the earlier try reached the provider, so the same number is free to be sent again.
 */
export function mayRecordAttempt(status: RecordStatus, numberAlreadyWritten: boolean): boolean {
  if (FINAL.has(status)) return false;
  return !numberAlreadyWritten || status === 'NOT_SENT';
}

/** SUCCEEDED is never downgraded: money moved, and every later answer must say so. */
export function mayReplaceStatus(stored: RecordStatus): boolean {
  return stored !== 'SUCCEEDED';
}

export function isUncertain(record: IdempotencyRecord): boolean {
  return UNCERTAIN_STATUSES.includes(record.status) || record.duplicateDetected === true || record.attempts.some((a) => a.resend);
}

export function isPurgeable(record: IdempotencyRecord, olderThan: Date): boolean {
  return SETTLED_STATUSES.includes(record.status) && !record.duplicateDetected && record.updatedAt < olderThan.toISOString();
}

/** The audit fields an engine refuses to store without (the SQL engines enforce them as NOT NULL). */
const REQUIRED_AUDIT_FIELDS = ['at', 'requestId', 'tenant', 'subject', 'action', 'target', 'provider', 'outcome'] as const;

export function checkAuditEntry(entry: AuditEntry): void {
  const missing = REQUIRED_AUDIT_FIELDS.find((field) => typeof entry[field] !== 'string' || entry[field] === '');
  if (missing) throw new TypeError(`An audit entry needs ${missing}`);
}
