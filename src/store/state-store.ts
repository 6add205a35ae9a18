/**
 * The contract of Cardplane's durable, shared state: everything that must survive a crash or
 * be shared by replicas — idempotency records and their attempts, the audit trail, reveal
 * tokens and leases. Two engines implement it (see ARCHITECTURE.md, "State"): an embedded one
 * for `npm start` (SQLite in `.cardplane/`) and PostgreSQL when `DATABASE_URL` is set, shared
 * by any number of gateway replicas. One contract test suite runs against every engine.
 *
 * Every method that returns a promise is durable when it resolves (committed, fsync'd by the
 * engine) and atomic: a crash leaves either all of a call's writes or none of them. Times are
 * the gateway's clock (ISO 8601 strings, epoch milliseconds for reveal tokens and leases), so
 * replicas sharing one database need synchronised clocks (NTP), as any lease-based system does.
 */
import type { ErrorCode, UpstreamInfo } from '../core/errors.js';
import type { ProviderKey } from '../core/provider-key.js';

export type RecordStatus =
  /** Claimed, and perhaps sent: until an outcome is recorded, as uncertain as OUTCOME_UNKNOWN. */
  | 'IN_PROGRESS'
  | 'SUCCEEDED'
  /** A definitive refusal (e.g. insufficient funds): replayed as the same error. */
  | 'FAILED'
  | 'OUTCOME_UNKNOWN'
  /** Refused before anything reached the provider (circuit open, rate limit): free to retry. */
  | 'NOT_SENT';

export interface StoredError {
  code: ErrorCode;
  message: string;
  provider?: ProviderKey;
  upstream?: UpstreamInfo;
}

/** One attempt to send a write upstream, written before its first byte leaves the gateway. */
export interface AttemptRecord {
  /** 0 for the first attempt, then 1, 2, … (feeds the derived upstream key and reference). */
  number: number;
  /** The reference derived for this attempt, by which the provider can look the write up. */
  reference: string;
  /** When the attempt was (about to be) sent, ISO 8601. */
  sentAt: string;
  /**
   * Sent again after an earlier attempt's settle window, to a provider that has neither
   * idempotency keys nor a duplicate-reference refusal: the reconciliation sweep watches it.
   */
  resend: boolean;
}

export interface IdempotencyRecord {
  tenant: string;
  key: string;
  subject: string;
  mutation: string;
  fingerprint: string;
  provider: ProviderKey;
  status: RecordStatus;
  /** Oldest first; empty until the first attempt is written ahead. */
  attempts: AttemptRecord[];
  result?: unknown;
  error?: StoredError;
  /** Set by reconciliation when one reference appears more than once upstream. */
  duplicateDetected?: boolean;
  createdAt: string;
  updatedAt: string;
}

export type AuditOutcome = 'ATTEMPTED' | 'SUCCEEDED' | 'FAILED' | 'DENIED' | 'OUTCOME_UNKNOWN' | 'REPLAYED' | 'RECONCILED' | 'DUPLICATE_DETECTED';

export interface AuditEntry {
  at: string;
  requestId: string;
  tenant: string;
  subject: string;
  /** `card.reveal.requested`, `card.reveal.redeemed`, or `mutation.<name>`. */
  action: string;
  /** The global id of the object acted on (for a create: of its parent or the new object). */
  target: string;
  provider: ProviderKey;
  outcome: AuditOutcome;
  /** The client's idempotency key, for mutations that take one. */
  idempotencyKey?: string;
  /** The attempt number, for ATTEMPTED and the outcome that follows it. */
  attempt?: number;
  /**
   * On an ATTEMPTED entry: the attempt is a resend (its attempt record's `resend`), sent after an
   * earlier attempt's settle window to a provider that can refuse no copy. Absent otherwise.
   */
  resend?: true;
  code?: ErrorCode;
  upstreamRequestId?: string;
}

export interface RevealGrant {
  tenant: string;
  subject: string;
  provider: ProviderKey;
  ref: string;
  /** The card's global id (for the audit trail). */
  cardId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The outcome written after an attempt's answer (or its failure). */
export interface Outcome {
  status: Exclude<RecordStatus, 'IN_PROGRESS'>;
  result?: unknown;
  error?: StoredError;
}

export type ClaimResult =
  /** The key was free: this caller owns it and the record is new (status IN_PROGRESS, no attempts). */
  | { claimed: true; record: IdempotencyRecord }
  /** The key exists: its record as stored (the caller replays, reconciles, waits or refuses). */
  | { claimed: false; record: IdempotencyRecord };

export interface IdempotencyRecords {
  get(tenant: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Inserts the record if (tenant, key) is free — exactly one caller fleet-wide wins. */
  claim(record: Omit<IdempotencyRecord, 'attempts' | 'status'>): Promise<ClaimResult>;
  /**
   * Write-ahead: the attempt and its ATTEMPTED audit entry, in one transaction, before the
   * attempt is sent. Sets the status to IN_PROGRESS.
   *
   * Resolves `false`, writing nothing, when the attempt must not be sent: the record is final
   * (SUCCEEDED or FAILED), or an attempt with this number is already written and the record is
   * not NOT_SENT (another request or replica got there first, and may be sending it). Only
   * after NOT_SENT (nothing reached the provider) may the same number be written again; it
   * then replaces the earlier one. Rejects when the key was never claimed.
   */
  recordAttempt(tenant: string, key: string, attempt: AttemptRecord, audit: AuditEntry): Promise<boolean>;
  /**
   * The outcome and its audit entry, in one transaction. A SUCCEEDED record is never
   * overwritten by another status (the call then only writes the audit entry, which is still
   * true). Rejects when the key was never claimed.
   */
  recordOutcome(tenant: string, key: string, outcome: Outcome, audit: AuditEntry): Promise<void>;
  /** Sets `duplicateDetected` and writes the audit entry, in one transaction. */
  markDuplicate(tenant: string, key: string, audit: AuditEntry): Promise<void>;
  /**
   * Records an operator might need to look at: OUTCOME_UNKNOWN, IN_PROGRESS, with a resent
   * attempt, or duplicated upstream; least recently updated first.
   */
  listUncertain(options: { updatedBefore?: Date; limit: number }): Promise<IdempotencyRecord[]>;
}

export interface AuditTrail {
  record(entry: AuditEntry): Promise<void>;
  /** The newest `limit` matching entries, in the order they were recorded (newest last). */
  list(filter: { tenant?: string; idempotencyKey?: string; limit: number }): Promise<AuditEntry[]>;
}

export interface RevealTokenStore {
  /** Stores a grant under the token's digest (never the token itself). */
  issue(digest: string, grant: RevealGrant): Promise<void>;
  /**
   * The grant issued to this viewer, removed atomically: of concurrent redeemers fleet-wide,
   * exactly one gets it. Another viewer gets null and does not use the token up. Expiry is
   * the caller's to check (the grant carries `expiresAt`).
   */
  consume(digest: string, viewer: { tenant: string; subject: string }): Promise<RevealGrant | null>;
}

export interface Leases {
  /**
   * True when `owner` now holds `name` for `ttlMs`: the lease was free, expired, or already
   * its own (renewed). False while another owner holds an unexpired lease.
   */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up, if `owner` holds it (another owner's lease is left alone). */
  release(name: string, owner: string): Promise<void>;
}

export interface StateStore {
  /** `sqlite` or `postgres`, for readiness and logs. */
  readonly engine: string;
  readonly records: IdempotencyRecords;
  readonly audit: AuditTrail;
  readonly revealTokens: RevealTokenStore;
  readonly leases: Leases;
  /** Resolves when the store answers (readiness); rejects with a message naming the problem. */
  check(): Promise<void>;
  /**
   * Deletes what is older than `olderThan`, in one transaction: settled records (SUCCEEDED,
   * FAILED, NOT_SENT, not duplicated) last updated before it, with their attempts; audit
   * entries recorded (`at`) before it; reveal tokens that expired before it; expired leases.
   * Uncertain records (IN_PROGRESS, OUTCOME_UNKNOWN, duplicated upstream) are kept until
   * settled, however old: forgetting one would let a resubmit send the money again.
   */
  purge(olderThan: Date): Promise<{ records: number; audit: number; revealTokens: number }>;
  close(): Promise<void>;
}
