/**
 * Prometheus metrics (prom-client), served on their own listener (`METRICS_PORT`), never on
 * the public port: requests by operation and outcome with their durations, errors by code,
 * upstream attempts by provider, operation and outcome with their latencies and retries,
 * circuit and bulkhead state per provider and the exactly-once engine's write outcomes (both
 * read at scrape time), card reveals, and Node's default process metrics.
 *
 * Every label value is bounded: provider keys, RequestSpec names and error codes are closed
 * sets in code; a GraphQL operation name is the client's, so only the first
 * MAX_OPERATION_NAMES distinct ones get their own series and the rest count as `other`.
 */
import http from 'node:http';
import { listen } from './listen.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptReport } from '../providers/transport/http.js';
import type { ProviderRegistry } from '../gateway/registry.js';
import type { WriteCounters } from '../gateway/writes/write-health.js';
import type { Admission } from '../graphql/admission.js';

/** Distinct client operation names kept as label values; later ones are `other`. */
export const MAX_OPERATION_NAMES = 100;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Seconds: GraphQL requests run from a millisecond (a replay) to the 10 s deadline. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** What one finished GraphQL request reports. */
export interface RequestReport {
  operationName?: string;
  /** `query`, `mutation`, `subscription`, or `unknown` when no operation was resolved. */
  operationType: string;
  outcome: 'ok' | 'partial' | 'error';
  durationMs: number;
  errorCodes: readonly string[];
}

/** The write engine's counters as metric outcomes. */
const WRITE_OUTCOMES: ReadonlyArray<[string, keyof WriteCounters]> = [
  ['succeeded', 'succeeded'],
  ['replayed', 'replayed'],
  ['reconciled', 'reconciled'],
  ['outcome_unknown', 'outcomeUnknown'],
  ['duplicate_detected', 'duplicatesDetected'],
  ['resent', 'resends'],
  ['held_inside_settle_window', 'heldInsideSettleWindow'],
];

export interface MetricsSources {
  registry: ProviderRegistry;
  writes: WriteCounters;
  admission: Admission;
}

export class Metrics {
  readonly register = new Registry();
  private readonly operationNames = new Set<string>();
  private readonly requests: Counter<'operation' | 'type' | 'outcome'>;
  private readonly requestDuration: Histogram<'operation' | 'type'>;
  private readonly errors: Counter<'code'>;
  private readonly upstreamAttempts: Counter<'provider' | 'operation' | 'outcome'>;
  private readonly upstreamDuration: Histogram<'provider' | 'operation'>;
  private readonly upstreamRetries: Counter<'provider' | 'operation'>;
  private readonly reveals: Counter<'outcome'>;

  constructor(sources: MetricsSources) {
    const registers = [this.register];
    collectDefaultMetrics({ register: this.register });
    this.requests = new Counter({ name: 'cardplane_graphql_requests_total', help: 'GraphQL requests by operation, type and outcome (ok, partial, error)', labelNames: ['operation', 'type', 'outcome'], registers });
    this.requestDuration = new Histogram({ name: 'cardplane_graphql_request_duration_seconds', help: 'GraphQL request duration', labelNames: ['operation', 'type'], buckets: REQUEST_BUCKETS, registers });
    this.errors = new Counter({ name: 'cardplane_graphql_errors_total', help: 'Errors answered, by extensions.code', labelNames: ['code'], registers });
    this.upstreamAttempts = new Counter({ name: 'cardplane_upstream_attempts_total', help: 'Upstream attempts by provider, operation and outcome (ok or the error code)', labelNames: ['provider', 'operation', 'outcome'], registers });
    this.upstreamDuration = new Histogram({ name: 'cardplane_upstream_attempt_duration_seconds', help: 'Upstream attempt latency, a wait for a bulkhead slot included', labelNames: ['provider', 'operation'], buckets: UPSTREAM_BUCKETS, registers });
    this.upstreamRetries = new Counter({ name: 'cardplane_upstream_retries_total', help: 'Upstream attempts that were retries of an earlier one', labelNames: ['provider', 'operation'], registers });
    this.reveals = new Counter({ name: 'cardplane_card_reveals_total', help: 'Card secrets redeemed on /reveal, by outcome (ok or the error code)', labelNames: ['outcome'], registers });

    const providers = () => sources.registry.list().map(({ provider }) => ({ key: provider.key, health: provider.health() }));
    new Gauge({
      name: 'cardplane_provider_circuit_open',
      help: 'Whether the provider’s circuit is open (1) or closed (0)',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const { key, health } of providers()) this.set({ provider: key }, health.circuitOpen ? 1 : 0);
      },
    });
    new Gauge({
      name: 'cardplane_provider_bulkhead_in_flight',
      help: 'Calls in flight at the provider',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const { key, health } of providers()) this.set({ provider: key }, health.inFlight);
      },
    });
    new Gauge({
      name: 'cardplane_provider_bulkhead_queued',
      help: 'Calls waiting for a slot at the provider',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const { key, health } of providers()) this.set({ provider: key }, health.queued);
      },
    });
    const admissionGauge = (read: (admission: Admission) => number, name: string, help: string) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(sources.admission));
        },
      });
    admissionGauge((a) => a.state.running, 'cardplane_admission_running', 'GraphQL operations executing under admission control (light ones not counted)');
    admissionGauge((a) => a.state.costInFlight, 'cardplane_admission_cost_in_flight', 'Cost of the GraphQL operations executing under admission control (light ones not counted)');
    admissionGauge((a) => a.state.waiting, 'cardplane_admission_waiting', 'GraphQL operations waiting for their turn to execute (admission control)');
    admissionGauge(
      (a) => a.runningLimit,
      'cardplane_admission_running_limit',
      'GraphQL operations that may execute at once, lowered while the main thread is saturated (+Inf: no limit)',
    );
    new Counter({
      name: 'cardplane_writes_total',
      help: 'Exactly-once writes by outcome',
      labelNames: ['outcome'],
      registers,
      collect() {
        // The engine keeps plain monotonic counters: mirror them at scrape time.
        this.reset();
        for (const [outcome, field] of WRITE_OUTCOMES) this.inc({ outcome }, sources.writes[field]);
      },
    });
  }

  /** The transport's per-attempt observer. */
  readonly observeAttempt = (report: AttemptReport): void => {
    const labels = { provider: report.provider, operation: report.operation };
    this.upstreamAttempts.inc({ provider: report.provider, operation: report.operation, outcome: report.outcome });
    this.upstreamDuration.observe(labels, report.durationMs / 1000);
    if (report.attempt > 0) this.upstreamRetries.inc(labels);
  };

  requestFinished(report: RequestReport): void {
    const labels = { operation: this.operationLabel(report.operationName), type: report.operationType };
    this.requests.inc({ operation: labels.operation, type: labels.type, outcome: report.outcome });
    this.requestDuration.observe(labels, report.durationMs / 1000);
    for (const code of new Set(report.errorCodes)) this.errors.inc({ code });
  }

  revealFinished(outcome: string): void {
    this.reveals.inc({ outcome });
  }

  private operationLabel(name: string | undefined): string {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }
}

export interface RunningMetricsServer {
  url: string;
  close(): Promise<void>;
}

/** `GET /metrics` on a listener of its own; nothing else is served there. */
export async function startMetricsServer(metrics: Metrics, port: number, host: string): Promise<RunningMetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.register.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.register.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  const url = `${await listen(server, port, host)}/metrics`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
