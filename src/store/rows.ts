/**
 * Rows ↔ contract objects, shared by the SQL engines (SQLite and PostgreSQL use the same table
 * and column names). Both hand JSON columns over as text and times as ISO strings or Dates; the
 * mappers accept either, so the engines differ only in their SQL.
 */
import type { ErrorCode } from '../core/errors.js';
import type { ProviderKey } from '../core/provider-key.js';
import type { AttemptRecord, AuditEntry, AuditOutcome, IdempotencyRecord, RecordStatus, RevealGrant } from './state-store.js';

type Time = string | Date;
const iso = (t: Time): string => (t instanceof Date ? t.toISOString() : t);
const parse = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

export interface RecordRow {
  tenant: string;
  key: string;
  subject: string;
  mutation: string;
  fingerprint: string;
  provider: string;
  status: string;
  result: string | null;
  error: string | null;
  duplicate_detected: boolean | number;
  created_at: Time;
  updated_at: Time;
}

export interface AttemptRow {
  tenant: string;
  key: string;
  number: number;
  reference: string;
  sent_at: Time;
  resend: boolean | number;
}

function attemptFromRow(row: AttemptRow): AttemptRecord {
  return { number: Number(row.number), reference: row.reference, sentAt: iso(row.sent_at), resend: Boolean(row.resend) };
}

export function recordFromRow(row: RecordRow, attempts: AttemptRow[]): IdempotencyRecord {
  const record: IdempotencyRecord = {
    tenant: row.tenant,
    key: row.key,
    subject: row.subject,
    mutation: row.mutation,
    fingerprint: row.fingerprint,
    provider: row.provider as ProviderKey,
    status: row.status as RecordStatus,
    attempts: attempts.map(attemptFromRow).sort((a, b) => a.number - b.number),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
  const result = parse(row.result);
  const error = parse(row.error);
  if (result !== undefined) record.result = result;
  if (error !== undefined) record.error = error as IdempotencyRecord['error'];
  if (row.duplicate_detected) record.duplicateDetected = true;
  return record;
}

/** JSON text for a JSON column; `undefined` is SQL NULL. */
export const jsonText = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

export interface AuditRow {
  at: Time;
  request_id: string;
  tenant: string;
  subject: string;
  action: string;
  target: string;
  provider: string;
  outcome: string;
  idempotency_key: string | null;
  attempt: number | null;
  code: string | null;
  upstream_request_id: string | null;
  resend: boolean | number | null;
}

/** The audit columns in insert order, and their values for one entry (missing fields are NULL). */
export const AUDIT_COLUMNS = ['at', 'request_id', 'tenant', 'subject', 'action', 'target', 'provider', 'outcome', 'idempotency_key', 'attempt', 'code', 'upstream_request_id', 'resend'] as const;

export function auditValues(entry: AuditEntry): unknown[] {
  return [
    entry.at,
    entry.requestId,
    entry.tenant,
    entry.subject,
    entry.action,
    entry.target,
    entry.provider,
    entry.outcome,
    entry.idempotencyKey ?? null,
    entry.attempt ?? null,
    entry.code ?? null,
    entry.upstreamRequestId ?? null,
    // 1 rather than true: SQLite binds no booleans, PostgreSQL reads '1' as true.
    entry.resend ? 1 : null,
  ];
}

export function auditFromRow(row: AuditRow): AuditEntry {
  const entry: AuditEntry = {
    at: iso(row.at),
    requestId: row.request_id,
    tenant: row.tenant,
    subject: row.subject,
    action: row.action,
    target: row.target,
    provider: row.provider as ProviderKey,
    outcome: row.outcome as AuditOutcome,
  };
  if (row.idempotency_key !== null) entry.idempotencyKey = row.idempotency_key;
  if (row.attempt !== null) entry.attempt = Number(row.attempt);
  if (row.code !== null) entry.code = row.code as ErrorCode;
  if (row.upstream_request_id !== null) entry.upstreamRequestId = row.upstream_request_id;
  if (row.resend) entry.resend = true;
  return entry;
}

export interface GrantRow {
  tenant: string;
  subject: string;
  provider: string;
  ref: string;
  card_id: string;
  expires_at: number | string;
}

export function grantFromRow(row: GrantRow): RevealGrant {
  return { tenant: row.tenant, subject: row.subject, provider: row.provider as ProviderKey, ref: row.ref, cardId: row.card_id, expiresAt: Number(row.expires_at) };
}

/** Groups attempt rows by record, for listing many records with one attempts query. */
export function attemptsByRecord(rows: AttemptRow[]): Map<string, AttemptRow[]> {
  const grouped = new Map<string, AttemptRow[]>();
  for (const row of rows) {
    const id = `${row.tenant}\u0000${row.key}`;
    grouped.set(id, [...(grouped.get(id) ?? []), row]);
  }
  return grouped;
}
