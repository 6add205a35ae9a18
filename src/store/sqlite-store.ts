/**
 * The embedded engine: one SQLite file (better-sqlite3 12) in `.cardplane/`, for `npm start`
 * and any single-machine deployment. WAL journal with `synchronous=FULL`, so a transaction is
 * on disk when its call resolves and a crash (even `kill -9` mid-write) leaves each transaction
 * wholly there or wholly absent; every multi-row write (attempt + audit entry, outcome + audit
 * entry, a purge) is one transaction. A file that is not a database, or fails SQLite's
 * `quick_check`, stops start-up with a message naming it: never a silent fresh start over lost
 * idempotency records.
 *
 * better-sqlite3 is synchronous: statements are prepared once, each call runs in microseconds
 * and blocks nothing for long; the methods still return promises to keep the contract's shape.
 * Several processes may share one file (SQLite locks it; writers wait up to the busy timeout),
 * but several replicas on several machines need PostgreSQL.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StateDatabaseError, UnknownKeyError } from './errors.js';
import { mayRecordAttempt, mayReplaceStatus, SETTLED_STATUSES, UNCERTAIN_STATUSES } from './record-rules.js';
import {
  AUDIT_COLUMNS,
  auditFromRow,
  auditValues,
  grantFromRow,
  jsonText,
  recordFromRow,
  type AttemptRow,
  type AuditRow,
  type GrantRow,
  type RecordRow,
} from './rows.js';
import type { AttemptRecord, AuditEntry, ClaimResult, IdempotencyRecord, Outcome, RevealGrant, StateStore } from './state-store.js';

/** The schema, one step per version (`PRAGMA user_version`); applied in order, never edited once released. */
const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE idempotency_records (
        tenant TEXT NOT NULL,
        key TEXT NOT NULL,
        subject TEXT NOT NULL,
        mutation TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        provider TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'OUTCOME_UNKNOWN', 'NOT_SENT')),
        result TEXT,
        error TEXT,
        duplicate_detected INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, key)
      );
      CREATE INDEX idempotency_records_updated ON idempotency_records (updated_at);
      CREATE TABLE write_attempts (
        tenant TEXT NOT NULL,
        key TEXT NOT NULL,
        number INTEGER NOT NULL,
        reference TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        resend INTEGER NOT NULL,
        PRIMARY KEY (tenant, key, number),
        FOREIGN KEY (tenant, key) REFERENCES idempotency_records (tenant, key) ON DELETE CASCADE
      );
      CREATE TABLE audit_entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL CHECK (at <> ''),
        request_id TEXT NOT NULL CHECK (request_id <> ''),
        tenant TEXT NOT NULL CHECK (tenant <> ''),
        subject TEXT NOT NULL CHECK (subject <> ''),
        action TEXT NOT NULL CHECK (action <> ''),
        target TEXT NOT NULL CHECK (target <> ''),
        provider TEXT NOT NULL CHECK (provider <> ''),
        outcome TEXT NOT NULL CHECK (outcome <> ''),
        idempotency_key TEXT,
        attempt INTEGER,
        code TEXT,
        upstream_request_id TEXT
      );
      CREATE INDEX audit_entries_key ON audit_entries (idempotency_key, tenant);
      CREATE INDEX audit_entries_at ON audit_entries (at);
      CREATE TABLE reveal_tokens (
        digest TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        subject TEXT NOT NULL,
        provider TEXT NOT NULL,
        ref TEXT NOT NULL,
        card_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
];

export interface SqliteStoreOptions {
  path: string;
  /** The clock for record times and lease expiry (tests move it by hand). */
  now?: () => Date;
  /** How long a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export async function openSqliteStore(options: SqliteStoreOptions): Promise<StateStore> {
  return SqliteStateStore.open(options);
}

export class SqliteStateStore implements StateStore {
  readonly engine = 'sqlite';
  private readonly now: () => Date;
  private readonly sql;
  private readonly tx;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    now: () => Date,
  ) {
    this.now = now;
    const auditInsert = `INSERT INTO audit_entries (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`;
    this.sql = {
      record: db.prepare<[string, string], RecordRow>('SELECT * FROM idempotency_records WHERE tenant = ? AND key = ?'),
      attempts: db.prepare<[string, string], AttemptRow>('SELECT * FROM write_attempts WHERE tenant = ? AND key = ? ORDER BY number'),
      claim: db.prepare(
        `INSERT INTO idempotency_records (tenant, key, subject, mutation, fingerprint, provider, status, result, error, duplicate_detected, created_at, updated_at)
         VALUES (@tenant, @key, @subject, @mutation, @fingerprint, @provider, 'IN_PROGRESS', @result, @error, @duplicate, @createdAt, @updatedAt)
         ON CONFLICT (tenant, key) DO NOTHING`,
      ),
      attemptWritten: db.prepare<[string, string, number], { number: number }>('SELECT number FROM write_attempts WHERE tenant = ? AND key = ? AND number = ?'),
      writeAttempt: db.prepare(
        `INSERT INTO write_attempts (tenant, key, number, reference, sent_at, resend) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, key, number) DO UPDATE SET reference = excluded.reference, sent_at = excluded.sent_at, resend = excluded.resend`,
      ),
      setInProgress: db.prepare(`UPDATE idempotency_records SET status = 'IN_PROGRESS', updated_at = ? WHERE tenant = ? AND key = ?`),
      setOutcome: db.prepare('UPDATE idempotency_records SET status = ?, result = ?, error = ?, updated_at = ? WHERE tenant = ? AND key = ?'),
      setDuplicate: db.prepare('UPDATE idempotency_records SET duplicate_detected = 1, updated_at = ? WHERE tenant = ? AND key = ?'),
      uncertain: db.prepare<[string | null, string | null, number], RecordRow>(
        `SELECT r.* FROM idempotency_records r
         WHERE (r.status IN (${inList(UNCERTAIN_STATUSES)}) OR r.duplicate_detected = 1
                OR EXISTS (SELECT 1 FROM write_attempts a WHERE a.tenant = r.tenant AND a.key = r.key AND a.resend = 1))
           AND (? IS NULL OR r.updated_at < ?)
         ORDER BY r.updated_at, r.tenant, r.key
         LIMIT ?`,
      ),
      audit: db.prepare(auditInsert),
      auditList: db.prepare<[string | null, string | null, string | null, string | null, number], AuditRow>(
        `SELECT * FROM (
           SELECT * FROM audit_entries WHERE (? IS NULL OR tenant = ?) AND (? IS NULL OR idempotency_key = ?) ORDER BY id DESC LIMIT ?
         ) ORDER BY id`,
      ),
      issueToken: db.prepare('INSERT INTO reveal_tokens (digest, tenant, subject, provider, ref, card_id, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      consumeToken: db.prepare<[string, string, string], GrantRow>('DELETE FROM reveal_tokens WHERE digest = ? AND tenant = ? AND subject = ? RETURNING *'),
      acquireLease: db.prepare(
        `INSERT INTO leases (name, owner, expires_at) VALUES (@name, @owner, @expiresAt)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE leases.owner = excluded.owner OR leases.expires_at <= @now`,
      ),
      releaseLease: db.prepare('DELETE FROM leases WHERE name = ? AND owner = ?'),
      purgeRecords: db.prepare(`DELETE FROM idempotency_records WHERE status IN (${inList(SETTLED_STATUSES)}) AND duplicate_detected = 0 AND updated_at < ?`),
      purgeAudit: db.prepare('DELETE FROM audit_entries WHERE at < ?'),
      purgeTokens: db.prepare('DELETE FROM reveal_tokens WHERE expires_at < ?'),
      purgeLeases: db.prepare('DELETE FROM leases WHERE expires_at <= ?'),
    };
    this.tx = {
      claim: db.transaction(this.claimTx),
      attempt: db.transaction(this.attemptTx),
      outcome: db.transaction(this.outcomeTx),
      duplicate: db.transaction(this.duplicateTx),
      purge: db.transaction(this.purgeTx),
    };
  }

  /** Opens (creating if need be), verifies and migrates the file; throws StateDatabaseError naming it. */
  static open({ path, now = () => new Date(), busyTimeoutMs = 5_000 }: SqliteStoreOptions): SqliteStateStore {
    const file = resolve(path);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Created by us first, so the file (and its -wal and -shm, which copy its mode) is private.
    closeSync(openSync(file, 'a', 0o600));
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { timeout: busyTimeoutMs });
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(String(check));
    } catch (error) {
      db?.close();
      throw new StateDatabaseError(
        `The state database ${file} is damaged or is not a SQLite database (${(error as Error).message}). ` +
          'Cardplane will not start on it: its idempotency records protect against paying twice. Restore it from a backup, or move it aside to start empty.',
        { cause: error },
      );
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db, file);
      return new SqliteStateStore(db, file, now);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private recordOf(tenant: string, key: string): IdempotencyRecord | undefined {
    const row = this.sql.record.get(tenant, key);
    return row ? recordFromRow(row, this.sql.attempts.all(tenant, key)) : undefined;
  }

  private statusOf(tenant: string, key: string) {
    const row = this.sql.record.get(tenant, key);
    if (!row) throw new UnknownKeyError(tenant, key);
    return row.status as IdempotencyRecord['status'];
  }

  private appendAudit(entry: AuditEntry): void {
    this.sql.audit.run(...auditValues(entry));
  }

  // Each write is an IMMEDIATE transaction: it takes the write lock before reading, so what it
  // decides on (a status, an existing attempt) cannot change under it, even from another process.
  private readonly claimTx = (record: Omit<IdempotencyRecord, 'attempts' | 'status'>): ClaimResult => {
    const inserted = this.sql.claim.run({
      ...record,
      result: jsonText(record.result),
      error: jsonText(record.error),
      duplicate: record.duplicateDetected ? 1 : 0,
    });
    return { claimed: inserted.changes === 1, record: this.recordOf(record.tenant, record.key)! };
  };

  private readonly attemptTx = (tenant: string, key: string, attempt: AttemptRecord, audit: AuditEntry): boolean => {
    const written = this.sql.attemptWritten.get(tenant, key, attempt.number) !== undefined;
    if (!mayRecordAttempt(this.statusOf(tenant, key), written)) return false;
    this.sql.writeAttempt.run(tenant, key, attempt.number, attempt.reference, attempt.sentAt, attempt.resend ? 1 : 0);
    this.sql.setInProgress.run(this.now().toISOString(), tenant, key);
    this.appendAudit(audit);
    return true;
  };

  private readonly outcomeTx = (tenant: string, key: string, outcome: Outcome, audit: AuditEntry): void => {
    if (mayReplaceStatus(this.statusOf(tenant, key))) {
      this.sql.setOutcome.run(outcome.status, jsonText(outcome.result), jsonText(outcome.error), this.now().toISOString(), tenant, key);
    }
    this.appendAudit(audit);
  };

  private readonly duplicateTx = (tenant: string, key: string, audit: AuditEntry): void => {
    if (this.sql.setDuplicate.run(this.now().toISOString(), tenant, key).changes === 0) throw new UnknownKeyError(tenant, key);
    this.appendAudit(audit);
  };

  private readonly purgeTx = (olderThan: Date) => {
    const cutoff = olderThan.toISOString();
    const result = {
      records: this.sql.purgeRecords.run(cutoff).changes,
      audit: this.sql.purgeAudit.run(cutoff).changes,
      revealTokens: this.sql.purgeTokens.run(olderThan.getTime()).changes,
    };
    this.sql.purgeLeases.run(this.now().getTime());
    return result;
  };

  /**
   * Runs one synchronous call, turning SQLite's own errors into StateDatabaseErrors that name
   * the file (a full disk, a lock held too long): one error type for callers, whatever failed.
   */
  private async run<T>(work: () => T): Promise<T> {
    try {
      return work();
    } catch (error) {
      if (error instanceof UnknownKeyError || error instanceof StateDatabaseError) throw error;
      throw new StateDatabaseError(`The state database ${this.path} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }

  readonly records = {
    get: (tenant: string, key: string) => this.run(() => this.recordOf(tenant, key)),
    claim: (record: Omit<IdempotencyRecord, 'attempts' | 'status'>) => this.run(() => this.tx.claim.immediate(record)),
    recordAttempt: (tenant: string, key: string, attempt: AttemptRecord, audit: AuditEntry) => this.run(() => this.tx.attempt.immediate(tenant, key, attempt, audit)),
    recordOutcome: (tenant: string, key: string, outcome: Outcome, audit: AuditEntry) => this.run(() => this.tx.outcome.immediate(tenant, key, outcome, audit)),
    markDuplicate: (tenant: string, key: string, audit: AuditEntry) => this.run(() => this.tx.duplicate.immediate(tenant, key, audit)),
    listUncertain: ({ updatedBefore, limit }: { updatedBefore?: Date; limit: number }) =>
      this.run(() => {
        const before = updatedBefore?.toISOString() ?? null;
        return this.sql.uncertain.all(before, before, limit).map((row) => recordFromRow(row, this.sql.attempts.all(row.tenant, row.key)));
      }),
  };

  readonly audit = {
    record: (entry: AuditEntry) => this.run(() => this.appendAudit(entry)),
    list: ({ tenant, idempotencyKey, limit }: { tenant?: string; idempotencyKey?: string; limit: number }) =>
      this.run(() => this.sql.auditList.all(tenant ?? null, tenant ?? null, idempotencyKey ?? null, idempotencyKey ?? null, limit).map(auditFromRow)),
  };

  readonly revealTokens = {
    issue: (digest: string, grant: RevealGrant) =>
      this.run(() => {
        this.sql.issueToken.run(digest, grant.tenant, grant.subject, grant.provider, grant.ref, grant.cardId, grant.expiresAt);
      }),
    consume: (digest: string, viewer: { tenant: string; subject: string }) =>
      this.run(() => {
        const row = this.sql.consumeToken.get(digest, viewer.tenant, viewer.subject);
        return row ? grantFromRow(row) : null;
      }),
  };

  readonly leases = {
    acquire: (name: string, owner: string, ttlMs: number) =>
      this.run(() => {
        const now = this.now().getTime();
        return this.sql.acquireLease.run({ name, owner, expiresAt: now + ttlMs, now }).changes === 1;
      }),
    release: (name: string, owner: string) =>
      this.run(() => {
        this.sql.releaseLease.run(name, owner);
      }),
  };

  async check(): Promise<void> {
    try {
      this.db.prepare('SELECT 1').get();
    } catch (error) {
      throw new StateDatabaseError(`The state database ${this.path} does not answer: ${(error as Error).message}`, { cause: error });
    }
  }

  purge(olderThan: Date) {
    return this.run(() => this.tx.purge.immediate(olderThan));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** The journal settings in force (for tests and start-up logs). */
  settings(): { journalMode: string; synchronous: number } {
    return { journalMode: String(this.db.pragma('journal_mode', { simple: true })), synchronous: Number(this.db.pragma('synchronous', { simple: true })) };
  }
}

function migrate(db: Database.Database, file: string): void {
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  db.transaction(() => {
    const current = Number(db.pragma('user_version', { simple: true }));
    if (current > latest) {
      throw new StateDatabaseError(`The state database ${file} has schema version ${current}, newer than this Cardplane knows (${latest}): run a newer version, or restore a backup`);
    }
    for (const step of MIGRATIONS) {
      if (step.version <= current) continue;
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    }
  }).immediate();
}
