/**
 * The embedded engine, for `npm start` and any single-machine deployment: the StateStore
 * contract over one SQLite file (sqlite-database.ts: WAL, `synchronous=FULL`, one transaction
 * per call), run in a worker thread of its own (sqlite-worker.ts).
 *
 * Why a thread: better-sqlite3 is synchronous and a durable commit waits for its fsync
 * (milliseconds on most disks, three commits per fresh-key write). On the event loop, every
 * commit would stall every request the gateway is serving — reads that never touch the store
 * would queue behind writes. Here each contract call is one message to the worker, which runs
 * it as one transaction while the event loop goes on — the calls made during a commit share the
 * next one (group commit: one fsync for many) — and the promise resolves once it is committed.
 * Calls are answered in the order they were made.
 *
 * If the worker dies (it should not: SQLite's errors are answered as errors), every pending
 * and later call rejects with a StateDatabaseError naming the file, and `check()` fails
 * readiness until the process is restarted.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { StateDatabaseError } from './errors.js';
import type { SqliteCall, SqliteError, SqliteOperation, SqliteOperations } from './sqlite-database.js';
import type { SqliteReply, SqliteRequest, SqliteWorkerData } from './sqlite-worker.js';
import type { AttemptRecord, AuditEntry, IdempotencyRecord, Outcome, RevealGrant, StateStore } from './state-store.js';

export interface SqliteStoreOptions {
  path: string;
  /** The clock for record times and lease expiry (tests move it by hand). */
  now?: () => Date;
  /** How long a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

/** Opens (creating if need be), verifies and migrates the file; rejects with a StateDatabaseError naming it. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStateStore> {
  return SqliteStateStore.open(options);
}

/**
 * The worker thread's young generation, MB. Under a sustained write load its allocation rate
 * (every message in and out) grew V8's default young generation to tens of MB that stayed
 * resident: the SQLite top-up's peak RSS after three 8-s rounds was 218–222 MB against 174 on
 * PostgreSQL. Capped at 4: 191 (8: 201); what the worker keeps between messages is small, so
 * more frequent scavenges cost it little (issue 14).
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/**
 * The worker's script beside this module: the compiled `.js` in a build. When Cardplane runs
 * from its TypeScript sources (jest, the tests' child processes) it is the `.ts` source, loaded
 * through the tests' transpile-on-load hook — never the case in a build.
 */
function workerScript(): { filename: string; execArgv?: string[] } {
  if (__filename.endsWith('.js')) return { filename: join(__dirname, 'sqlite-worker.js') };
  return { filename: join(__dirname, 'sqlite-worker.ts'), execArgv: [...process.execArgv, '--require', join(__dirname, '../../test/support/register-ts.cjs')] };
}

/** A StateDatabaseError as thrown in the worker, or another error with its name and message. */
function rebuild({ name, message }: SqliteError): Error {
  const error = name === StateDatabaseError.name ? new StateDatabaseError(message) : new Error(message);
  error.name = name;
  return error;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class SqliteStateStore implements StateStore {
  readonly engine = 'sqlite';
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Why calls are refused: closed, or the worker died. */
  private stopped: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly path: string,
    private readonly now: () => Date,
  ) {
    worker.on('message', (reply: SqliteReply) => this.answer(reply));
    worker.on('error', (error) => this.fail(`its worker thread failed: ${error.message}`));
    worker.on('exit', (code) => this.fail(`its worker thread exited (code ${code})`));
    // An idle store does not keep the process alive; a call in flight does (see `call`).
    worker.unref();
  }

  static async open({ path, now = () => new Date(), busyTimeoutMs = 5_000 }: SqliteStoreOptions): Promise<SqliteStateStore> {
    const { filename, execArgv } = workerScript();
    const workerData: SqliteWorkerData = { path, busyTimeoutMs };
    const worker = new Worker(filename, { workerData, execArgv, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    const opened = await new Promise<{ ready: true } | { failed: SqliteError }>((resolve, reject) => {
      const failed = (reason: string, cause?: unknown) => reject(new StateDatabaseError(`The state database ${path} could not be opened: ${reason}`, { cause }));
      const listeners = {
        message: (reply: { ready: true } | { failed: SqliteError }) => done(() => resolve(reply)),
        error: (error: Error) => done(() => failed(error.message, error)),
        exit: (code: number) => done(() => failed(`its worker thread exited (code ${code})`)),
      };
      const done = (settle: () => void) => {
        worker.off('message', listeners.message).off('error', listeners.error).off('exit', listeners.exit);
        settle();
      };
      worker.on('message', listeners.message).on('error', listeners.error).on('exit', listeners.exit);
    });
    if ('failed' in opened) {
      await worker.terminate();
      throw rebuild(opened.failed);
    }
    return new SqliteStateStore(worker, path, now);
  }

  private call<K extends SqliteOperation>(op: K, ...args: Parameters<SqliteOperations[K]>): Promise<ReturnType<SqliteOperations[K]>> {
    return this.send({ op, args, now: this.now().getTime() } as SqliteCall) as Promise<ReturnType<SqliteOperations[K]>>;
  }

  private send(body: SqliteCall | { op: 'close' }): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const request: SqliteRequest = { id: (this.nextId += 1), ...body };
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(request.id, { resolve, reject });
      this.worker.postMessage(request);
    });
  }

  private answer(reply: SqliteReply): void {
    if (!('id' in reply)) return;
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('error' in reply) waiting.reject(rebuild(reply.error));
    else waiting.resolve(reply.value);
  }

  private fail(reason: string): void {
    this.stopped ??= new StateDatabaseError(`The state database ${this.path} is unavailable: ${reason}`);
    for (const waiting of this.pending.values()) waiting.reject(this.stopped);
    this.pending.clear();
  }

  readonly records = {
    get: (tenant: string, key: string) => this.call('get', tenant, key),
    claim: (record: Omit<IdempotencyRecord, 'attempts' | 'status'>) => this.call('claim', record),
    recordAttempt: (tenant: string, key: string, attempt: AttemptRecord, audit: AuditEntry) => this.call('recordAttempt', tenant, key, attempt, audit),
    recordOutcome: (tenant: string, key: string, outcome: Outcome, audit: AuditEntry) => this.call('recordOutcome', tenant, key, outcome, audit),
    markDuplicate: (tenant: string, key: string, audit: AuditEntry) => this.call('markDuplicate', tenant, key, audit),
    listUncertain: (options: { updatedBefore?: Date; limit: number }) => this.call('listUncertain', options),
  };

  readonly audit = {
    record: (entry: AuditEntry) => this.call('recordAudit', entry),
    list: (filter: { tenant?: string; idempotencyKey?: string; limit: number }) => this.call('listAudit', filter),
  };

  readonly revealTokens = {
    issue: (digest: string, grant: RevealGrant) => this.call('issueRevealToken', digest, grant),
    consume: (digest: string, viewer: { tenant: string; subject: string }) => this.call('consumeRevealToken', digest, viewer),
  };

  readonly leases = {
    acquire: (name: string, owner: string, ttlMs: number) => this.call('acquireLease', name, owner, ttlMs),
    release: (name: string, owner: string) => this.call('releaseLease', name, owner),
  };

  check(): Promise<void> {
    return this.call('check');
  }

  purge(olderThan: Date) {
    return this.call('purge', olderThan);
  }

  /** The journal settings in force (for tests and start-up logs). */
  settings() {
    return this.call('settings');
  }

  /** Waits for every call made before it, closes the database and ends the thread. */
  async close(): Promise<void> {
    if (this.stopped) return;
    const closed = this.send({ op: 'close' });
    this.stopped = new StateDatabaseError(`The state database ${this.path} is closed`);
    await closed;
    await this.worker.terminate();
  }
}
