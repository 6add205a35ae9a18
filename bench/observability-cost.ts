/**
 * `observability`: what metrics and tracing cost per request (issue 12: metrics on and tracing
 * off must cost under 3% CPU per request). The card shape on three production gateways that
 * differ only there: metrics off (no METRICS_PORT), metrics on (as every other run), and, for
 * information, metrics and tracing on — every request traced and exported over OTLP/HTTP to a
 * collector in this process that accepts and discards. The three are up together and measured
 * in turns like the sides of any comparison (measure.ts), and each difference to metrics off is
 * the median over rounds of the paired rounds' difference (shapes-report.ts `paired`), so a
 * drift of the machine's speed weighs on both rounds of a pair alike.
 *
 * At 50 clients one gateway's CPU per request moves by several percent from round to round (GC,
 * the machine), more than a 3% target, so the run also measures the metrics' own work directly:
 * the calls a metrics-on gateway makes for one card request (one upstream attempt observed, one
 * request finished), timed in this process over many iterations, as a share of the measured CPU
 * per request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchRun, Harness } from './harness.js';
import type { SideFigures } from './measure.js';
import { f, paired } from './shapes-report.js';
import { gatewaySide, measureTogether, type Start } from './shapes-run.js';
import { SHAPES } from './shapes.js';
import { Metrics } from '../src/http/metrics.js';
import { Admission } from '../src/graphql/admission.js';
import type { ProviderRegistry } from '../src/gateway/registry.js';

const SHAPE = SHAPES.find((s) => s.name === 'card-by-id')!;

interface Variant {
  label: string;
  env(collector: string): Record<string, string>;
}

const VARIANTS: Variant[] = [
  { label: 'metrics off, tracing off', env: () => ({ METRICS_PORT: '' }) },
  { label: 'metrics on, tracing off', env: () => ({}) },
  {
    label: 'metrics on, tracing on (every request, OTLP/HTTP)',
    env: (collector) => ({ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: collector, OTEL_TRACES_SAMPLER: 'always_on' }),
  },
];

/** An OTLP/HTTP endpoint that reads each export and answers 200, keeping nothing. */
async function discardingCollector(): Promise<{ url: string; exports: () => number; close(): Promise<void> }> {
  let exports = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * CPU µs of the metrics work one card request causes: the transport's attempt observation and
 * the request's, on a registry with default process metrics as the gateway's. The median of
 * five batches, after a warm-up batch.
 */
function metricsWorkPerRequestUs(): number {
  const metrics = new Metrics({
    registry: { list: () => [] } as unknown as ProviderRegistry,
    writes: { succeeded: 0, replayed: 0, reconciled: 0, outcomeUnknown: 0, duplicatesDetected: 0, resends: 0, heldInsideSettleWindow: 0 },
    admission: new Admission({ maxCostInFlight: 20_000, maxWaiting: 1_000, maxWaitMs: 5_000, lightCost: 100, saturatedRunning: 16 }),
  });
  const batch = 100_000;
  const perRequest: number[] = [];
  for (let round = 0; round < 6; round += 1) {
    const before = process.cpuUsage();
    for (let i = 0; i < batch; i += 1) {
      metrics.observeAttempt({ provider: 'utgl', operation: 'getCard', kind: 'read', method: 'GET', route: '/v1/cards/{id}', attempt: 0, outcome: 'ok', status: 200, durationMs: 10 + (i % 7) });
      metrics.requestFinished({ operationName: 'CardById', operationType: 'query', outcome: 'ok', durationMs: 12 + (i % 5), errorCodes: [] });
    }
    const used = process.cpuUsage(before);
    if (round > 0) perRequest.push((used.user + used.system) / batch);
  }
  metrics.register.clear();
  return perRequest.sort((a, b) => a - b)[Math.floor(perRequest.length / 2)]!;
}

/** A ratio as the change it is, e.g. 1.183 → `+18.3%`. */
const change = (ratio: number) => `${ratio >= 1 ? '+' : '−'}${f(Math.abs((ratio - 1) * 100), 1)}%`;
/** CPU per request of `side` over `base`'s, paired by round, at 50 clients or with one. */
const cpuOver = (side: SideFigures, base: SideFigures, load: 'loaded' | 'single') => paired(side, base, load, (s, b) => s.cpuMsPerRequest / b.cpuMsPerRequest);

export const observabilityRun: BenchRun = {
  name: 'observability',
  description: 'CPU per request of the card shape with metrics off, metrics on, and tracing on too',
  async run(h: Harness) {
    const collector = await discardingCollector();
    let figures: SideFigures[];
    try {
      const starts: Record<string, Start> = Object.fromEntries(VARIANTS.map((variant) => [variant.label, () => gatewaySide(h, SHAPE, variant.env(collector.url))]));
      const sides = await measureTogether(h, starts);
      figures = VARIANTS.map((variant) => sides[variant.label]!);
    } finally {
      await collector.close();
    }
    const workUs = metricsWorkPerRequestUs();
    const [off, on, traced] = figures as [SideFigures, SideFigures, SideFigures];
    const rows = [
      `${SHAPE.description}, ${h.settings.concurrency} clients and 1 client; each figure the median of ${h.settings.repeat} round${h.settings.repeat > 1 ? 's' : ''} ` +
        `(${h.settings.durationMs / 1000} s at ${h.settings.concurrency} clients, ${h.settings.singleDurationMs / 1000} s with 1), the gateways taking turns; ` +
        'each difference the median over rounds of the paired rounds\' ratio',
      '',
      `| gateway | CPU ms/req at ${h.settings.concurrency} | vs metrics off | CPU ms/req, 1 client | vs metrics off | req/s at ${h.settings.concurrency} | p50 ms | p50 ms, 1 client | errors |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...VARIANTS.map((variant, i) => {
        const side = figures[i]!;
        const { loaded: l, single: s } = side;
        const vs = (load: 'loaded' | 'single') => (i === 0 ? '' : change(cpuOver(side, off, load)));
        return (
          `| ${variant.label} | ${f(l.cpuMsPerRequest, 3)} | ${vs('loaded')} | ${f(s.cpuMsPerRequest, 3)} | ${vs('single')} | ` +
          `${f(l.rps, 0)} | ${f(l.p50)} | ${f(s.p50, 2)} | ${l.errors + s.errors} |`
        );
      }),
      '',
      `Metrics on cost ${change(cpuOver(on, off, 'loaded'))} CPU per request at ${h.settings.concurrency} clients, ` +
        `${change(cpuOver(on, off, 'single'))} with one (target: under 3%). ` +
        `Tracing every request on top: ${change(cpuOver(traced, on, 'loaded'))} at ${h.settings.concurrency} clients ` +
        `(${collector.exports()} OTLP exports received and discarded).`,
      '',
      `The metrics' own work, measured directly (one upstream attempt and one request observed, in this process): ` +
        `${f(workUs, 2)} µs CPU per card request = ${f((workUs / 1000 / on.loaded.cpuMsPerRequest) * 100, 2)}% of the metrics-on gateway's CPU per request at ${h.settings.concurrency} clients ` +
        `(target: under 3%); the round-to-round spread of the figures above is larger than that.`,
    ];
    return {
      markdown: rows.join('\n'),
      json: { metricsWorkUsPerRequest: workUs, variants: VARIANTS.map((variant, i) => ({ variant: variant.label, ...figures[i] })) },
    };
  },
};
