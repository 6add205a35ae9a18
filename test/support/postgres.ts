/**
 * PostgreSQL for tests: where it is (`TEST_DATABASE_URL`, else `DATABASE_URL`, else the
 * project machines' local server), whether it answers, and a fresh schema per use so parallel
 * test files (and runs) never share tables. Where PostgreSQL does not answer, its suites are
 * skipped with one line saying why — unless `REQUIRE_POSTGRES=1` (CI), which fails the run.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Synchronous (jest collects suites synchronously): asks a child process to connect and run SELECT 1. */
function probe(): string | null {
  const script = `
    const pg = require('pg');
    const client = new pg.Client({ connectionString: process.env.PROBE_URL, connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.query('SELECT 1')).then(() => client.end()).then(
      () => process.exit(0),
      (error) => { process.stdout.write(String(error.message || error.code || error)); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: join(__dirname, '../..'),
    env: { ...process.env, PROBE_URL: TEST_DATABASE_URL },
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (result.status === 0) return null;
  return result.stdout.trim() || result.error?.message || `probe exited with ${result.status ?? result.signal}`;
}

let unreachable: string | null | undefined;

/**
 * `describe` when PostgreSQL answers. Otherwise: under REQUIRE_POSTGRES=1 an error (the file
 * fails), else one line on stderr and the suite is skipped.
 */
export function describeWithPostgres(name: string, suite: () => void): void {
  unreachable ??= probe();
  if (unreachable === null) return describe(name, suite);
  const where = new URL(TEST_DATABASE_URL).host;
  if (process.env.REQUIRE_POSTGRES === '1') {
    throw new Error(`REQUIRE_POSTGRES=1 but PostgreSQL at ${where} does not answer: ${unreachable}`);
  }
  process.stderr.write(`${name}: skipped — PostgreSQL at ${where} does not answer (${unreachable}); set TEST_DATABASE_URL, or REQUIRE_POSTGRES=1 to fail instead\n`);
  describe.skip(name, suite);
}

/** Fresh schema names for one test file; `dropAll` removes every one it handed out. */
export function testSchemas(prefix: string) {
  const run = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const created: string[] = [];
  let n = 0;
  return {
    next(): string {
      const schema = `${run}_${(n += 1)}`;
      created.push(schema);
      return schema;
    },
    async dropAll(): Promise<void> {
      if (created.length === 0) return;
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        for (const schema of created.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A database of its own, for tests that need more than a schema (several gateways each opening
 * the default schema, LISTEN/NOTIFY channels, which are per database): its URL, and create/drop.
 */
export function testDatabase(prefix: string) {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    name,
    url: url.toString(),
    create: () => admin(`CREATE DATABASE ${name}`),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
