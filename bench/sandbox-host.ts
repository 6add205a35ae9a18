/**
 * Benchmark child process: runs every provider's sandbox with a fixed added latency, prints
 * one JSON line (the gateway environment pointing at them, and an admin URL), then serves
 * request counts on the admin URL so the benchmark can count upstream calls per query.
 */
import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { startSandboxes, type SandboxStores } from '../src/providers/sandboxes.js';
import { endpointEnvironment } from './environment.js';

async function main(): Promise<void> {
  const config = loadConfig({ SANDBOX_LATENCY_MS: process.env.SANDBOX_LATENCY_MS ?? '10', LOG_LEVEL: 'silent' });
  const sandboxes = await startSandboxes(config.providers, { latencyMs: config.sandboxLatencyMs, simulate: true });
  const admin = http.createServer((req, res) => {
    const servers = Object.entries(sandboxes.servers);
    if (req.method === 'POST' && req.url === '/reset') servers.forEach(([, s]) => s!.resetRequests());
    const counts = Object.fromEntries(servers.map(([key, s]) => [key, s!.totalRequests]));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(counts));
  });
  await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
  const adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
  process.stdout.write(
    `${JSON.stringify({ env: endpointEnvironment(sandboxes.endpoints), endpoints: serialisable(sandboxes.endpoints), stores: sampleIds(sandboxes.stores), adminUrl })}\n`,
  );
}

/** Endpoints as JSON (the corporate key as base64). */
function serialisable(endpoints: object): unknown {
  return JSON.parse(JSON.stringify(endpoints, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
}

/** A few ids per provider for the query shapes, and baas objects (looked up one by one) for the flood. */
function sampleIds(stores: SandboxStores): Record<string, unknown> {
  const utgl = stores.utgl;
  const baas = stores.baas;
  const flood = {
    baasCardIds: baas ? [...baas.cards.keys()] : [],
    baasCardholderIds: baas ? [...baas.cardholders.keys()] : [],
    baasWalletIds: baas ? [...baas.wallets.keys()] : [],
  };
  if (!utgl) return { utglCardIds: [], ...flood };
  const usd = [...utgl.accounts.values()].filter((a) => a.currency === 'USD');
  const funding = usd.sort((a, b) => Number(b.balance) - Number(a.balance))[0];
  const card = [...utgl.cards.values()].find((c) => c.status === 'active' && usd.some((a) => a.id === c.account_id));
  return {
    utglCardIds: [...utgl.cards.keys()].slice(0, 20),
    utglTopUp: funding && card ? { fundingAccountId: funding.id, cardId: card.id } : undefined,
    ...flood,
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
