/**
 * The embedded engine: the shared contract, then what only a file can get wrong — a process
 * killed mid-write, a damaged file, the journal settings.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import { auditOf, claimOf, describeStateStoreContract } from '../../support/state-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'cardplane-sqlite-'));
let files = 0;
const freshFile = () => join(dir, `state-${(files += 1)}.db`);

let current = '';
describeStateStoreContract('sqlite', {
  open: async (clock) => openSqliteStore({ path: (current = freshFile()), now: clock.now }),
  // A second connection on the same file: what a second process on this machine would have.
  openPeer: async (clock) => openSqliteStore({ path: current, now: clock.now }),
});

/** Runs the writer child until it has reported `writes` committed writes, then SIGKILLs it. */
async function killAfter(file: string, mode: 'once' | 'stream', writes: number): Promise<string[]> {
  const child = spawn(process.execPath, ['-r', './test/support/register-ts.cjs', 'test/support/sqlite-writer-child.ts', file, mode], {
    cwd: join(__dirname, '../../..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const reported: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      reported.push(...lines);
      if (reported.length >= writes && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited with ${code ?? signal}`))));
  });
  return reported;
}

describe('the sqlite state store on disk', () => {
  it('runs in WAL mode with synchronous=FULL, in a file only its owner can read', async () => {
    const file = freshFile();
    const store = await openSqliteStore({ path: file });
    expect(await store.settings()).toEqual({ journalMode: 'wal', synchronous: 2 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await store.close();
  });

  it('keeps a write committed just before the process was killed (SIGKILL)', async () => {
    const file = freshFile();
    expect(await killAfter(file, 'once', 1)).toEqual(['crash-0']);
    // The child never closed the database: the write is in the WAL, recovered on open.
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    const store = await openSqliteStore({ path: file });
    expect(await store.records.get('acme', 'crash-0')).toMatchObject({
      status: 'SUCCEEDED',
      result: { operation: 'op-0' },
      attempts: [{ number: 0, reference: 'ref-0', resend: false }],
    });
    expect((await store.audit.list({ idempotencyKey: 'crash-0', limit: 10 })).map((e) => e.outcome)).toEqual(['ATTEMPTED', 'SUCCEEDED']);
    await store.close();
  });

  it('after a kill in the middle of a stream of writes, has every acknowledged one and no half-written one', async () => {
    const file = freshFile();
    const acknowledged = await killAfter(file, 'stream', 200);
    const store = await openSqliteStore({ path: file });
    for (const key of acknowledged) expect((await store.records.get('acme', key))?.attempts).toHaveLength(1);
    // Whatever the kill interrupted is either all there (attempt and its audit entry) or absent.
    const audited = new Set((await store.audit.list({ limit: 100_000 })).map((e) => e.idempotencyKey));
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT r.key, COUNT(a.number) AS attempts FROM idempotency_records r LEFT JOIN write_attempts a USING (tenant, key) GROUP BY r.key').all() as Array<{ key: string; attempts: number }>;
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    expect(rows.length).toBeGreaterThanOrEqual(acknowledged.length);
    for (const row of rows) {
      // A claim without its attempt is possible (killed between the two calls), a torn attempt is not.
      if (row.attempts > 0) expect(audited.has(row.key)).toBe(true);
    }
    expect([...audited].every((key) => rows.some((r) => r.key === key && r.attempts === 1))).toBe(true);
    await store.close();
  });

  it('refuses to start on a file that is not a SQLite database, naming the file', async () => {
    const file = freshFile();
    writeFileSync(file, '{"tenant":"acme","key":"k1","status":"SUCCEEDED"}\n{"tenant":"acme","key":"k2","sta');
    await expect(openSqliteStore({ path: file })).rejects.toThrow(new RegExp(`The state database ${file} is damaged or is not a SQLite database`));
  });

  it('refuses to start on a damaged database, naming the file', async () => {
    const file = freshFile();
    const store = await openSqliteStore({ path: file });
    for (let i = 0; i < 80; i += 1) {
      await store.records.claim(claimOf(`k-${i}`, { fingerprint: 'f'.repeat(1000) }));
      await store.audit.record(auditOf(`k-${i}`, { outcome: 'SUCCEEDED' }));
    }
    await store.close(); // checkpoints the WAL into the main file
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    expect(bytes.length).toBeGreaterThan(4 * pageSize);
    // Scribble over the third page (a b-tree page of one of the tables).
    bytes.fill(0xa5, 2 * pageSize + 8, 3 * pageSize);
    writeFileSync(file, bytes);
    await expect(openSqliteStore({ path: file })).rejects.toThrow(new RegExp(`The state database ${file} is damaged`));
  });

  it('refuses a database written by a newer schema than it knows', async () => {
    const file = freshFile();
    await (await openSqliteStore({ path: file })).close();
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    await expect(openSqliteStore({ path: file })).rejects.toThrow(/schema version 999, newer than this Cardplane knows/);
  });

  it('commits calls made together in one transaction, each still all-or-nothing on its own', async () => {
    const store = await openSqliteStore({ path: freshFile() });
    await store.records.claim(claimOf('grouped'));
    // Sent together, so the worker runs them in one batch: the broken entry fails alone.
    const [good, broken, after] = await Promise.allSettled([
      store.records.recordAttempt('acme', 'grouped', { number: 0, reference: 'ref-0', sentAt: '2026-03-01T12:00:00.000Z', resend: false }, auditOf('grouped')),
      store.records.recordOutcome('acme', 'grouped', { status: 'SUCCEEDED' }, auditOf('grouped', { action: undefined as unknown as string })),
      store.records.claim(claimOf('grouped-after')),
    ]);
    expect([good.status, broken.status, after.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.records.get('acme', 'grouped')).toMatchObject({ status: 'IN_PROGRESS', attempts: [{ number: 0 }] });
    expect((await store.audit.list({ idempotencyKey: 'grouped', limit: 10 })).map((e) => e.outcome)).toEqual(['ATTEMPTED']);
    expect((await store.records.claim(claimOf('grouped-after'))).claimed).toBe(false);
    await store.close();
  });

  it('fails every call naming the file, readiness included, once its worker thread has died', async () => {
    const file = freshFile();
    const store = await openSqliteStore({ path: file });
    // As if the thread had crashed: the store must refuse, never hang.
    await (store as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(store.check()).rejects.toThrow(`The state database ${file} is unavailable: its worker thread exited`);
    await expect(store.records.claim(claimOf('after-death'))).rejects.toThrow(file);
    await store.close();
  });

  it('upgrades a file of the first schema in place, keeping what it holds', async () => {
    const file = freshFile();
    const first = await openSqliteStore({ path: file });
    await first.audit.record(auditOf('kept-entry'));
    await first.close();
    // Back to version 1, as a file written before audit entries said whether they were resends.
    const db = new Database(file);
    db.exec('ALTER TABLE audit_entries DROP COLUMN resend');
    db.pragma('user_version = 1');
    db.close();
    const upgraded = await openSqliteStore({ path: file });
    await upgraded.audit.record(auditOf('new-entry', { attempt: 1, resend: true }));
    expect(await upgraded.audit.list({ limit: 10 })).toEqual([auditOf('kept-entry'), auditOf('new-entry', { attempt: 1, resend: true })]);
    await upgraded.close();
  });

  it('keeps its records across a clean restart, migrating nothing twice', async () => {
    const file = freshFile();
    const first = await openSqliteStore({ path: file });
    await first.records.claim(claimOf('kept'));
    await first.close();
    const second = await openSqliteStore({ path: file });
    expect((await second.records.claim(claimOf('kept'))).claimed).toBe(false);
    await second.close();
  });
});
