/**
 * A gateway in its own process (configured only by its environment, as in production), for
 * tests that kill it with SIGKILL: the crash matrix arms `CARDPLANE_CRASH_AT` (with
 * `NODE_ENV=test`), the replica test runs three of them on one PostgreSQL. Prints one JSON line
 * with its URL when it listens.
 *
 *   node -r ./test/support/register-ts.cjs test/support/gateway-child.ts
 */
import 'reflect-metadata';
import { startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

async function main(): Promise<void> {
  const app = await startApp(loadConfig(process.env));
  process.stdout.write(`${JSON.stringify({ url: app.url, pid: process.pid })}\n`);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
