/**
 * The SQLite state store's worker thread: it owns the database (sqlite-database.ts), so a
 * commit's fsync blocks this thread and never the gateway's event loop. Started by
 * `SqliteStateStore` (sqlite-store.ts), which is the only code that speaks this protocol:
 *
 * - first the worker answers `{ ready }` once the file is open, verified and migrated, or
 *   `{ failed }` with the error that stops start-up (naming the file);
 * - then each request `{ id, op, args, now }` — one contract call — gets `{ id, value }` or
 *   `{ id, error }`, in arrival order, once its transaction is committed; `now` is the caller's
 *   clock when the call was made (tests move it by hand), the only clock the database reads;
 *   the calls that arrive while a commit is in progress are committed together (group commit);
 * - `close` closes the database after every earlier request has been answered.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteDatabase, type SqliteCall, type SqliteError, type SqliteResult } from './sqlite-database.js';

export interface SqliteWorkerData {
  path: string;
  busyTimeoutMs: number;
}

export type SqliteRequest = { id: number } & (SqliteCall | { op: 'close' });

export type SqliteReply = { ready: true } | { failed: SqliteError } | ({ id: number } & SqliteResult);

/** At most this many calls share one transaction (and one fsync). */
const MAX_BATCH = 256;

const port = parentPort!;
const { path, busyTimeoutMs } = workerData as SqliteWorkerData;

let db: SqliteDatabase | undefined;
try {
  db = SqliteDatabase.open({ path, busyTimeoutMs });
  port.postMessage({ ready: true } satisfies SqliteReply);
} catch (error) {
  port.postMessage({ failed: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) } } satisfies SqliteReply);
}

if (db) {
  const database = db;
  const queue: SqliteRequest[] = [];
  // While a commit waits for its fsync, the calls made meanwhile queue up in the port; they are
  // all delivered before the next check phase, so one flush takes them as one batch.
  const flush = () => {
    const closing = queue.findIndex((request) => request.op === 'close');
    const batch = queue.splice(0, Math.min(MAX_BATCH, closing === -1 ? queue.length : closing));
    const results = database.runBatch(batch as SqliteCall[]);
    batch.forEach((request, i) => port.postMessage({ id: request.id, ...results[i]! } satisfies SqliteReply));
    if (queue[0]?.op === 'close') {
      database.close();
      port.postMessage({ id: queue[0].id, value: undefined } satisfies SqliteReply);
      port.close();
    } else if (queue.length > 0) setImmediate(flush);
  };
  port.on('message', (request: SqliteRequest) => {
    queue.push(request);
    if (queue.length === 1) setImmediate(flush);
  });
}
