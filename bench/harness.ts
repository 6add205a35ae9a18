/**
 * What every benchmark run shares: the settings, the sandbox host (the five simulators in a
 * process of their own), a throwaway identity provider signing viewer tokens, and starting
 * gateways and other services as child processes whose CPU and memory are read from /proc.
 * A run (see `BenchRun`, registered in run.ts) gets one `Harness` and returns its report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { Pool } from 'undici';
import type { ProviderKey } from '../src/core/provider-key.js';
import type { MeasureSettings, Side } from './measure.js';
import type { BenchContext } from './shapes.js';
import { gatewayExperimentFromEnv, type GatewayExperiment } from './gateway-experiment.js';

export const ROOT = join(__dirname, '..', '..');

export interface BenchSettings extends MeasureSettings {
  /** Every simulator's added latency, ms. */
  latencyMs: number;
  /**
   * Distinct viewers the load is spread over (each client uses its own of them): enough that no
   * viewer's cost budget (1 000/s by default) runs dry. At 52 nested queries/s (cost 3 440
   * each) 100 viewers each spent ≈ 1 800/s and, once their bursts were gone, were refused
   * RATE_LIMITED: the limits, not the gateway, were measured. 500 keep each under 500/s up to
   * 70 nested queries/s.
   */
  viewers: number;
  /** What differs from the production gateway for an experiment (none in a run the README reports). */
  gatewayExperiment: GatewayExperiment;
}

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
};

export function settingsFromEnv(): BenchSettings {
  const concurrency = number('BENCH_CONCURRENCY', 50);
  // Five short rounds rather than three long ones: the sides take turns round by round
  // (measure.ts), and this machine's speed moves within seconds, so the closer a side's round is
  // to the direct client's and the more pairs there are, the less the pairs' median moves.
  const durationMs = number('BENCH_DURATION_MS', 5_000);
  return {
    concurrency,
    durationMs,
    warmupMs: number('BENCH_WARMUP_MS', Math.min(2_000, durationMs)),
    repeat: Math.max(1, number('BENCH_REPEAT', 5)),
    singleDurationMs: number('BENCH_SINGLE_DURATION_MS', Math.min(2_500, durationMs)),
    turnWarmupMs: number('BENCH_TURN_WARMUP_MS', Math.min(500, durationMs)),
    latencyMs: number('SANDBOX_LATENCY_MS', 10),
    viewers: Math.max(concurrency, number('BENCH_VIEWERS', 500)),
    gatewayExperiment: gatewayExperimentFromEnv(),
  };
}

/** One report section: markdown for latest.md, figures for latest.json. */
export interface RunReport {
  markdown: string;
  json: unknown;
}

/** A named benchmark run; `BENCH_RUNS=name,…` selects runs by name. */
export interface BenchRun {
  name: string;
  description: string;
  run(harness: Harness): Promise<RunReport>;
}

/** A child process serving HTTP (a gateway, a peer), measured from /proc. */
export interface Service {
  url: string;
  pid: number;
  cpuMs(): number;
  peakRssMb(): number;
  stop(): Promise<void>;
  /** A gateway's Prometheus metrics (its own listener). */
  metricsUrl?: string;
}

/** baas objects (looked up one by one) for the abuse runs' flood. */
export interface FloodIds {
  baasCardIds: string[];
  baasCardholderIds: string[];
  baasWalletIds: string[];
}

export interface SandboxHost {
  /** The gateway environment pointing at the simulators. */
  env: Record<string, string>;
  stores: Pick<BenchContext, 'utglCardIds' | 'utglTopUp'> & FloodIds;
  adminUrl: string;
  /** Upstream calls since the last reset, all providers together; `reset` zeroes them first. */
  upstream(reset?: boolean): Promise<number>;
  /** Upstream calls since the last reset, per provider. */
  upstreamByProvider(): Promise<Record<string, number>>;
  /** When each call since the last reset reached its simulator (epoch ms), per provider. */
  arrivals(): Promise<Record<string, number[]>>;
  /** One provider's added latency from now on; `undefined` restores SANDBOX_LATENCY_MS. */
  setLatency(provider: ProviderKey, ms?: number): Promise<void>;
  /** Pads every successful JSON answer of one provider with `bytes` more (0: none). */
  setPadding(provider: ProviderKey, bytes: number): Promise<void>;
}

/** A state store engine a gateway can run on. */
export interface StateEngine {
  name: string;
  /** The gateway environment selecting it (a fresh SQLite file or database). */
  env(): Record<string, string>;
}

export interface Harness {
  settings: BenchSettings;
  sandboxes: SandboxHost;
  /** What the shapes and the direct client need (endpoints, ids). */
  ctx: BenchContext;
  /** The identity provider's settings, as the gateway's environment (AUTH_*). */
  authEnv: Record<string, string>;
  /** A viewer token for `subject` (tenant `bench`, every scope unless `scope` says otherwise). */
  sign(subject: string, scope?: string): Promise<string>;
  /** `settings.viewers` tokens, one viewer each (signed once). */
  viewerTokens(): Promise<string[]>;
  /**
   * Starts the built gateway like production, everything on: NODE_ENV=production, token
   * verification, the default rate limit and cost budget, tenancy, metrics on a port of their
   * own, tracing off; a fresh SQLite state file unless `env` selects another engine. `env`
   * overrides any of it (`METRICS_PORT: ''` turns metrics off), and the settings' gateway
   * experiment overrides `env` (`BENCH_GATEWAY_*`, see `GatewayExperiment`) unless it is to run
   * beside the production gateway; `experiment` then starts the experiment's gateway.
   */
  startGateway(env?: Record<string, string>, experiment?: boolean): Promise<Service>;
  /** Starts `dist/<script>` (a process printing `{"url": …}` as its first line) with `env`. */
  startService(script: string, env: Record<string, string>): Promise<Service>;
  /** The state store engines: SQLite, and PostgreSQL when its server answers. */
  stateEngines(): Promise<StateEngine[]>;
  /** Something to undo when the benchmark ends (a database to drop). */
  atExit(cleanup: () => Promise<void>): void;
}

export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Two distinct free ports: each is free once released, so the second may repeat the first. */
async function twoFreePorts(): Promise<[number, number]> {
  const first = await freePort();
  for (;;) {
    const second = await freePort();
    if (second !== first) return [first, second];
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime+stime of a process in ms, and its peak RSS (VmHWM) in MB, from /proc. */
export function processFigures(pid: number): { cpuMs: number; peakRssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND, peakRssMb: hwm ? Number(hwm[1]) / 1024 : NaN };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitUntilAnswers(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300 && child.exitCode === null; i += 1) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer (exit code ${child.exitCode})`);
}

function service(child: ChildProcess, url: string): Service {
  return {
    url,
    pid: child.pid!,
    cpuMs: () => processFigures(child.pid!).cpuMs,
    peakRssMb: () => processFigures(child.pid!).peakRssMb,
    stop: () => stopChild(child),
  };
}

/** The environment of a measured child: this one's, less anything that would turn tracing on. */
function childEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  return { ...inherited, OTEL_SDK_DISABLED: 'true', ...env };
}

/**
 * A `Side` for a GraphQL endpoint: POSTs the document `query(i)` through `pool` with one
 * viewer's token; an answer with errors fails, named by the first error's code and provider. Client `c` of C takes the viewers c, c + C, c + 2C … in turn, so no two
 * clients share a viewer and each viewer sees at most its client's rate over ⌊viewers / C⌋:
 * the default per-viewer limits stay realistic and are never what is measured.
 */
export function graphqlSide(
  target: Pick<Service, 'cpuMs' | 'peakRssMb'>,
  pool: Pool,
  tokens: string[],
  query: (i: number) => { query: string; variables?: Record<string, unknown> },
  upstream: SandboxHost['upstream'],
): Side {
  return {
    cpuMs: () => target.cpuMs(),
    peakRssMb: () => target.peakRssMb(),
    upstream,
    async request(i, client, nth, clients) {
      const token = tokens[(client + clients * nth) % tokens.length];
      const res = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(query(i)),
      });
      const body = (await res.body.json()) as { errors?: Array<{ extensions?: { code?: string; provider?: string } }> };
      if (res.statusCode !== 200 || body.errors) {
        // The code, and the provider it came from when it names one (e.g. UPSTREAM_UNAVAILABLE:pushpull).
        const first = body.errors?.[0]?.extensions;
        throw new Error(first?.code ? [first.code, first.provider].filter(Boolean).join(':') : `HTTP ${res.statusCode}`);
      }
    },
  };
}

async function startSandboxHost(settings: BenchSettings, children: ChildProcess[]): Promise<{ host: SandboxHost; endpoints: BenchContext['endpoints']; ledgerCustomerIds: string[] }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/bench/sandbox-host.js')], {
    env: { ...process.env, SANDBOX_LATENCY_MS: String(settings.latencyMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const started = JSON.parse(await firstLine(child)) as {
    env: Record<string, string>;
    endpoints: BenchContext['endpoints'];
    stores: SandboxHost['stores'];
    adminUrl: string;
  };
  const admin = async <T>(path: string, method = 'GET'): Promise<T> => (await (await fetch(`${started.adminUrl}${path}`, { method })).json()) as T;
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const host: SandboxHost = {
    env: started.env,
    stores: started.stores,
    adminUrl: started.adminUrl,
    upstream: async (reset = false) => total(await admin<Record<string, number>>(reset ? '/reset' : '/stats', reset ? 'POST' : 'GET')),
    upstreamByProvider: () => admin('/stats'),
    arrivals: () => admin('/arrivals'),
    async setLatency(provider, ms) {
      await admin(`/latency?provider=${provider}${ms === undefined ? '' : `&ms=${ms}`}`, 'POST');
    },
    async setPadding(provider, bytes) {
      await admin(`/padding?provider=${provider}&bytes=${bytes}`, 'POST');
    },
  };
  return { host, endpoints: started.endpoints, ledgerCustomerIds: (started.env.LEDGER_CUSTOMER_IDS ?? '').split(',').filter(Boolean) };
}

/**
 * PostgreSQL for the benchmark: a database of its own (dropped at exit) on the server at
 * BENCH_DATABASE_URL (default: this project's local server), or none if it does not answer.
 */
async function postgresEngine(harness: Pick<Harness, 'atExit'>): Promise<StateEngine | undefined> {
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
  } catch (error) {
    console.error(`bench: PostgreSQL at ${new URL(server).host} does not answer (${(error as Error).message}): the store runs on SQLite only`);
    return undefined;
  }
  harness.atExit(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  const url = new URL(server);
  url.pathname = `/${database}`;
  return { name: 'PostgreSQL', env: () => ({ DATABASE_URL: url.toString() }) };
}

const sqliteEngine: StateEngine = {
  name: 'SQLite',
  env: () => ({ STATE_DB_PATH: join(mkdtempSync(join(tmpdir(), 'cardplane-bench-')), 'state.db') }),
};

/** Starts the sandbox host and the identity provider; `close()` stops every child and undoes `atExit`. */
export async function openHarness(settings: BenchSettings): Promise<Harness & { close(): Promise<void> }> {
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const { host, endpoints, ledgerCustomerIds } = await startSandboxHost(settings, children);
  // Production mode needs real token verification: a throwaway identity provider key.
  const idp = await generateKeyPair('ES256');
  const authEnv = {
    AUTH_PUBLIC_KEY: await exportSPKI(idp.publicKey),
    AUTH_ISSUER: 'https://id.bench.local/',
    AUTH_AUDIENCE: 'cardplane',
    AUTH_ALGORITHMS: 'ES256',
  };
  const sign = (subject: string, scope = 'cards:read cardholders:read funds:write') =>
    new SignJWT({ tenant: 'bench', scope })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(authEnv.AUTH_ISSUER)
      .setAudience(authEnv.AUTH_AUDIENCE)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(idp.privateKey);
  let tokens: Promise<string[]> | undefined;
  let engines: Promise<StateEngine[]> | undefined;

  const startService = async (script: string, env: Record<string, string>): Promise<Service> => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', script)], { env: childEnvironment(env), stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const { url } = JSON.parse(await firstLine(child)) as { url: string };
    return service(child, url);
  };

  const harness: Harness & { close(): Promise<void> } = {
    settings,
    sandboxes: host,
    ctx: { endpoints, ledgerCustomerIds, utglCardIds: host.stores.utglCardIds, utglTopUp: host.stores.utglTopUp },
    authEnv,
    sign,
    viewerTokens: () => (tokens ??= Promise.all(Array.from({ length: settings.viewers }, (_, i) => sign(`viewer-${i}`)))),
    startService,
    async startGateway(env = {}, asExperiment = !settings.gatewayExperiment.beside) {
      const experiment = asExperiment ? settings.gatewayExperiment : { nodeArgs: [], env: {} as Record<string, string>, stdout: undefined };
      const asked = { ...env, ...experiment.env };
      // The public and metrics ports must differ (the gateway refuses to start otherwise).
      const [port, metricsPort] = asked.METRICS_PORT === '' ? [await freePort(), undefined] : await twoFreePorts();
      const engine = asked.DATABASE_URL || asked.STATE_DB_PATH ? {} : sqliteEngine.env();
      const stdout = experiment.stdout ? openSync(experiment.stdout, 'w') : undefined;
      const child = spawn(process.execPath, [...experiment.nodeArgs, join(ROOT, 'dist/src/main.js')], {
        env: childEnvironment({
          ...host.env,
          ...authEnv,
          PROVIDER_TENANTS: 'utgl=bench,baas=bench,corporate=bench,ledger=bench,pushpull=bench',
          ...(metricsPort === undefined ? { METRICS_PORT: '', METRICS_HOST: '' } : { METRICS_PORT: String(metricsPort), METRICS_HOST: '127.0.0.1' }),
          ...engine,
          LOG_LEVEL: 'warn',
          NODE_ENV: 'production',
          ...asked,
          PORT: String(port),
          HOST: '127.0.0.1',
        }),
        stdio: ['ignore', stdout ?? 'ignore', 'inherit'],
      });
      if (stdout !== undefined) closeSync(stdout); // the child holds its own copy
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitUntilAnswers(`${url}/readyz`, child);
      if (metricsPort === undefined) return service(child, url);
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      await waitUntilAnswers(metricsUrl, child);
      return { ...service(child, url), metricsUrl };
    },
    stateEngines: () => (engines ??= postgresEngine(harness).then((pgEngine) => [sqliteEngine, ...(pgEngine ? [pgEngine] : [])])),
    atExit: (cleanup) => cleanups.push(cleanup),
    async close() {
      await Promise.all(children.map(stopChild));
      for (const cleanup of cleanups) await cleanup().catch((error: Error) => console.error(`bench: cleanup failed: ${error.message}`));
    },
  };
  return harness;
}
