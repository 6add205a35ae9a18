/**
 * The shared engine: PostgreSQL through a `pg` pool, when `DATABASE_URL` is set. Any number of
 * gateway replicas share it and act as one gateway: a key is claimed by one unique insert
 * (`INSERT … ON CONFLICT DO NOTHING`), a write-ahead or an outcome decides under the record's
 * row lock (`SELECT … FOR UPDATE`), a reveal token is redeemed by one `DELETE … RETURNING`
 * (exactly once fleet-wide), and a lease is an upsert that only its holder or an expired lease
 * lets through.
 *
 * The schema comes from the versioned migrations below, applied at start-up under a PostgreSQL
 * advisory lock (replicas starting together apply each one once) and recorded in
 * `schema_migrations`. An unreachable database stops start-up, and later fails `check()`
 * (readiness), with a message naming host, port and database — never the password.
 */
import pg from 'pg';
import { StateDatabaseError, UnknownKeyError } from './errors.js';
import { mayRecordAttempt, mayReplaceStatus, SETTLED_STATUSES, UNCERTAIN_STATUSES } from './record-rules.js';
import {
  AUDIT_COLUMNS,
  attemptsByRecord,
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

/** The schema, one step per version; applied in order, never edited once released. */
const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'records, attempts, audit trail, reveal tokens, leases',
    sql: `
      CREATE TABLE idempotency_records (
        tenant TEXT NOT NULL,
        key TEXT NOT NULL,
        subject TEXT NOT NULL,
        mutation TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        provider TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'OUTCOME_UNKNOWN', 'NOT_SENT')),
        result JSONB,
        error JSONB,
        duplicate_detected BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (tenant, key)
      );
      CREATE INDEX idempotency_records_updated ON idempotency_records (updated_at);
      CREATE INDEX idempotency_records_uncertain ON idempotency_records (updated_at)
        WHERE status IN ('IN_PROGRESS', 'OUTCOME_UNKNOWN') OR duplicate_detected;
      CREATE TABLE write_attempts (
        tenant TEXT NOT NULL,
        key TEXT NOT NULL,
        number INTEGER NOT NULL,
        reference TEXT NOT NULL,
        sent_at TIMESTAMPTZ NOT NULL,
        resend BOOLEAN NOT NULL,
        PRIMARY KEY (tenant, key, number),
        FOREIGN KEY (tenant, key) REFERENCES idempotency_records (tenant, key) ON DELETE CASCADE
      );
      CREATE INDEX write_attempts_resent ON write_attempts (tenant, key) WHERE resend;
      CREATE TABLE audit_entries (
        id BIGSERIAL PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL,
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
        expires_at BIGINT NOT NULL
      );
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'an ATTEMPTED audit entry says whether it is a resend',
    sql: 'ALTER TABLE audit_entries ADD COLUMN resend BOOLEAN;',
  },
];

export interface PostgresStoreOptions {
  url: string;
  /** Connections in the pool. */
  poolSize?: number;
  /** A schema of its own (created if missing) instead of the database's default search path: for tests. */
  schema?: string;
  now?: () => Date;
  /** Errors of idle pooled connections (a restart of the server): logged, never fatal. */
  onError?: (error: Error) => void;
  connectTimeoutMs?: number;
}

/** Where the database is, for messages: never the password. */
function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    return `PostgreSQL at ${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const RECORD_COLUMNS = 'tenant, key, subject, mutation, fingerprint, provider, status, result::text AS result, error::text AS error, duplicate_detected, created_at, updated_at';

export async function openPostgresStore(options: PostgresStoreOptions): Promise<StateStore> {
  return PostgresStateStore.open(options);
}

type Queryable = Pick<pg.PoolClient, 'query'>;

class PostgresStateStore implements StateStore {
  readonly engine = 'postgres';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
    private readonly now: () => Date,
  ) {}

  static async open({ url, poolSize = 10, schema, now = () => new Date(), onError = () => undefined, connectTimeoutMs = 5_000 }: PostgresStoreOptions): Promise<PostgresStateStore> {
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new TypeError(`Not a plain schema name: ${schema}`);
    const where = describeDatabase(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: connectTimeoutMs,
      application_name: 'cardplane',
      options: schema ? `-c search_path=${schema}` : undefined,
    });
    pool.on('error', onError);
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new StateDatabaseError(`${where} (DATABASE_URL) is unreachable: ${(error as Error).message || String(error)}. Cardplane will not start without its state store.`, { cause: error });
    }
    try {
      await migrate(pool, where, schema);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return new PostgresStateStore(pool, where, now);
  }

  /** One transaction on one pooled connection; rolled back (and the connection dropped if broken) on any error. */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async recordOf(db: Queryable, tenant: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { rows } = await db.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM idempotency_records WHERE tenant = $1 AND key = $2`, [tenant, key]);
    if (rows.length === 0) return undefined;
    const attempts = await db.query<AttemptRow>('SELECT * FROM write_attempts WHERE tenant = $1 AND key = $2 ORDER BY number', [tenant, key]);
    return recordFromRow(rows[0]!, attempts.rows);
  }

  /** The record's status, with its row locked until the transaction ends. */
  private async lockedStatus(db: Queryable, tenant: string, key: string): Promise<IdempotencyRecord['status']> {
    const { rows } = await db.query<{ status: IdempotencyRecord['status'] }>('SELECT status FROM idempotency_records WHERE tenant = $1 AND key = $2 FOR UPDATE', [tenant, key]);
    if (rows.length === 0) throw new UnknownKeyError(tenant, key);
    return rows[0]!.status;
  }

  private async appendAudit(db: Queryable, entry: AuditEntry): Promise<void> {
    await db.query(`INSERT INTO audit_entries (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, auditValues(entry));
  }

  readonly records = {
    get: (tenant: string, key: string) => this.recordOf(this.pool, tenant, key),
    claim: async (record: Omit<IdempotencyRecord, 'attempts' | 'status'>): Promise<ClaimResult> => {
      // Of concurrent inserts of one key, the database lets exactly one through; the others
      // wait for it to commit and then see its row.
      const inserted = await this.pool.query(
        `INSERT INTO idempotency_records (tenant, key, subject, mutation, fingerprint, provider, status, result, error, duplicate_detected, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'IN_PROGRESS', $7, $8, $9, $10, $11)
         ON CONFLICT (tenant, key) DO NOTHING RETURNING key`,
        [record.tenant, record.key, record.subject, record.mutation, record.fingerprint, record.provider, jsonText(record.result), jsonText(record.error), record.duplicateDetected === true, record.createdAt, record.updatedAt],
      );
      const stored = await this.recordOf(this.pool, record.tenant, record.key);
      if (!stored) throw new UnknownKeyError(record.tenant, record.key); // purged in between: vanishingly rare, never silent
      return { claimed: inserted.rowCount === 1, record: stored };
    },
    recordAttempt: (tenant: string, key: string, attempt: AttemptRecord, audit: AuditEntry) =>
      this.transaction(async (db) => {
        const status = await this.lockedStatus(db, tenant, key);
        const written = await db.query('SELECT 1 FROM write_attempts WHERE tenant = $1 AND key = $2 AND number = $3', [tenant, key, attempt.number]);
        if (!mayRecordAttempt(status, written.rowCount === 1)) return false;
        await db.query(
          `INSERT INTO write_attempts (tenant, key, number, reference, sent_at, resend) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (tenant, key, number) DO UPDATE SET reference = EXCLUDED.reference, sent_at = EXCLUDED.sent_at, resend = EXCLUDED.resend`,
          [tenant, key, attempt.number, attempt.reference, attempt.sentAt, attempt.resend],
        );
        await db.query(`UPDATE idempotency_records SET status = 'IN_PROGRESS', updated_at = $3 WHERE tenant = $1 AND key = $2`, [tenant, key, this.now()]);
        await this.appendAudit(db, audit);
        return true;
      }),
    recordOutcome: (tenant: string, key: string, outcome: Outcome, audit: AuditEntry) =>
      this.transaction(async (db) => {
        if (mayReplaceStatus(await this.lockedStatus(db, tenant, key))) {
          await db.query('UPDATE idempotency_records SET status = $3, result = $4, error = $5, updated_at = $6 WHERE tenant = $1 AND key = $2', [
            tenant,
            key,
            outcome.status,
            jsonText(outcome.result),
            jsonText(outcome.error),
            this.now(),
          ]);
        }
        await this.appendAudit(db, audit);
      }),
    markDuplicate: (tenant: string, key: string, audit: AuditEntry) =>
      this.transaction(async (db) => {
        const updated = await db.query('UPDATE idempotency_records SET duplicate_detected = true, updated_at = $3 WHERE tenant = $1 AND key = $2', [tenant, key, this.now()]);
        if (updated.rowCount === 0) throw new UnknownKeyError(tenant, key);
        await this.appendAudit(db, audit);
      }),
    listUncertain: async ({ updatedBefore, limit }: { updatedBefore?: Date; limit: number }) => {
      const { rows } = await this.pool.query<RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM idempotency_records r
         WHERE (r.status = ANY ($1::text[]) OR r.duplicate_detected
                OR EXISTS (SELECT 1 FROM write_attempts a WHERE a.tenant = r.tenant AND a.key = r.key AND a.resend))
           AND ($2::timestamptz IS NULL OR r.updated_at < $2)
         ORDER BY r.updated_at, r.tenant, r.key
         LIMIT $3`,
        [UNCERTAIN_STATUSES, updatedBefore ?? null, limit],
      );
      const attempts = await this.pool.query<AttemptRow>('SELECT a.* FROM write_attempts a JOIN unnest($1::text[], $2::text[]) AS k (tenant, key) USING (tenant, key)', [
        rows.map((r) => r.tenant),
        rows.map((r) => r.key),
      ]);
      const grouped = attemptsByRecord(attempts.rows);
      return rows.map((row) => recordFromRow(row, grouped.get(`${row.tenant}\u0000${row.key}`) ?? []));
    },
  };

  readonly audit = {
    record: (entry: AuditEntry) => this.appendAudit(this.pool, entry),
    list: async ({ tenant, idempotencyKey, limit }: { tenant?: string; idempotencyKey?: string; limit: number }) => {
      const { rows } = await this.pool.query<AuditRow>(
        `SELECT * FROM (
           SELECT * FROM audit_entries WHERE ($1::text IS NULL OR tenant = $1) AND ($2::text IS NULL OR idempotency_key = $2) ORDER BY id DESC LIMIT $3
         ) newest ORDER BY id`,
        [tenant ?? null, idempotencyKey ?? null, limit],
      );
      return rows.map(auditFromRow);
    },
  };

  readonly revealTokens = {
    issue: async (digest: string, grant: RevealGrant) => {
      await this.pool.query('INSERT INTO reveal_tokens (digest, tenant, subject, provider, ref, card_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        digest,
        grant.tenant,
        grant.subject,
        grant.provider,
        grant.ref,
        grant.cardId,
        grant.expiresAt,
      ]);
    },
    consume: async (digest: string, viewer: { tenant: string; subject: string }) => {
      const { rows } = await this.pool.query<GrantRow>('DELETE FROM reveal_tokens WHERE digest = $1 AND tenant = $2 AND subject = $3 RETURNING *', [digest, viewer.tenant, viewer.subject]);
      return rows.length === 1 ? grantFromRow(rows[0]!) : null;
    },
  };

  readonly leases = {
    acquire: async (name: string, owner: string, ttlMs: number) => {
      const now = this.now().getTime();
      const taken = await this.pool.query(
        `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
         WHERE leases.owner = EXCLUDED.owner OR leases.expires_at <= $4`,
        [name, owner, now + ttlMs, now],
      );
      return taken.rowCount === 1;
    },
    release: async (name: string, owner: string) => {
      await this.pool.query('DELETE FROM leases WHERE name = $1 AND owner = $2', [name, owner]);
    },
  };

  async check(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (error) {
      throw new StateDatabaseError(`${this.where} does not answer: ${(error as Error).message || String(error)}`, { cause: error });
    }
  }

  purge(olderThan: Date) {
    return this.transaction(async (db) => {
      const records = await db.query('DELETE FROM idempotency_records WHERE status = ANY ($1::text[]) AND NOT duplicate_detected AND updated_at < $2', [SETTLED_STATUSES, olderThan]);
      const audit = await db.query('DELETE FROM audit_entries WHERE at < $1', [olderThan]);
      const revealTokens = await db.query('DELETE FROM reveal_tokens WHERE expires_at < $1', [olderThan.getTime()]);
      await db.query('DELETE FROM leases WHERE expires_at <= $1', [this.now().getTime()]);
      return { records: records.rowCount ?? 0, audit: audit.rowCount ?? 0, revealTokens: revealTokens.rowCount ?? 0 };
    });
  }

  private ended = false;

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }
}

/**
 * Applies the missing migrations, each in its own transaction, under a session advisory lock
 * keyed by the search path (the schema): replicas starting together wait for one another
 * instead of racing.
 */
async function migrate(pool: pg.Pool, where: string, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  const lockKey = `hashtext('cardplane.schema_migrations:' || current_setting('search_path'))`;
  let broken: Error | undefined;
  try {
    await client.query(`SELECT pg_advisory_lock(${lockKey})`);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
      const newest = Math.max(0, ...applied);
      if (newest > latest) throw new StateDatabaseError(`${where} has schema version ${newest}, newer than this Cardplane knows (${latest}): run a newer version`);
      for (const step of MIGRATIONS) {
        if (applied.has(step.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(step.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [step.version, step.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${lockKey})`).catch((error: Error) => (broken = error));
    }
  } finally {
    client.release(broken);
  }
}
