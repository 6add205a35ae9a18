/**
 * The composition root: the one place that wires configuration, sandboxes, providers, the
 * gateway, token verification and the HTTP server together. `main.ts`, the benchmark and the
 * integration tests all start Cardplane through `startApp`, so none of them holds a copy of
 * the start-up wiring.
 */
import { knownTenants, type Config } from './config.js';
import { createLogger, type Logger } from './core/logger.js';
import { PROVIDER_KEYS } from './core/provider-key.js';
import { createTokenVerifier } from './auth/setup.js';
import { createRegistry } from './gateway/build-registry.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import type { ProviderRegistry } from './gateway/registry.js';
import { openEventBus, openStateStore } from './store/open-store.js';
import type { EventBus } from './store/event-bus.js';
import { startRetention } from './store/retention.js';
import type { StateStore } from './store/state-store.js';
import { startSandboxes, type RunningSandboxes } from './providers/sandboxes.js';
import { startServer } from './server.js';
import { Readiness } from './http/readiness.js';
import { Metrics, startMetricsServer, type RunningMetricsServer } from './http/metrics.js';
import { countUpstreamAttempt } from './http/request-observation.js';
import { traceUpstreamAttempt } from './http/request-tracing.js';
import { startTracing } from './http/tracing.js';
import type { AttemptObserver } from './providers/transport/http.js';
import { DEFAULT_QUERY_LIMITS } from './graphql/limits.js';
import { Admission } from './graphql/admission.js';
import { sampleEventLoop } from './graphql/saturation.js';

/** What a caller may supply instead of the configured defaults (tests: a store to restart on, a log sink). */
export interface AppOverrides {
  log?: Logger;
  /** The state store; the app closes only one it opened itself. */
  store?: StateStore;
  /** The live-update bus (default: PostgreSQL LISTEN/NOTIFY with DATABASE_URL, else in-process); closed only if opened here. */
  bus?: EventBus;
}

export interface App {
  /** Where the server listens, e.g. http://127.0.0.1:4000 */
  url: string;
  config: Config;
  log: Logger;
  sandboxes: RunningSandboxes;
  registry: ProviderRegistry;
  gateway: Gateway;
  store: StateStore;
  /** Where Prometheus scrapes, when METRICS_PORT is set (e.g. http://127.0.0.1:9464/metrics). */
  metricsUrl?: string;
  /** What `/readyz` answers: ready once start-up completes, not ready again from `close()`. */
  readiness: Readiness;
  /** Stops accepting requests, drains, closes provider pools, stores and sandboxes. */
  close(): Promise<void>;
}

export async function startApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.log ?? createLogger(config.logLevel);
  // Before anything can start a span; nothing is registered when the OTEL_* variables are absent.
  const tracing = startTracing(config.tracing);
  if (tracing) log.info({ event: 'tracing.started', exporters: config.tracing.exporters, endpoint: config.tracing.endpoint }, 'traces exported');
  // First: a damaged or unreachable store stops start-up before anything listens.
  const store = overrides.store ?? (await openStateStore(config.state, log));
  log.info({ event: 'state_store.opened', engine: store.engine }, 'state store ready');
  const retention = startRetention(store, log, { retentionHours: config.stateRetentionHours });
  let sandboxes: RunningSandboxes;
  let bus: EventBus | undefined;
  try {
    bus = overrides.bus ?? (await openEventBus(config.state, log));
    sandboxes = await startSandboxes(config.providers, { latencyMs: config.sandboxLatencyMs, simulate: config.development });
  } catch (error) {
    await tracing?.shutdown();
    await retention.stop();
    if (!overrides.bus) await bus?.close();
    if (!overrides.store) await store.close();
    throw error;
  }
  // Every upstream attempt is a span (its trace context sent upstream), counts against its
  // request (the request log line) and in metrics when they are on; the metrics exist after
  // the registry they read, so the observer forwards to them.
  let metrics: Metrics | undefined;
  const observer: AttemptObserver = (attempt, headers, cx) => {
    const traced = traceUpstreamAttempt(attempt, headers, cx);
    return (report) => {
      traced(report);
      countUpstreamAttempt(cx.requestId);
      metrics?.observeAttempt(report);
    };
  };
  const registry = createRegistry({ endpoints: sandboxes.endpoints, sandboxed: sandboxes.sandboxed, transport: { ...config.upstream, observer } });
  const gateway = createGateway({
    registry,
    requestDeadlineMs: config.requestDeadlineMs,
    providerTenants: config.providerTenants,
    reveal: config.reveal,
    store,
    settleWindows: config.settleWindows,
    log,
    perViewerConcurrency: config.perViewerConcurrency,
    bus,
    followRhythms: config.followRhythms,
  });
  gateway.reconciler.start(config.reconcileSweepIntervalMs);
  // Metrics are kept only when something can scrape them: without METRICS_PORT nothing counts.
  const admission = new Admission(config.admission);
  const stopSampling = sampleEventLoop((utilization) => admission.adapt(utilization));
  if (config.metrics) metrics = new Metrics({ registry, writes: gateway.writeCounters, admission });
  const readiness = new Readiness(stateReadiness(store, gateway, log));
  const server = await startServer(
    {
      gateway,
      log,
      production: config.production,
      verify: await createTokenVerifier(config.auth),
      introspection: config.introspection,
      executor: config.executor,
      rateLimit: config.rateLimit,
      cors: config.cors,
      http: config.http,
      costBudget: config.costBudget,
      admission,
      limits: { ...DEFAULT_QUERY_LIMITS, maxIds: config.maxIdsPerDocument },
      persistedQueries: config.persistedQueries,
      readiness,
      metrics,
      subscriptions: config.subscriptions,
    },
    config.port,
    config.host,
  );
  for (const entry of registry.list()) {
    log.info({ provider: entry.provider.key, sandbox: entry.sandbox }, entry.sandbox ? 'provider served by the embedded sandbox' : 'provider configured');
  }
  for (const key of PROVIDER_KEYS.filter((k) => !registry.has(k))) {
    log.warn({ provider: key, event: 'provider.disabled' }, `provider disabled: ${key.toUpperCase()}_BASE_URL is not set (sandboxes run only in development)`);
  }
  let metricsServer: RunningMetricsServer | undefined;
  if (config.metrics && metrics) {
    metricsServer = await startMetricsServer(metrics, config.metrics.port, config.metrics.host);
    log.info({ url: metricsServer.url }, 'metrics served');
  }
  readiness.markStarted();
  return {
    url: server.url,
    config,
    log,
    sandboxes,
    registry,
    gateway,
    store,
    readiness,
    metricsUrl: metricsServer?.url,
    async close() {
      stopSampling();
      readiness.drain();
      await server.close();
      await metricsServer?.close();
      await gateway.reconciler.stop();
      await gateway.live.close();
      if (!overrides.bus) await bus.close();
      await registry.close();
      await sandboxes.stop();
      await retention.stop();
      if (!overrides.store) await store.close();
      await tracing?.shutdown();
    },
  };
}

/**
 * The state store's part of readiness: it answers (`check()`), and it takes the write engine's
 * writes. Why it does not is logged once per outage, under stable event names.
 */
function stateReadiness(store: StateStore, gateway: Gateway, log: Logger): () => Promise<Record<string, 'ok' | 'failing'>> {
  let down = false;
  return async () => {
    let stateStore: 'ok' | 'failing' = 'ok';
    try {
      await store.check();
      if (down) log.info({ event: 'state_store.ready' }, 'the state store answers again');
      down = false;
    } catch (error) {
      if (!down) log.error({ event: 'state_store.unready', err: (error as Error).message }, 'the state store does not answer');
      down = true;
      stateStore = 'failing';
    }
    return { stateStore, stateStoreWrites: gateway.storeHealth.snapshot().healthy ? 'ok' : 'failing' };
  };
}

/**
 * What `npm start` prints once it listens. The Sandbox page is served only with introspection
 * on (development by default): a production banner names the endpoint, never a page that is
 * not there.
 */
export function startupBanner(config: Config, url: string, metricsUrl?: string): string[] {
  const lines = [config.introspection ? `\nCardplane is up. Open Apollo Sandbox at ${url}/graphql` : `\nCardplane is up. GraphQL endpoint: ${url}/graphql`];
  if (config.auth.mode === 'development') {
    const tenants = knownTenants(config).join(', ');
    lines.push(`Every request needs a token: \`npm run token -- --tenant acme\` prints one (tenants: ${tenants});`);
    lines.push('paste it in Apollo Sandbox under Connection settings → Headers as  Authorization: Bearer <token>');
  }
  lines.push(`Health: ${url}/healthz (liveness), ${url}/readyz (readiness)`);
  lines.push(metricsUrl ? `Metrics: ${metricsUrl}` : 'Metrics: off (set METRICS_PORT to serve them)');
  const { tracing } = config;
  lines.push(tracing.enabled ? `Traces: exported (${tracing.exporters.join(', ')}${tracing.endpoint ? ` to ${tracing.endpoint}` : ''})\n` : 'Traces: off (set OTEL_EXPORTER_OTLP_ENDPOINT to export them)\n');
  return lines;
}
