/**
 * The benchmark harness's own logic (no timings): medians of repeated runs, how viewers are
 * spread over clients so the per-viewer limits are never what is measured, and how the report
 * judges figures against issue 14's targets.
 */
import type { Pool } from 'undici';
import { describeGatewayExperiment, gatewayExperimentFromEnv } from '../../../bench/gateway-experiment';
import { graphqlSide } from '../../../bench/harness';
import { median } from '../../../bench/load';
import { medianFigures, type SideFigures } from '../../../bench/measure';
import { slowProviderLines, targetsTable, type Comparison } from '../../../bench/shapes-report';
import { figures, side } from './figures';

/** A pool that answers every request with `answer` and remembers the authorization headers. */
function recordingPool(answer: { statusCode: number; body: unknown } = { statusCode: 200, body: { data: {} } }) {
  const authorizations: string[] = [];
  const pool = {
    async request(options: { headers: Record<string, string> }) {
      authorizations.push(options.headers.authorization!);
      return { statusCode: answer.statusCode, body: { json: async () => answer.body } };
    },
  } as unknown as Pool;
  return { pool, authorizations };
}

const target = { cpuMs: () => 0, peakRssMb: () => 0 };
const upstream = async () => 0;
const tokens = Array.from({ length: 100 }, (_, i) => `viewer-${i}`);

describe('median', () => {
  it('is the middle of an odd count and the mean of the two middles of an even one', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores figures that are not numbers (a run with no answers) and is NaN for none', () => {
    expect(median([NaN, 5, 7, Infinity])).toBe(6);
    expect(median([])).toBeNaN();
  });
});

describe('medianFigures', () => {
  it('takes each figure from the middle run on its own and sums the errors and their codes', () => {
    const runs = [
      figures({ rps: 90, p50: 30, errors: 1, errorCodes: { RATE_LIMITED: 1 } }),
      figures({ rps: 110, p50: 10, errors: 0 }),
      figures({ rps: 100, p50: 20, errors: 2, errorCodes: { RATE_LIMITED: 1, 'HTTP 503': 1 } }),
    ];
    const m = medianFigures(runs);
    expect(m.rps).toBe(100);
    expect(m.p50).toBe(20);
    expect(m.errors).toBe(3);
    expect(m.errorCodes).toEqual({ RATE_LIMITED: 2, 'HTTP 503': 1 });
  });
});

describe('graphqlSide', () => {
  it('gives each of 50 clients viewers no other client uses', async () => {
    const { pool, authorizations } = recordingPool();
    const s = graphqlSide(target, pool, tokens, () => ({ query: '{ a }' }), upstream);
    const byViewer = new Map<string, Set<number>>();
    for (let client = 0; client < 50; client += 1) {
      for (let nth = 0; nth < 6; nth += 1) {
        await s.request(0, client, nth, 50);
        const viewer = authorizations.at(-1)!;
        byViewer.set(viewer, (byViewer.get(viewer) ?? new Set()).add(client));
      }
    }
    expect([...byViewer.values()].every((clients) => clients.size === 1)).toBe(true);
    expect(byViewer.size).toBe(100);
  });

  it('spreads one client over every viewer in turn, so its rate is divided by their number', async () => {
    const { pool, authorizations } = recordingPool();
    const s = graphqlSide(target, pool, tokens, () => ({ query: '{ a }' }), upstream);
    for (let nth = 0; nth < 100; nth += 1) await s.request(nth, 0, nth, 1);
    expect(new Set(authorizations).size).toBe(100);
  });

  it('fails a request answered with errors, naming the first error code and the provider it came from', async () => {
    const { pool } = recordingPool({ statusCode: 200, body: { data: { a: null }, errors: [{ extensions: { code: 'UPSTREAM_UNAVAILABLE', provider: 'pushpull' } }] } });
    const s = graphqlSide(target, pool, tokens, () => ({ query: '{ a }' }), upstream);
    await expect(s.request(0, 0, 0, 1)).rejects.toThrow(/^UPSTREAM_UNAVAILABLE:pushpull$/);
  });

  it('names a failure without a provider by its code alone', async () => {
    const { pool } = recordingPool({ statusCode: 200, body: { errors: [{ extensions: { code: 'RATE_LIMITED' } }] } });
    const s = graphqlSide(target, pool, tokens, () => ({ query: '{ a }' }), upstream);
    await expect(s.request(0, 0, 0, 1)).rejects.toThrow(/^RATE_LIMITED$/);
  });

  it('fails a non-200 answer without errors by its HTTP status', async () => {
    const { pool } = recordingPool({ statusCode: 503, body: {} });
    const s = graphqlSide(target, pool, tokens, () => ({ query: '{ a }' }), upstream);
    await expect(s.request(0, 0, 0, 1)).rejects.toThrow('HTTP 503');
  });
});

describe('the report', () => {
  const comparison = (shape: string, gateway: SideFigures): Comparison => ({
    shape,
    description: shape,
    sides: { gateway, direct: side({ cpuMsPerRequest: 1, rps: 100, upstreamPerQuery: 4 }, { p50: 10 }) },
  });

  it('marks the card shape met when CPU, throughput, added p50, memory and upstream calls are within the targets', () => {
    const table = targetsTable([comparison('card-by-id', side({ cpuMsPerRequest: 1.6, rps: 65, upstreamPerQuery: 4 }, { p50: 10.9 }, 190))]);
    const row = table.split('\n').find((line) => line.startsWith('| card-by-id'))!;
    expect(row).not.toContain('✗');
    expect(row.match(/✓/g)).toHaveLength(5);
  });

  it('marks the list missed when it adds more than 10% with one client or calls upstream more than the direct client', () => {
    const table = targetsTable([comparison('cards-list-50', side({ cpuMsPerRequest: 1.2, rps: 90, upstreamPerQuery: 5 }, { p50: 11.5 }))]);
    const row = table.split('\n').find((line) => line.startsWith('| cards-list-50'))!;
    expect(row).toContain('+15%) ✗');
    expect(row).toContain('5.00 vs 4.00 ✗');
  });

  it('marks a shape whose gateway queries failed as not comparable, whatever its ratios', () => {
    const table = targetsTable([comparison('card-by-id', side({ cpuMsPerRequest: 1, rps: 90, upstreamPerQuery: 4, errors: 12 }, { p50: 10.5 }))]);
    expect(table).toContain('| card-by-id (12 failed queries: not comparable) |');
  });

  it('says the fast providers waited when their calls start after the slow provider answered', () => {
    const lines = slowProviderLines(comparison('cards-list-50-slow', side({}, { p50: 206 })), { provider: 'baas', latencyMs: 200 }, { baas: 2, utgl: 203, corporate: 2 });
    expect(lines.join('\n')).toContain('utgl started only after baas answered ✗');
    expect(lines[0]).toContain('1.03× baas');
  });
});

describe('gatewayExperimentFromEnv', () => {
  it('is nothing at all without BENCH_GATEWAY_* (the production gateway, nothing named in the report)', () => {
    const experiment = gatewayExperimentFromEnv({});
    expect(experiment).toEqual({ nodeArgs: [], env: {}, beside: false });
    expect(describeGatewayExperiment(experiment)).toBeUndefined();
  });

  it('reads node flags, environment and a stdout file, and names the flags and environment in one line', () => {
    const experiment = gatewayExperimentFromEnv({
      BENCH_GATEWAY_NODE_OPTIONS: ' --trace-gc-nvp  --max-semi-space-size=32 ',
      BENCH_GATEWAY_ENV: '{"GRAPHQL_EXECUTOR":"graphql-js","METRICS_PORT":""}',
      BENCH_GATEWAY_STDOUT: '/tmp/gateway.out',
    });
    expect(experiment).toEqual({
      nodeArgs: ['--trace-gc-nvp', '--max-semi-space-size=32'],
      env: { GRAPHQL_EXECUTOR: 'graphql-js', METRICS_PORT: '' },
      stdout: '/tmp/gateway.out',
      beside: false,
    });
    expect(describeGatewayExperiment(experiment)).toBe('node flags --trace-gc-nvp --max-semi-space-size=32, GRAPHQL_EXECUTOR="graphql-js", METRICS_PORT=""');
  });

  it.each([
    ['not JSON', '{GRAPHQL_EXECUTOR: graphql-js}'],
    ['an array', '["GRAPHQL_EXECUTOR"]'],
    ['a number value', '{"HEAP_GROWING_PERCENT": 50}'],
    ['null', 'null'],
  ])('refuses a BENCH_GATEWAY_ENV that is %s, saying what it must be', (_, value) => {
    expect(() => gatewayExperimentFromEnv({ BENCH_GATEWAY_ENV: value })).toThrow('BENCH_GATEWAY_ENV must be a JSON object of strings');
  });

  it('runs the experiment beside the production gateway when asked, and refuses to when there is no experiment', () => {
    expect(gatewayExperimentFromEnv({ BENCH_GATEWAY_NODE_OPTIONS: '--max-semi-space-size=32', BENCH_EXPERIMENT_BESIDE: 'true' })).toEqual({
      nodeArgs: ['--max-semi-space-size=32'],
      env: {},
      beside: true,
    });
    expect(() => gatewayExperimentFromEnv({ BENCH_EXPERIMENT_BESIDE: 'true' })).toThrow('BENCH_EXPERIMENT_BESIDE=true needs an experiment');
  });

  it('refuses a script or word among the node flags (the entry point is the gateway, always)', () => {
    expect(() => gatewayExperimentFromEnv({ BENCH_GATEWAY_NODE_OPTIONS: '--trace-gc other.js' })).toThrow('BENCH_GATEWAY_NODE_OPTIONS holds node flags only');
  });
});
