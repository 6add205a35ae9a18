/**
 * The embedded engine's database: one SQLite file (better-sqlite3 12) in `.cardplane/`, for
 * `npm start` and any single-machine deployment. WAL journal with `synchronous=FULL`, so a
 * transaction is on disk when its call returns and a crash (even `kill -9` mid-write) leaves
 * each transaction wholly there or wholly absent; every multi-row write (attempt + audit entry,
 * outcome + audit entry, a purge) is one transaction. A file that is not a database, or fails
 * SQLite's `quick_check`, stops start-up with a message naming it: never a silent fresh start
 * over lost idempotency records.
 *
 * better-sqlite3 is synchronous, and a commit waits for its fsync: this class runs in the
 * store's worker thread (sqlite-worker.ts), never on the gateway's event loop, and
 * `SqliteStateStore` (sqlite-store.ts) hands it one message per contract call. Each operation
 * is one transaction; nothing here is shared with the main thread.
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
import type { AttemptRecord, AuditEntry, ClaimResult, IdempotencyRecord, Outcome, RevealGrant } from './state-store.js';

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
  {
    version: 2,
    sql: 'ALTER TABLE audit_entries ADD COLUMN resend INTEGER;',
  },
];

/**
 * The connection's page cache, KiB. better-sqlite3 builds SQLite with 16 MB (SQLite's own
 * default is 2 MB); the state's hot pages are the ends of its indexes, and a page not cached is
 * one read from the operating system's file cache. Under a long run of top-ups the 16 MB
 * filled as the file grew and stayed resident (issue 14: peak RSS of the SQLite top-up).
 */
const PAGE_CACHE_KIB = 4_096;

export interface SqliteDatabaseOptions {
  path: string;
  /** How long a writer waits for another connection's lock before failing. */
  busyTimeoutMs: number;
}

const inList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/** The SQLite state store's operations, each one synchronous call and one transaction. */
export class SqliteDatabase {
  /** The caller's clock at the call being run (epoch ms): record times and lease expiry. */
  private callTime = Date.now();
  private readonly now = () => new Date(this.callTime);
  private readonly sql;
  private readonly tx;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {
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
  static open({ path, busyTimeoutMs }: SqliteDatabaseOptions): SqliteDatabase {
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
      db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
      migrate(db, file);
      return new SqliteDatabase(db, file);
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
   * Every operation of the store's contract, by the name a message to the worker gives it: one
   * synchronous call each, and each write one IMMEDIATE transaction.
   */
  readonly ops = {
    get: (tenant: string, key: string) => this.recordOf(tenant, key),
    claim: (record: Omit<IdempotencyRecord, 'attempts' | 'status'>) => this.tx.claim.immediate(record),
    recordAttempt: (tenant: string, key: string, attempt: AttemptRecord, audit: AuditEntry) => this.tx.attempt.immediate(tenant, key, attempt, audit),
    recordOutcome: (tenant: string, key: string, outcome: Outcome, audit: AuditEntry) => this.tx.outcome.immediate(tenant, key, outcome, audit),
    markDuplicate: (tenant: string, key: string, audit: AuditEntry) => this.tx.duplicate.immediate(tenant, key, audit),
    listUncertain: ({ updatedBefore, limit }: { updatedBefore?: Date; limit: number }) => {
      const before = updatedBefore?.toISOString() ?? null;
      return this.sql.uncertain.all(before, before, limit).map((row) => recordFromRow(row, this.sql.attempts.all(row.tenant, row.key)));
    },
    recordAudit: (entry: AuditEntry) => this.appendAudit(entry),
    listAudit: ({ tenant, idempotencyKey, limit }: { tenant?: string; idempotencyKey?: string; limit: number }) =>
      this.sql.auditList.all(tenant ?? null, tenant ?? null, idempotencyKey ?? null, idempotencyKey ?? null, limit).map(auditFromRow),
    issueRevealToken: (digest: string, grant: RevealGrant) => {
      this.sql.issueToken.run(digest, grant.tenant, grant.subject, grant.provider, grant.ref, grant.cardId, grant.expiresAt);
    },
    consumeRevealToken: (digest: string, viewer: { tenant: string; subject: string }) => {
      const row = this.sql.consumeToken.get(digest, viewer.tenant, viewer.subject);
      return row ? grantFromRow(row) : null;
    },
    acquireLease: (name: string, owner: string, ttlMs: number) => {
      const now = this.now().getTime();
      return this.sql.acquireLease.run({ name, owner, expiresAt: now + ttlMs, now }).changes === 1;
    },
    releaseLease: (name: string, owner: string) => {
      this.sql.releaseLease.run(name, owner);
    },
    check: () => {
      this.db.prepare('SELECT 1').get();
    },
    purge: (olderThan: Date) => this.tx.purge.immediate(olderThan),
    /** The journal settings in force (for tests and start-up logs). */
    settings: () => ({ journalMode: String(this.db.pragma('journal_mode', { simple: true })), synchronous: Number(this.db.pragma('synchronous', { simple: true })) }),
  };

  /**
   * Group commit: runs the calls in order inside one IMMEDIATE transaction, each in a savepoint
   * of its own (a call that fails undoes only its own writes), and commits once — one fsync for
   * all of them where each alone would pay its own, which is what bounds a durable store's
   * writes per second. Answers each call in order with what it returned or threw. Nothing is
   * answered before the commit; a commit that fails fails every call it carried.
   */
  runBatch(calls: readonly SqliteCall[]): SqliteResult[] {
    const results: SqliteResult[] = [];
    while (results.length < calls.length) {
      const rest = calls.slice(results.length);
      const ran: SqliteResult[] = [];
      let lost: SqliteResult | undefined;
      try {
        this.db.transaction(() => {
          for (const call of rest) {
            const result = this.runOne(call);
            ran.push(result);
            // Some failures (a full disk, an I/O error) make SQLite roll the whole transaction back.
            if ('error' in result && !this.db.inTransaction) throw (lost = result);
          }
        }).immediate();
        results.push(...ran);
      } catch (error) {
        // Nothing of this transaction is on disk: the calls it ran failed with it (when BEGIN or
        // COMMIT failed, all of them); the ones after a lost transaction go on in a new one.
        const failed: SqliteResult = lost ?? { error: describe(this.failure(error, 'failed')) };
        results.push(...(lost ? ran : rest).map(() => failed));
      }
    }
    return results;
  }

  /** One call, in its own savepoint of the batch's transaction (a nested better-sqlite3 transaction). */
  private runOne({ op, args, now }: SqliteCall): SqliteResult {
    this.callTime = now;
    const operation = this.ops[op] as (...values: unknown[]) => unknown;
    try {
      return { value: this.db.transaction(() => operation(...args))() };
    } catch (error) {
      return { error: describe(this.failure(error, op === 'check' ? 'does not answer' : 'failed')) };
    }
  }

  /** SQLite's own errors as StateDatabaseErrors naming the file (a full disk, a lock held too long). */
  private failure(error: unknown, what: string): Error {
    if (error instanceof UnknownKeyError || error instanceof StateDatabaseError) return error;
    return new StateDatabaseError(`The state database ${this.path} ${what}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export type SqliteOperations = SqliteDatabase['ops'];
export type SqliteOperation = keyof SqliteOperations;

/** One contract call as the worker receives it: `now` is the caller's clock when it was made. */
export interface SqliteCall<K extends SqliteOperation = SqliteOperation> {
  op: K;
  args: Parameters<SqliteOperations[K]>;
  /** Epoch milliseconds. */
  now: number;
}

/** An error as it crosses the thread boundary: its class name and message (which names the file). */
export interface SqliteError {
  name: string;
  message: string;
}

export type SqliteResult = { value: unknown } | { error: SqliteError };

function describe(error: unknown): SqliteError {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
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
