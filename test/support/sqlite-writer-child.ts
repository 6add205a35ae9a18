/**
 * A process that writes to a SQLite state store and reports each committed write on stdout, so
 * a crash test can SIGKILL it at a known point (after one write, or in the middle of a stream
 * of them) and check what the file holds afterwards.
 *
 *   node -r ./test/support/register-ts.cjs test/support/sqlite-writer-child.ts <file> once|stream
 */
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { auditOf, claimOf } from './state-store.contract.js';

async function main(): Promise<void> {
  const [file, mode] = process.argv.slice(2) as [string, 'once' | 'stream'];
  const store = await openSqliteStore({ path: file });
  for (let i = 0; mode === 'stream' || i === 0; i += 1) {
    const key = `crash-${i}`;
    await store.records.claim(claimOf(key));
    await store.records.recordAttempt('acme', key, { number: 0, reference: `ref-${i}`, sentAt: new Date().toISOString(), resend: false }, auditOf(key));
    if (mode === 'once') {
      await store.records.recordOutcome('acme', key, { status: 'SUCCEEDED', result: { operation: `op-${i}` } }, auditOf(key, { outcome: 'SUCCEEDED' }));
    }
    process.stdout.write(`${key}\n`);
  }
  // Wait to be killed, holding the database open (nothing is closed or checkpointed).
  setInterval(() => undefined, 60_000);
}

void main();
