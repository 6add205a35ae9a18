/**
 * `npm run bench`: the gateway against its own physical limit.
 *
 * Starts the sandboxes (fixed added latency) in one process, the gateway (the built
 * `dist/src/main.js`, configured through the environment like production) in another, and
 * for each query shape drives the gateway with N concurrent clients, then a hand-written
 * direct client doing the same upstream calls. Prints gateway and baseline side by side and
 * writes bench/results/latest.json. Then the abuse runs (bench/abuse.ts): the gateway's CPU
 * per refused document, and — on a second gateway with the production default limits — a
 * "noisy neighbour": one viewer floods with the worst documents the limits still admit while
 * another reads. Nothing here asserts: the figures are for reading.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { Pool } from 'undici';
import { percentile, runLoad } from './load.js';
import { SHAPES, type BenchContext, type Shape } from './shapes.js';
import {
  floodDocuments,
  graphqlClient,
  measureRefusal,
  noisyNeighbour,
  REFUSED_DOCUMENTS,
  type FloodIds,
  type Measure,
  type NoisyNeighbourFigures,
  type RefusedFigures,
} from './abuse.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 8_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const LATENCY_MS = Number(process.env.SANDBOX_LATENCY_MS ?? 10);
const ROOT = join(__dirname, '..', '..');
/** The noisy neighbour: flooding clients, and the reader's pace (below its own rate limit). */
const FLOOD_CONCURRENCY = Number(process.env.BENCH_FLOOD_CONCURRENCY ?? 50);
const READER_INTERVAL_MS = Number(process.env.BENCH_READER_INTERVAL_MS ?? 50);
/** Which runs to do: `shapes`, `refused`, `noisy` (all by default), e.g. BENCH_RUNS=noisy. */
const RUNS = new Set((process.env.BENCH_RUNS ?? 'shapes,refused,noisy').split(','));

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  upstreamPerQuery: number;
  cpuMsPerRequest: number;
  peakRssMb: number;
  errors: number;
  /** Gateway errors by `extensions.code`. */
  errorCodes?: Record<string, number>;
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** utime+stime of a process in ms, and its peak RSS in MB, from /proc. */
function processFigures(pid: number): { cpuMs: number; peakRssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  return { cpuMs: (ticks * 1000) / 100, peakRssMb: hwm ? Number(hwm[1]) / 1024 : NaN };
}

async function counts(adminUrl: string, reset = false): Promise<number> {
  const res = await fetch(`${adminUrl}/${reset ? 'reset' : 'stats'}`, { method: reset ? 'POST' : 'GET' });
  const body = (await res.json()) as Record<string, number>;
  return Object.values(body).reduce((a, b) => a + b, 0);
}

/** Starts the built gateway on a free port with `env` and waits until it answers /healthz. */
async function startGateway(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child };
}

function measureOf(pid: number, adminUrl: string): Measure {
  return { cpuMs: () => processFigures(pid).cpuMs, upstream: (reset = false) => counts(adminUrl, reset) };
}

async function main(): Promise<void> {
  const node = process.execPath;
  const sandboxes = spawn(node, [join(ROOT, 'dist/bench/sandbox-host.js')], {
    env: { ...process.env, SANDBOX_LATENCY_MS: String(LATENCY_MS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const host = JSON.parse(await firstLine(sandboxes)) as {
    env: Record<string, string>;
    endpoints: BenchContext['endpoints'];
    stores: Pick<BenchContext, 'utglCardIds' | 'utglTopUp'> & FloodIds;
    adminUrl: string;
  };
  // Production mode needs real token verification: a throwaway identity provider key.
  const idp = await generateKeyPair('ES256');
  const auth = {
    AUTH_PUBLIC_KEY: await exportSPKI(idp.publicKey),
    AUTH_ISSUER: 'https://id.bench.local/',
    AUTH_AUDIENCE: 'cardplane',
    AUTH_ALGORITHMS: 'ES256',
    PROVIDER_TENANTS: 'utgl=bench,baas=bench,corporate=bench,ledger=bench,pushpull=bench',
  };
  // One viewer drives all the load of the shapes: its per-viewer limits must not be what is measured.
  const unlimited = {
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    COST_BUDGET_PER_SECOND: '10000000',
    COST_BUDGET_BURST: '100000000',
    UPSTREAM_VIEWER_MAX_CONCURRENCY: '64',
  };
  const sign = (subject: string) =>
    new SignJWT({ tenant: 'bench', scope: 'cards:read cardholders:read funds:write' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(auth.AUTH_ISSUER)
      .setAudience(auth.AUTH_AUDIENCE)
      .setSubject(subject)
      .setExpirationTime('2h')
      .sign(idp.privateKey);
  const token = await sign('bench');
  const [embedded, ...otherEngines] = await stateEngines();
  const { url, child: gateway } = await startGateway({ ...host.env, ...auth, ...unlimited, ...embedded!.env });
  const ctx: BenchContext = {
    endpoints: host.endpoints,
    ledgerCustomerIds: (host.env.LEDGER_CUSTOMER_IDS ?? '').split(',').filter(Boolean),
    utglCardIds: host.stores.utglCardIds,
    utglTopUp: host.stores.utglTopUp,
  };
  const pool = new Pool(url, { connections: CONCURRENCY });
  const results: Record<string, { gateway: Figures; baseline: Figures }> = {};

  const baselines = new Map<string, Figures>();
  /** One shape through a gateway (warm-up, then measured load), beside its direct client (measured once). */
  const measure = async (shape: Shape, via: Pool, pid: number, engine: string): Promise<void> => {
    let i = 0;
    const errorCodes = new Map<string, number>();
    const once = async () => {
      const { query, variables } = shape.query(ctx, i++);
      const res = await via.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.body.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      if (res.statusCode !== 200 || body.errors) {
        const code = body.errors?.[0]?.extensions?.code ?? `HTTP ${res.statusCode}`;
        errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
        throw new Error(code);
      }
    };
    await once(); // surfaces a broken shape before measuring
    await runLoad(once, CONCURRENCY, WARMUP_MS);
    await counts(host.adminUrl, true);
    errorCodes.clear();
    const before = processFigures(pid);
    const load = await runLoad(once, CONCURRENCY, DURATION_MS);
    const after = processFigures(pid);
    const upstream = await counts(host.adminUrl);
    const gatewayFigures: Figures = {
      rps: (load.requests / load.elapsedMs) * 1000,
      p50: percentile(load.latenciesMs, 50),
      p99: percentile(load.latenciesMs, 99),
      upstreamPerQuery: upstream / Math.max(1, load.requests),
      cpuMsPerRequest: (after.cpuMs - before.cpuMs) / Math.max(1, load.requests),
      peakRssMb: after.peakRssMb,
      errors: load.errors,
      errorCodes: Object.fromEntries(errorCodes),
    };
    if (!baselines.has(shape.name)) {
      const worker = spawn(node, [join(ROOT, 'dist/bench/baseline-worker.js'), shape.name, String(CONCURRENCY), String(DURATION_MS), String(WARMUP_MS), host.adminUrl], {
        env: { ...process.env, BENCH_CONTEXT: JSON.stringify(ctx) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      baselines.set(shape.name, JSON.parse(await firstLine(worker)) as Figures);
    }
    results[shape.write ? `${shape.name}@${engine}` : shape.name] = { gateway: gatewayFigures, baseline: baselines.get(shape.name)! };
  };

  for (const shape of SHAPES.filter(() => RUNS.has('shapes'))) await measure(shape, pool, gateway.pid!, embedded!.name);

  // What refusing costs: each refused document driven like a shape, CPU per refusal.
  const refusals: Record<string, RefusedFigures> = {};
  const send = graphqlClient(pool, token);
  for (const refused of REFUSED_DOCUMENTS.filter(() => RUNS.has('refused'))) {
    refusals[refused.name] = await measureRefusal(send, refused, measureOf(gateway.pid!, host.adminUrl), CONCURRENCY, DURATION_MS);
  }
  await pool.close();
  gateway.kill('SIGTERM');

  // The noisy neighbour, on a gateway with the production default limits.
  const limited = await startGateway({ ...host.env, ...auth });
  const readerPool = new Pool(limited.url, { connections: 4 });
  const floodPool = new Pool(limited.url, { connections: FLOOD_CONCURRENCY });
  const readCard = graphqlClient(readerPool, await sign('reader'));
  const baasCard = Buffer.from(`baas:Card:${host.stores.baasCardIds[0]}`).toString('base64url');
  const neighbour = !RUNS.has('noisy') ? undefined : await noisyNeighbour({
    read: () => readCard({ query: 'query($id: ID!) { card(id: $id) { id status last4 expiryMonth expiryYear } }', variables: { id: baasCard } }),
    flood: graphqlClient(floodPool, await sign('flooder')),
    documents: floodDocuments(host.stores),
    floodConcurrency: FLOOD_CONCURRENCY,
    readerIntervalMs: READER_INTERVAL_MS,
    durationMs: DURATION_MS,
    measure: measureOf(limited.child.pid!, host.adminUrl),
  });
  await readerPool.close();
  await floodPool.close();
  limited.child.kill('SIGTERM');

  // The write shape again on every other state store engine.
  for (const engine of otherEngines) {
    const other = await startGateway({ ...host.env, ...auth, ...unlimited, ...engine.env });
    const otherPool = new Pool(other.url, { connections: CONCURRENCY });
    for (const shape of SHAPES.filter((s) => s.write && RUNS.has('shapes'))) await measure(shape, otherPool, other.child.pid!, engine.name);
    await otherPool.close();
    other.child.kill('SIGTERM');
    await engine.cleanup?.();
  }
  sandboxes.kill('SIGTERM');
  report(results, refusals, neighbour);
}

interface StateEngine {
  name: string;
  env: Record<string, string>;
  cleanup?: () => Promise<void>;
}

/**
 * The state store engines the write shape runs on: the embedded SQLite file (a fresh one, for
 * every run), and PostgreSQL in a database of its own when `BENCH_DATABASE_URL` (default: this
 * project's local server) answers.
 */
async function stateEngines(): Promise<StateEngine[]> {
  const engines: StateEngine[] = [{ name: 'SQLite', env: { STATE_DB_PATH: join(mkdtempSync(join(tmpdir(), 'cardplane-bench-')), 'state.db') } }];
  const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const database = `cardplane_bench_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server, connectionTimeoutMillis: 3_000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  try {
    await admin(`CREATE DATABASE ${database}`);
    const url = new URL(server);
    url.pathname = `/${database}`;
    engines.push({ name: 'PostgreSQL', env: { DATABASE_URL: url.toString() }, cleanup: () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`) });
  } catch (error) {
    console.error(`bench: PostgreSQL at ${new URL(server).host} does not answer (${(error as Error).message}): the write shape runs on SQLite only`);
  }
  return engines;
}

function report(
  results: Record<string, { gateway: Figures; baseline: Figures }>,
  refusals: Record<string, RefusedFigures>,
  neighbour: NoisyNeighbourFigures | undefined,
): void {
  const rows: string[] = [];
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
  rows.push(`Cardplane benchmark — ${CONCURRENCY} concurrent clients, ${DURATION_MS / 1000} s per run, sandbox latency ${LATENCY_MS} ms, Node ${process.version}`);
  rows.push('');
  rows.push('| shape | side | req/s | p50 ms | p99 ms | upstream/query | CPU ms/req | peak RSS MB | errors |');
  rows.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  const described = Object.keys(results).map((name) => {
    const [shapeName, engine] = name.split('@') as [string, string | undefined];
    const shape = SHAPES.find((s) => s.name === shapeName)!;
    return { name, description: engine ? `${shape.description}, ${engine} store` : shape.description };
  });
  for (const { name, description } of described) {
    const r = results[name]!;
    for (const [side, x] of [['gateway', r.gateway], ['baseline', r.baseline]] as const) {
      rows.push(`| ${description} | ${side} | ${f(x.rps, 0)} | ${f(x.p50)} | ${f(x.p99)} | ${f(x.upstreamPerQuery)} | ${f(x.cpuMsPerRequest, 2)} | ${f(x.peakRssMb, 0)} | ${x.errors} |`);
    }
    rows.push(
      `| ${description} | gateway/baseline | ${f(r.gateway.rps / r.baseline.rps, 2)} | ${f(r.gateway.p50 / r.baseline.p50, 2)} (+${f(r.gateway.p50 - r.baseline.p50, 2)} ms) | ${f(r.gateway.p99 / r.baseline.p99, 2)} | ${f(r.gateway.upstreamPerQuery / r.baseline.upstreamPerQuery, 2)} | ${f(r.gateway.cpuMsPerRequest / r.baseline.cpuMsPerRequest, 2)} | | |`,
    );
  }
  for (const { name, description } of described) {
    const codes = results[name]!.gateway.errorCodes ?? {};
    if (Object.keys(codes).length > 0) rows.push(`\nGateway errors in "${description}": ${JSON.stringify(codes)}`);
  }
  // What the store adds to a write, estimated: the write's overhead over its direct client, less
  // a read's (the same GraphQL, auth and transport work without a store).
  const read = results['card-by-id'];
  for (const { name, description } of described.filter((d) => d.name.includes('@'))) {
    const w = results[name]!;
    if (read) rows.push(`\n${description}: ${f(w.gateway.rps, 0)} mutations/s; the store adds ≈ ${f(w.gateway.p50 - w.baseline.p50 - (read.gateway.p50 - read.baseline.p50))} ms at p50`);
  }
  rows.push('', `Refused documents — ${CONCURRENCY} concurrent clients, ${DURATION_MS / 1000} s each (gateway CPU per refusal, from /proc)`, '');
  rows.push('| document | refusals/s | p50 ms | CPU ms/refusal | upstream calls | unexpected answers |');
  rows.push('|---|---:|---:|---:|---:|---:|');
  for (const refused of REFUSED_DOCUMENTS.filter((d) => refusals[d.name])) {
    const r = refusals[refused.name]!;
    rows.push(`| ${refused.description} | ${f(r.rps, 0)} | ${f(r.p50)} | ${f(r.cpuMsPerRefusal, 3)} | ${r.upstreamCalls} | ${r.unexpected} |`);
  }
  const n = neighbour;
  if (n) rows.push(
    '',
    `Noisy neighbour — production default limits; one viewer floods with ${FLOOD_CONCURRENCY} clients cycling the worst admitted documents ` +
      `(nodes of 100 baas ids, a 50×10×5 utgl list near the cost cap, 150 fields), another reads one baas card by id every ${READER_INTERVAL_MS} ms`,
    '',
    '| reader | reads | p50 ms | p99 ms | errors |',
    '|---|---:|---:|---:|---:|',
    `| alone | ${n.alone.requests} | ${f(n.alone.p50)} | ${f(n.alone.p99)} | ${n.alone.errors} |`,
    `| under the flood | ${n.flooded.requests} | ${f(n.flooded.p50)} | ${f(n.flooded.p99)} | ${n.flooded.errors} |`,
    `| flooded/alone | | ${f(n.flooded.p50 / n.alone.p50, 2)} (target ≤ 2) | ${f(n.flooded.p99 / n.alone.p99, 2)} | |`,
    '',
    `Flood while measured: ${f(n.flood.admittedPerSecond)} documents/s admitted, refused/s ${JSON.stringify(Object.fromEntries(Object.entries(n.flood.refusedPerSecond).map(([k, v]) => [k, Number(v.toFixed(1))])))}, ` +
      `${f(n.flood.upstreamCallsPerSecond, 0)} upstream calls/s, gateway CPU ${f(n.flood.gatewayCpuPercent, 0)}%.`,
  );
  const table = rows.join('\n');
  console.log(table);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench/results/latest.json'),
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, concurrency: CONCURRENCY, durationMs: DURATION_MS, sandboxLatencyMs: LATENCY_MS, results, refusals, noisyNeighbour: neighbour }, null, 2)}\n`,
  );
  writeFileSync(join(ROOT, 'bench/results/latest.md'), `${table}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
