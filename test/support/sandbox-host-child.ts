/**
 * The five simulators in their own process, so their state survives a gateway killed with
 * SIGKILL (the crash and replica tests). Prints one JSON line — the gateway environment that
 * points at them and an admin URL — then serves the admin API:
 *
 *   POST /fault {provider, fault}    inject a fault (src/sandbox/server.ts)
 *   POST /reset                      clear faults and request logs
 *   GET  /variables/<write>          the mutation variables of a MONEY_WRITES entry
 *   GET  /effects/<write>            how many such writes the simulator holds
 *   GET  /posts/<write>              how many POSTs reached the write's route
 *
 *   node -r ./test/support/register-ts.cjs test/support/sandbox-host-child.ts
 */
import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.js';
import type { ProviderKey } from '../../src/core/provider-key.js';
import { PROVIDER_CATALOG } from '../../src/providers/catalog.js';
import type { ProviderModule } from '../../src/providers/provider-module.js';
import { startSandboxes } from '../../src/providers/sandboxes.js';
import type { Fault } from '../../src/sandbox/server.js';
import { MONEY_WRITES, type MoneyWriteName } from './money-writes.js';

async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const sandboxes = await startSandboxes(config.providers, { latencyMs: 0, simulate: true });
  const env: Record<string, string> = {};
  for (const [key, endpoint] of Object.entries(sandboxes.endpoints)) {
    const module: ProviderModule<ProviderKey> = PROVIDER_CATALOG[key as ProviderKey];
    if (endpoint) Object.assign(env, module.endpointToEnv(endpoint));
  }
  const write = (name: string) => {
    if (!Object.hasOwn(MONEY_WRITES, name)) throw new Error(`unknown write ${name}`);
    return MONEY_WRITES[name as MoneyWriteName];
  };
  const admin = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const [, verb, name] = (req.url ?? '').split('/');
        let answer: unknown = {};
        if (verb === 'fault') {
          const { provider, fault } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { provider: ProviderKey; fault: Fault };
          sandboxes.servers[provider]!.inject(fault);
        } else if (verb === 'reset') {
          for (const server of Object.values(sandboxes.servers)) {
            server?.clearFaults();
            server?.resetRequests();
          }
        } else if (verb === 'variables') {
          answer = write(name!).variables(sandboxes.stores);
        } else if (verb === 'effects') {
          answer = write(name!).effects(sandboxes.stores);
        } else if (verb === 'posts') {
          const w = write(name!);
          answer = sandboxes.servers[w.provider]!.count('POST', w.path);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: (error as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`${JSON.stringify({ env, adminUrl: `http://127.0.0.1:${(admin.address() as AddressInfo).port}` })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
