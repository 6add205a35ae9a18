/**
 * Environment → typed, validated configuration, read once at start-up. Every bad setting
 * stops start-up with one line naming the variable and what is wrong with it. A provider
 * whose `<NAME>_BASE_URL` is unset runs on its embedded sandbox in development, and is disabled
 * anywhere else; one with a base URL needs all of its credentials.
 */
import type { AuthSettings, TokenPolicy } from './auth/settings.js';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, DEFAULT_TOKEN_CACHE_SECONDS } from './auth/verifier.js';
import { DEFAULT_QUERY_LIMITS } from './graphql/limits.js';
import type { AdmissionOptions } from './graphql/admission.js';
import { ConfigError, reader, type Env, type Reader } from './core/env.js';
import { isProviderKey, PROVIDER_KEYS, type ProviderKey } from './core/provider-key.js';
import { PROVIDER_CATALOG, type ProviderEndpoints } from './providers/catalog.js';
import { followRhythmFromEnv, settleWindowFromEnv, type FollowRhythm, type SettleWindow } from './providers/provider-module.js';
import type { UpstreamTimeouts } from './providers/transport/http.js';
import { DEFAULT_MAX_RETRY_AFTER_SECONDS } from './providers/transport/retry-policy.js';
import { AnswerMemory, DEFAULT_ANSWER_MEMORY_BYTES, DEFAULT_MAX_ANSWER_BYTES } from './providers/transport/answer-memory.js';
import { corsSettingsFromEnv, type CorsSettings } from './http/cors.js';
import { subscriptionSettingsFromEnv, type SubscriptionSettings } from './http/subscription-settings.js';
import type { HttpServerLimits } from './http/connection-limits.js';
import { tracingSettingsFromEnv, type TracingSettings } from './http/tracing.js';
import type { StateStoreSettings } from './store/open-store.js';
import { persistedQuerySettingsFromEnv, type PersistedQuerySettings } from './graphql/persisted-queries.js';
import { GRAPHQL_EXECUTORS, type GraphQLExecutor } from './graphql/compiled-execution.js';

/** Measured by `npm run bench` (issue 14), see main.ts. */
export const DEFAULT_HEAP_GROWING_PERCENT = 75;

export interface Config {
  nodeEnv: string;
  production: boolean;
  /**
   * Development conveniences (development tokens, embedded sandboxes for unconfigured
   * providers) are on only when NODE_ENV is unset, `development` or `test`: a misspelt or
   * custom NODE_ENV (`prod`, `staging`) must never quietly run simulators or accept dev tokens.
   */
  development: boolean;
  auth: AuthSettings;
  /** The tenant each provider account belongs to. */
  providerTenants: Record<ProviderKey, string>;
  /** Which browser origins may call the API (see http/cors.ts). */
  cors: CorsSettings;
  /** Automatic persisted queries, or a safelist of generated operations (graphql/persisted-queries.ts). */
  persistedQueries: PersistedQuerySettings;
  /** Serve introspection and the Apollo Sandbox landing page (on outside production). */
  introspection: boolean;
  /** Per-viewer request rate limit (token bucket). */
  rateLimit: { perSecond: number; burst: number };
  /**
   * Per-viewer upstream budget: a token bucket charged with each admitted document's cost
   * (the upstream work it can cause), so a viewer's rate is measured in work, not requests.
   */
  costBudget: { perSecond: number; burst: number };
  /** How much priced work executes at once, and how long the rest may wait (graphql/admission.ts). */
  admission: AdmissionOptions;
  /** Ids one document may look up by id (`nodes(ids:)`), all aliases together. */
  maxIdsPerDocument: number;
  /** Calls one viewer may have in flight at one provider: its share of UPSTREAM_MAX_CONCURRENCY. */
  perViewerConcurrency: number;
  /** Card reveals: token lifetime and per-viewer rate. */
  reveal: { tokenTtlSeconds: number; perMinute: number };
  /** Where idempotency records, attempts, the audit trail, reveal tokens and leases live. */
  state: StateStoreSettings;
  /** How long settled state is kept before the background job purges it (at least 24 h). */
  stateRetentionHours: number;
  port: number;
  host: string;
  /**
   * Where `/metrics` is served (Prometheus text), on a listener of its own and never on the
   * public port; undefined (METRICS_PORT unset): no metrics listener.
   */
  metrics?: { port: number; host: string };
  /** Whether traces are exported (the standard OTEL_* variables; off without them, see http/tracing.ts). */
  tracing: TracingSettings;
  /** How long a client may take to send a request, and how many connections one address may hold (server.ts). */
  http: HttpServerLimits;
  logLevel: string;
  /**
   * How far V8 lets the heap grow past what the last full collection kept, in percent (0:
   * V8's own choice, up to 4×). Applied by main.ts at start-up, see there.
   */
  heapGrowingPercent: number;
  /**
   * What executes queries and mutations (`GRAPHQL_EXECUTOR`): `compiled` (graphql-jit, each
   * document compiled once; graphql/compiled-execution.ts) or `graphql-js`, its reference
   * executor, kept as the way back should a compiled document ever misbehave.
   */
  executor: GraphQLExecutor;
  /** Overall budget of one GraphQL request; upstream calls get what remains. */
  requestDeadlineMs: number;
  upstream: UpstreamTimeouts;
  /** Latency every sandbox adds to each answer (for demos and the benchmark). */
  sandboxLatencyMs: number;
  providers: ProviderEndpoints;
  /** How long after an attempt each provider may still process it (`<NAME>_SETTLE_WINDOW_MS`). */
  settleWindows: Record<ProviderKey, SettleWindow>;
  /** How each provider's pending operations are followed for subscribers (module rhythm, `<NAME>_FOLLOW_FIRST_MS`). */
  followRhythms: Record<ProviderKey, FollowRhythm>;
  /** Subscriptions over graphql-ws: limits, idle timeout, send buffer (http/subscription-settings.ts). */
  subscriptions: SubscriptionSettings;
  /** How often one replica sweeps uncertain writes to settle them by look-up (0: never). */
  reconcileSweepIntervalMs: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const read = reader(env);
  const nodeEnv = read.string('NODE_ENV', 'development');
  const production = nodeEnv === 'production';
  const development = DEVELOPMENT_NODE_ENVS.includes(nodeEnv);
  const maxConcurrency = read.int('UPSTREAM_MAX_CONCURRENCY', 64, 1, 1024);
  const upstream: UpstreamTimeouts = {
    connectTimeoutMs: read.int('UPSTREAM_CONNECT_TIMEOUT_MS', 2_000, 10, 60_000),
    headersTimeoutMs: read.int('UPSTREAM_HEADERS_TIMEOUT_MS', 5_000, 10, 120_000),
    bodyTimeoutMs: read.int('UPSTREAM_BODY_TIMEOUT_MS', 5_000, 10, 120_000),
    maxRetries: read.int('UPSTREAM_MAX_RETRIES', 2, 0, 2),
    maxConcurrency,
    maxRetryAfterSeconds: read.int('UPSTREAM_MAX_RETRY_AFTER_SECONDS', DEFAULT_MAX_RETRY_AFTER_SECONDS, 1, 3_600),
    maxAnswerBytes: read.int('UPSTREAM_MAX_ANSWER_BYTES', DEFAULT_MAX_ANSWER_BYTES, 64 * 1024, 256 * 1024 * 1024),
    // One for every provider: the memory large answers may take at once, process-wide.
    answerMemory: new AnswerMemory(read.int('UPSTREAM_ANSWER_MEMORY_BYTES', DEFAULT_ANSWER_MEMORY_BYTES, 1024 * 1024, 4 * 1024 * 1024 * 1024)),
  };
  const requestDeadlineMs = read.int('REQUEST_DEADLINE_MS', 10_000, 100, 120_000);
  return {
    nodeEnv,
    production,
    development,
    auth: authSettings(read, production, development, nodeEnv),
    providerTenants: providerTenants(read),
    cors: corsSettingsFromEnv(read, production),
    persistedQueries: persistedQuerySettingsFromEnv(read),
    introspection: read.bool('ENABLE_INTROSPECTION', !production),
    rateLimit: { perSecond: read.int('RATE_LIMIT_PER_SECOND', 50, 1, 100_000), burst: read.int('RATE_LIMIT_BURST', 100, 1, 100_000) },
    reveal: { tokenTtlSeconds: read.int('REVEAL_TOKEN_TTL_SECONDS', 120, 1, 300), perMinute: read.int('REVEAL_RATE_PER_MINUTE', 10, 1, 600) },
    state: stateStore(read),
    stateRetentionHours: read.int('STATE_RETENTION_HOURS', 24, MIN_RETENTION_HOURS, 24 * 366),
    port: read.int('PORT', 4000, 0, 65535),
    http: httpServerLimits(read),
    host: read.string('HOST', '0.0.0.0'),
    metrics: metricsListener(read),
    tracing: tracingSettingsFromEnv(read),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    heapGrowingPercent: read.int('HEAP_GROWING_PERCENT', DEFAULT_HEAP_GROWING_PERCENT, 0, 400),
    executor: read.oneOf('GRAPHQL_EXECUTOR', [...GRAPHQL_EXECUTORS], 'compiled') as GraphQLExecutor,
    requestDeadlineMs,
    upstream,
    settleWindows: settleWindows(env, upstream),
    followRhythms: Object.fromEntries(PROVIDER_KEYS.map((key) => [key, followRhythmFromEnv(PROVIDER_CATALOG[key], env)])) as Record<ProviderKey, FollowRhythm>,
    subscriptions: subscriptionSettingsFromEnv(read),
    reconcileSweepIntervalMs: read.int('RECONCILE_SWEEP_INTERVAL_MS', 60_000, 0, 86_400_000),
    // Sized by the noisy-neighbour benchmark: at 5 000/s one viewer's admitted documents
    // (lists near the cost cap) slowed another viewer's reads fifty-fold on two cores; at
    // 1 000/s (about 100 upstream calls a second, five CardholdersWithCards at once) they
    // stay within 2x.
    costBudget: {
      perSecond: read.int('COST_BUDGET_PER_SECOND', 1_000, 1, 10_000_000),
      // A bucket smaller than the largest admitted document would refuse it forever.
      burst: read.int('COST_BUDGET_BURST', 20_000, DEFAULT_QUERY_LIMITS.maxCost, 100_000_000),
    },
    admission: admissionSettings(read, requestDeadlineMs),
    maxIdsPerDocument: read.int('QUERY_MAX_IDS', DEFAULT_QUERY_LIMITS.maxIds, 1, 1_000),
    // Half of the provider's slots by default: however hard one viewer pushes, the other half
    // stays free for everyone else (and a batch of up to 32 ids is still one call).
    perViewerConcurrency: read.int('UPSTREAM_VIEWER_MAX_CONCURRENCY', Math.max(1, Math.floor(maxConcurrency / 2)), 1, maxConcurrency),
    sandboxLatencyMs: read.int('SANDBOX_LATENCY_MS', 0, 0, 60_000),
    providers: providerEndpoints(env, development, nodeEnv),
  };
}

/**
 * Admission control. The cost in flight defaults to five nested CardholdersWithCards queries
 * at once (3 440 each): measured on two cores with 10 ms upstream latency, enough to keep the
 * CPU busy while upstream answers are awaited (two at once were not; eleven cost no less CPU
 * than five; issue 14). A budget smaller than the largest admitted document would leave such a document
 * to run alone; it may not be smaller than the cost cap. An operation waits at most half the
 * request deadline by default, so one admitted late still has half its deadline to run.
 * Operations costing at most 100 by default (a few look-ups by id, a mutation and its answer;
 * a list of 50 cards costs 200) are light: they never wait. While the main thread is
 * saturated, the operations executing at once come down toward 16 (graphql/saturation.ts).
 */
function admissionSettings(read: Reader, deadline: number): AdmissionOptions {
  return {
    maxCostInFlight: read.int('ADMISSION_MAX_COST_IN_FLIGHT', 20_000, DEFAULT_QUERY_LIMITS.maxCost, 100_000_000),
    maxWaiting: read.int('ADMISSION_MAX_WAITING', 1_000, 0, 1_000_000),
    maxWaitMs: read.int('ADMISSION_MAX_WAIT_MS', Math.floor(deadline / 2), 0, deadline),
    lightCost: read.int('ADMISSION_LIGHT_COST', 100, 0, DEFAULT_QUERY_LIMITS.maxCost - 1),
    saturatedRunning: read.int('ADMISSION_SATURATED_RUNNING', 16, 0, 100_000),
  };
}

/** METRICS_PORT (0: any free port) and METRICS_HOST; never the public PORT. */
function metricsListener(read: Reader): Config['metrics'] {
  if (!read.has('METRICS_PORT')) {
    if (read.has('METRICS_HOST')) throw new ConfigError('METRICS_HOST', 'is set but METRICS_PORT is not');
    return undefined;
  }
  const port = read.int('METRICS_PORT', 0, 0, 65535);
  if (port !== 0 && port === read.int('PORT', 4000, 0, 65535)) throw new ConfigError('METRICS_PORT', 'must differ from PORT: metrics are never served on the public port');
  return { port, host: read.string('METRICS_HOST', '0.0.0.0') };
}

/** The NODE_ENV values (unset reads as `development`) that allow development conveniences. */
const DEVELOPMENT_NODE_ENVS = ['development', 'test'];

/**
 * Node's defaults hold a client that dribbles its body for five minutes: a request must arrive
 * whole within seconds (a GraphQL body is at most 100 kB).
 */
function httpServerLimits(read: Reader): HttpServerLimits {
  const headersTimeoutMs = read.int('HTTP_HEADERS_TIMEOUT_MS', 5_000, 100, 60_000);
  return {
    headersTimeoutMs,
    // Node requires the whole-request timeout to be at least the headers timeout.
    requestTimeoutMs: read.int('HTTP_REQUEST_TIMEOUT_MS', 10_000, headersTimeoutMs, 120_000),
    keepAliveTimeoutMs: read.int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 120_000),
    maxConnectionsPerClient: read.int('HTTP_MAX_CONNECTIONS_PER_CLIENT', 100, 1, 100_000),
  };
}

/**
 * Clients retry under one idempotency key for up to a day (the industry norm): keeping records
 * less than that would let a late retry move money again, so 24 h is a floor, not a default.
 */
const MIN_RETENTION_HOURS = 24;

function stateStore(read: Reader): StateStoreSettings {
  if (!read.has('DATABASE_URL')) {
    if (read.has('DATABASE_POOL_SIZE')) throw new ConfigError('DATABASE_POOL_SIZE', 'is set but DATABASE_URL is not');
    return { engine: 'sqlite', path: read.string('STATE_DB_PATH', '.cardplane/state.db') };
  }
  if (read.has('STATE_DB_PATH')) throw new ConfigError('STATE_DB_PATH', 'is set but DATABASE_URL selects PostgreSQL: set one of them');
  // The URL carries a password: messages describe it, never echo it.
  const url = read.required('DATABASE_URL');
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') || !parsed.hostname) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres://user:password@host:port/database URL');
  }
  return { engine: 'postgres', url, poolSize: read.int('DATABASE_POOL_SIZE', 10, 1, 200) };
}

/** Asymmetric algorithms only: `none` and HMAC are never accepted. */
const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function authSettings(read: Reader, production: boolean, development: boolean, nodeEnv: string): AuthSettings {
  const policy = tokenPolicy(read);
  const configured = ['AUTH_JWKS_URL', 'AUTH_PUBLIC_KEY', 'AUTH_ISSUER', 'AUTH_AUDIENCE'].some((v) => read.has(v));
  if (!configured) {
    if (!development) {
      throw new ConfigError(
        'AUTH_JWKS_URL',
        `or AUTH_PUBLIC_KEY, with AUTH_ISSUER and AUTH_AUDIENCE, is required when NODE_ENV=${nodeEnv} (development tokens only when NODE_ENV is unset, development or test)`,
      );
    }
    return { mode: 'development', keysDir: read.string('AUTH_DEV_KEYS_DIR', '.cardplane'), ...policy };
  }
  const jwksUrl = read.has('AUTH_JWKS_URL') ? read.httpsUrl('AUTH_JWKS_URL', production) : undefined;
  const publicKeyPem = read.has('AUTH_PUBLIC_KEY') ? read.publicKey('AUTH_PUBLIC_KEY') : undefined;
  if (!jwksUrl && !publicKeyPem) throw new ConfigError('AUTH_JWKS_URL', 'or AUTH_PUBLIC_KEY is required to verify tokens');
  if (jwksUrl && publicKeyPem) throw new ConfigError('AUTH_PUBLIC_KEY', 'and AUTH_JWKS_URL are both set: choose one');
  const algorithms = read.list('AUTH_ALGORITHMS', /^[A-Za-z0-9]+$/);
  const bad = algorithms.find((a) => !ALLOWED_ALGORITHMS.includes(a));
  if (bad) throw new ConfigError('AUTH_ALGORITHMS', `has "${bad}": allowed are ${ALLOWED_ALGORITHMS.join(', ')}`);
  return {
    mode: 'verify',
    issuer: read.required('AUTH_ISSUER'),
    audience: read.required('AUTH_AUDIENCE'),
    algorithms: algorithms.length > 0 ? algorithms : ['RS256', 'ES256'],
    jwksUrl,
    publicKeyPem,
    ...policy,
  };
}

/** At most 31 days of lifetime, at most an hour in memory: a revoked key stops working within it. */
function tokenPolicy(read: Reader): TokenPolicy {
  return {
    maxLifetimeSeconds: read.int('AUTH_MAX_TOKEN_LIFETIME_SECONDS', DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, 60, 31 * 24 * 60 * 60),
    cacheSeconds: read.int('AUTH_TOKEN_CACHE_SECONDS', DEFAULT_TOKEN_CACHE_SECONDS, 0, 3600),
  };
}

/** The sandbox default puts the five provider accounts in two tenants. */
const DEFAULT_PROVIDER_TENANTS: Record<ProviderKey, string> = {
  utgl: 'acme',
  baas: 'acme',
  pushpull: 'acme',
  corporate: 'globex',
  ledger: 'globex',
};

function providerTenants(read: Reader): Record<ProviderKey, string> {
  const tenants = { ...DEFAULT_PROVIDER_TENANTS };
  for (const entry of read.list('PROVIDER_TENANTS', /^[a-z]+=[a-z0-9][a-z0-9-]{0,39}$/)) {
    const [provider, tenant] = entry.split('=') as [string, string];
    if (!isProviderKey(provider)) throw new ConfigError('PROVIDER_TENANTS', `names an unknown provider "${provider}"`);
    tenants[provider] = tenant;
  }
  return tenants;
}

/** The tenants that own at least one provider account, sorted. */
export function knownTenants(config: Pick<Config, 'providerTenants'>): string[] {
  return [...new Set(Object.values(config.providerTenants))].sort();
}

/** Each provider module declares its settle window; `<NAME>_SETTLE_WINDOW_MS` overrides it. */
function settleWindows(env: Env, upstream: UpstreamTimeouts): Record<ProviderKey, SettleWindow> {
  return Object.fromEntries(PROVIDER_KEYS.map((key) => [key, settleWindowFromEnv(PROVIDER_CATALOG[key], env, upstream)])) as Record<ProviderKey, SettleWindow>;
}

/**
 * Each provider module reads its own variables (see providers/<name>/config.ts). Outside
 * development an unconfigured provider is disabled, not simulated: at least one must be real.
 */
function providerEndpoints(env: Env, development: boolean, nodeEnv: string): ProviderEndpoints {
  const endpoints = {} as Record<ProviderKey, unknown>;
  for (const key of PROVIDER_KEYS) endpoints[key] = PROVIDER_CATALOG[key].endpointFromEnv(env);
  if (!development && PROVIDER_KEYS.every((key) => endpoints[key] === null)) {
    const variables = PROVIDER_KEYS.map((key) => `${key.toUpperCase()}_BASE_URL`);
    throw new ConfigError(variables[0]!, `or another provider's base URL (${variables.slice(1).join(', ')}) with its credentials is required when NODE_ENV=${nodeEnv}: sandboxes run only in development`);
  }
  return endpoints as ProviderEndpoints;
}
