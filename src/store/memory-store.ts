/**
 * The state store in process memory: for unit tests of the layers above, never for a running
 * gateway (nothing survives a restart, nothing is shared). It keeps the same contract as the
 * durable engines — the contract suite runs against it too — and each method changes its
 * maps without awaiting in between, so a call is as atomic here as a transaction there.
 */
import {
  checkAuditEntry,
  isPurgeable,
  isUncertain,
  mayRecordAttempt,
  mayReplaceStatus,
} from './record-rules.js';
import { UnknownKeyError } from './errors.js';
import type {
  AuditEntry,
  ClaimResult,
  IdempotencyRecord,
  Outcome,
  RevealGrant,
  StateStore,
} from './state-store.js';

const slot = (tenant: string, key: string) => `${tenant}\u0000${key}`;

/** Records are handed out as copies, so a caller cannot change the store by mutating one. */
const copy = <T>(value: T): T => structuredClone(value);

export interface MemoryStoreOptions {
  now?: () => Date;
}

export class MemoryStateStore implements StateStore {
  readonly engine = 'memory';
  private readonly recordMap = new Map<string, IdempotencyRecord>();
  private auditEntries: AuditEntry[] = [];
  private readonly tokens = new Map<string, RevealGrant>();
  private readonly leaseMap = new Map<string, { owner: string; expiresAt: number }>();
  private closed = false;
  private readonly now: () => Date;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  private open(): void {
    if (this.closed) throw new Error('The memory state store is closed');
  }

  private existing(tenant: string, key: string): IdempotencyRecord {
    const record = this.recordMap.get(slot(tenant, key));
    if (!record) throw new UnknownKeyError(tenant, key);
    return record;
  }

  private appendAudit(entry: AuditEntry): void {
    checkAuditEntry(entry);
    this.auditEntries.push(copy(entry));
  }

  readonly records = {
    get: async (tenant: string, key: string) => {
      this.open();
      const record = this.recordMap.get(slot(tenant, key));
      return record ? copy(record) : undefined;
    },
    claim: async (record: Omit<IdempotencyRecord, 'attempts' | 'status'>): Promise<ClaimResult> => {
      this.open();
      const existing = this.recordMap.get(slot(record.tenant, record.key));
      if (existing) return { claimed: false, record: copy(existing) };
      const created: IdempotencyRecord = { ...copy(record), status: 'IN_PROGRESS', attempts: [] };
      this.recordMap.set(slot(record.tenant, record.key), created);
      return { claimed: true, record: copy(created) };
    },
    recordAttempt: async (tenant: string, key: string, attempt: IdempotencyRecord['attempts'][number], audit: AuditEntry) => {
      this.open();
      const record = this.existing(tenant, key);
      const written = record.attempts.some((a) => a.number === attempt.number);
      if (!mayRecordAttempt(record.status, written)) return false;
      checkAuditEntry(audit);
      record.attempts = [...record.attempts.filter((a) => a.number !== attempt.number), copy(attempt)].sort((a, b) => a.number - b.number);
      record.status = 'IN_PROGRESS';
      record.updatedAt = this.now().toISOString();
      this.appendAudit(audit);
      return true;
    },
    recordOutcome: async (tenant: string, key: string, outcome: Outcome, audit: AuditEntry) => {
      this.open();
      const record = this.existing(tenant, key);
      checkAuditEntry(audit);
      if (mayReplaceStatus(record.status)) {
        record.status = outcome.status;
        record.result = copy(outcome.result);
        record.error = copy(outcome.error);
        record.updatedAt = this.now().toISOString();
      }
      this.appendAudit(audit);
    },
    markDuplicate: async (tenant: string, key: string, audit: AuditEntry) => {
      this.open();
      const record = this.existing(tenant, key);
      checkAuditEntry(audit);
      record.duplicateDetected = true;
      record.updatedAt = this.now().toISOString();
      this.appendAudit(audit);
    },
    listUncertain: async ({ updatedBefore, limit }: { updatedBefore?: Date; limit: number }) => {
      this.open();
      return [...this.recordMap.values()]
        .filter((r) => isUncertain(r) && (!updatedBefore || r.updatedAt < updatedBefore.toISOString()))
        .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))
        .slice(0, limit)
        .map(copy);
    },
  };

  readonly audit = {
    record: async (entry: AuditEntry) => {
      this.open();
      this.appendAudit(entry);
    },
    list: async ({ tenant, idempotencyKey, limit }: { tenant?: string; idempotencyKey?: string; limit: number }) => {
      this.open();
      const matching = this.auditEntries.filter(
        (e) => (tenant === undefined || e.tenant === tenant) && (idempotencyKey === undefined || e.idempotencyKey === idempotencyKey),
      );
      return matching.slice(Math.max(0, matching.length - limit)).map(copy);
    },
  };

  readonly revealTokens = {
    issue: async (digest: string, grant: RevealGrant) => {
      this.open();
      this.tokens.set(digest, copy(grant));
    },
    consume: async (digest: string, viewer: { tenant: string; subject: string }) => {
      this.open();
      const grant = this.tokens.get(digest);
      if (!grant || grant.tenant !== viewer.tenant || grant.subject !== viewer.subject) return null;
      this.tokens.delete(digest);
      return grant;
    },
  };

  readonly leases = {
    acquire: async (name: string, owner: string, ttlMs: number) => {
      this.open();
      const now = this.now().getTime();
      const held = this.leaseMap.get(name);
      if (held && held.owner !== owner && held.expiresAt > now) return false;
      this.leaseMap.set(name, { owner, expiresAt: now + ttlMs });
      return true;
    },
    release: async (name: string, owner: string) => {
      this.open();
      if (this.leaseMap.get(name)?.owner === owner) this.leaseMap.delete(name);
    },
  };

  async check(): Promise<void> {
    this.open();
  }

  async purge(olderThan: Date) {
    this.open();
    let records = 0;
    for (const [id, record] of this.recordMap) {
      if (isPurgeable(record, olderThan)) {
        this.recordMap.delete(id);
        records += 1;
      }
    }
    const before = this.auditEntries.length;
    this.auditEntries = this.auditEntries.filter((e) => e.at >= olderThan.toISOString());
    let revealTokens = 0;
    for (const [digest, grant] of this.tokens) {
      if (grant.expiresAt < olderThan.getTime()) {
        this.tokens.delete(digest);
        revealTokens += 1;
      }
    }
    const now = this.now().getTime();
    for (const [name, lease] of this.leaseMap) if (lease.expiresAt <= now) this.leaseMap.delete(name);
    return { records, audit: before - this.auditEntries.length, revealTokens };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
