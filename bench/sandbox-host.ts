/**
 * Benchmark child process: runs every provider's sandbox with a fixed added latency, prints
 * one JSON line (the gateway environment pointing at them, and an admin URL), then serves on
 * the admin URL (development-only: this process exists only in the benchmark):
 *
 * - `GET /stats`, `POST /reset`: upstream calls per provider since the last reset;
 * - `GET /arrivals`: when each call since the last reset reached its simulator (epoch ms, per
 *   provider), so a run can see whether one provider's calls waited for another's;
 * - `POST /latency?provider=baas&ms=200`: one provider's added latency from now on (`ms`
 *   omitted: back to the host's SANDBOX_LATENCY_MS);
 * - `POST /padding?provider=utgl&bytes=8000000`: every successful JSON answer of one provider
 *   padded to carry that many more bytes (0: none), for the large-answers run.
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
  const servers = Object.entries(sandboxes.servers);
  const perProvider = <T>(value: (server: (typeof servers)[number][1]) => T) => Object.fromEntries(servers.map(([key, s]) => [key, value(s!)]));
  const admin = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    let body: unknown;
    if (req.method === 'POST' && url.pathname === '/reset') {
      servers.forEach(([, s]) => s!.resetRequests());
      body = perProvider((s) => s.totalRequests);
    } else if (req.method === 'GET' && url.pathname === '/stats') {
      body = perProvider((s) => s.totalRequests);
    } else if (req.method === 'GET' && url.pathname === '/arrivals') {
      body = perProvider((s) => s.requests.map((r) => r.at));
    } else if (req.method === 'POST' && url.pathname === '/latency') {
      const server = sandboxes.servers[url.searchParams.get('provider') as keyof typeof sandboxes.servers];
      const ms = url.searchParams.get('ms');
      if (server) server.baseLatencyMs = ms === null ? config.sandboxLatencyMs : Number(ms);
      body = server ? { provider: server.name, latencyMs: server.baseLatencyMs } : undefined;
    } else if (req.method === 'POST' && url.pathname === '/padding') {
      const server = sandboxes.servers[url.searchParams.get('provider') as keyof typeof sandboxes.servers];
      if (server) server.answerPaddingBytes = Number(url.searchParams.get('bytes') ?? 0);
      body = server ? { provider: server.name, paddingBytes: server.answerPaddingBytes } : undefined;
    }
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
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
