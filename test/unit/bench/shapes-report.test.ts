/**
 * The report's ratios from paired rounds (bench/shapes-report.ts): each side's round r ran in the
 * same turn as the direct client's round r, so "× direct" and "added" are medians over rounds of
 * the pair, which cancels the machine's drift between rounds; the medians of two sides are set
 * against each other only when their rounds cannot be paired.
 */
import type { BenchSettings } from '../../../bench/harness';
import { comparisonTable, storeLines, targetsTable, type Comparison } from '../../../bench/shapes-report';
import { sideOfRounds } from './figures';

const settings: BenchSettings = {
  concurrency: 50,
  durationMs: 8_000,
  warmupMs: 2_000,
  repeat: 3,
  singleDurationMs: 4_000,
  turnWarmupMs: 500,
  latencyMs: 10,
  viewers: 500,
  gatewayExperiment: { nodeArgs: [], env: {}, beside: false },
};

/**
 * The machine at half speed during the second round, for both sides alike: CPU per request
 * doubles, throughput halves, the one-client p50 grows by 3 ms. Per round the gateway spends
 * 1.6× the direct client's CPU (1.17× in round 3, where the gateway was lucky) at 0.65× its
 * throughput, and adds 0.8 ms; the medians of the two sides come from different rounds.
 */
const direct = sideOfRounds(
  [
    { cpuMsPerRequest: 0.5, rps: 1_000 },
    { cpuMsPerRequest: 1.0, rps: 500 },
    { cpuMsPerRequest: 0.6, rps: 900 },
  ],
  [{ p50: 10 }, { p50: 13 }, { p50: 10.4 }],
);
const gateway = sideOfRounds(
  [
    { cpuMsPerRequest: 0.8, rps: 650 },
    { cpuMsPerRequest: 1.6, rps: 325 },
    { cpuMsPerRequest: 0.7, rps: 700 },
  ],
  [{ p50: 10.8 }, { p50: 13.8 }, { p50: 10.6 }],
);
const card = (sides: Comparison['sides']): Comparison => ({ shape: 'card-by-id', description: 'card-by-id', sides });
const row = (table: string, start: string) => table.split('\n').find((line) => line.startsWith(start))!;

describe('ratios from paired rounds', () => {
  it('gives the median of the per-round ratios (1.60 CPU, 0.65 throughput), not the ratio of the medians (1.33, 0.72)', () => {
    const targets = row(targetsTable([card({ gateway, direct })]), '| card-by-id');
    expect(targets).toContain('| 1.60 ✓ (≤ 1.7, aim 1.5) | 0.65 ✓ (≥ 0.6, aim 0.7) |');
    const table = row(comparisonTable(settings, [card({ gateway, direct })]), '| card-by-id | gateway');
    expect(table).toContain('| 0.80 | 1.60 | 650 | 0.65 |');
  });

  it('gives the added one-client p50 as the median of the per-round differences (0.8 ms, not 10.8 − 10.4)', () => {
    const targets = row(targetsTable([card({ gateway, direct })]), '| card-by-id');
    expect(targets).toContain('+0.80 ms (+8%) ✓ (≤ 1 ms)');
    expect(storeLines([{ ...card({ gateway, direct }), engine: 'SQLite' }], undefined)[0]).toContain('+0.80 ms (+8%) over the direct client');
  });

  it('pairs the gateway with the verifying peer the same way', () => {
    const table = targetsTable([card({ gateway, direct, 'peer, verifying': direct })]);
    expect(table).toContain('the gateway spends 1.60× its CPU per request ✗ (target < 1) at 0.65× its throughput ✗ (target > 1)');
  });

  it('falls back to the ratio of the medians when the two sides ran a different number of rounds', () => {
    const twoRounds = sideOfRounds([{ cpuMsPerRequest: 0.5, rps: 1_000 }, { cpuMsPerRequest: 0.6, rps: 900 }], [{ p50: 10 }, { p50: 10.4 }]);
    const targets = row(targetsTable([card({ gateway, direct: twoRounds })]), '| card-by-id');
    // 0.8 / 0.55, 650 / 950, 10.8 − 10.2
    expect(targets).toContain('| 1.45 ✓ (≤ 1.7, aim 1.5) | 0.68 ✓ (≥ 0.6, aim 0.7) | +0.60 ms (+6%) ✓ (≤ 1 ms) |');
  });

  it('says in the table\'s header line that the ratios are medians of paired rounds', () => {
    const header = comparisonTable(settings, [card({ gateway, direct })]).split('\n')[0]!;
    expect(header).toContain("each × direct and added figure is the median over rounds of a side's round against the direct client's round of the same turn");
  });
});
