/**
 * The comparison runs' report: each side beside the direct client, the figures against the
 * issue's targets (issue 14), what the store adds to a write, and the slow-provider list.
 */
import type { ProviderKey } from '../src/core/provider-key.js';
import type { BenchSettings } from './harness.js';
import { median } from './load.js';
import type { Figures, SideFigures } from './measure.js';

export interface Comparison {
  shape: string;
  description: string;
  /** The state store engine the gateway ran on (writes). */
  engine?: string;
  /** The gateway, the direct client, and any other side (the peers), by label. */
  sides: { gateway: SideFigures; direct: SideFigures } & Record<string, SideFigures>;
}

export const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const mark = (ok: boolean) => (ok ? '✓' : '✗');

/** The gateway first, the direct client last, anything else (the peers) between. */
function orderedSides(c: Comparison): Array<[string, SideFigures]> {
  const others = Object.entries(c.sides).filter(([label]) => label !== 'gateway' && label !== 'direct');
  return [['gateway', c.sides.gateway], ...others, ['direct', c.sides.direct]];
}

/**
 * `pair(side's round r, base's round r)`, the median over r: the two rounds ran in the same turn
 * (measure.ts), within seconds of each other, so a drift of the machine's speed between rounds
 * weighs on both and cancels in the pair, where it would not between two medians. When the
 * sides' round counts differ (or no rounds were kept), no round has a partner for certain, and
 * this falls back to `pair` of the two medians.
 */
export function paired(side: SideFigures, base: SideFigures, load: 'loaded' | 'single', pair: (side: Figures, base: Figures) => number): number {
  const rounds = side.runs[load];
  const baseRounds = base.runs[load];
  if (rounds.length === 0 || rounds.length !== baseRounds.length) return pair(side[load], base[load]);
  return median(rounds.map((round, r) => pair(round, baseRounds[r]!)));
}

/** CPU per request over `base`'s, at the concurrency. */
const cpuRatio = (side: SideFigures, base: SideFigures) => paired(side, base, 'loaded', (s, b) => s.cpuMsPerRequest / b.cpuMsPerRequest);
/** Answered queries per second over `base`'s, at the concurrency. */
const throughputRatio = (side: SideFigures, base: SideFigures) => paired(side, base, 'loaded', (s, b) => s.rps / b.rps);

/** With one client: what a side adds to the direct client's p50, ms, and % of the direct client's (median) p50. */
function added(side: SideFigures, direct: SideFigures): { ms: number; percent: number } {
  const ms = paired(side, direct, 'single', (s, d) => s.p50 - d.p50);
  return { ms, percent: (ms / direct.single.p50) * 100 };
}

const sign = (n: number) => (n >= 0 ? '+' : '−');
const addedText = (a: { ms: number; percent: number }) => `${sign(a.ms)}${f(Math.abs(a.ms), 2)} ms (${sign(a.percent)}${f(Math.abs(a.percent), 0)}%)`;

export function comparisonTable(settings: BenchSettings, comparisons: Comparison[]): string {
  const { concurrency: c, repeat, durationMs, singleDurationMs, latencyMs } = settings;
  const rows = [
    `${c} clients, and 1 client for the latency added; each figure the median of ${repeat} round${repeat > 1 ? 's' : ''} ` +
      `(${durationMs / 1000} s at ${c} clients, ${singleDurationMs / 1000} s with 1); sandbox latency ${latencyMs} ms; ` +
      'gateway in production mode with authentication, limits at their defaults (one viewer per client), cost analysis, tenancy and metrics on, tracing off. ' +
      "The sides take turns round by round (the order reversed every other round), and each × direct and added figure is the median over rounds of a side's round against the direct client's round of the same turn.",
    '',
    `| shape | side | CPU ms/req | × direct | req/s at ${c} | × direct | p50 ms | p99 ms | p50 ms, 1 client | added, 1 client | peak RSS MB | upstream/query | errors |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const errors: string[] = [];
  for (const comparison of comparisons) {
    const direct = comparison.sides.direct;
    for (const [label, side] of orderedSides(comparison)) {
      const l: Figures = side.loaded;
      const isDirect = label === 'direct';
      rows.push(
        `| ${comparison.description} | ${label} | ${f(l.cpuMsPerRequest, 2)} | ${isDirect ? '' : f(cpuRatio(side, direct), 2)} | ` +
          `${f(l.rps, 0)} | ${isDirect ? '' : f(throughputRatio(side, direct), 2)} | ${f(l.p50)} | ${f(l.p99)} | ${f(side.single.p50, 2)} | ` +
          `${isDirect ? '' : addedText(added(side, direct))} | ${f(side.peakRssMb, 0)} | ${f(l.upstreamPerQuery, 2)} | ${l.errors + side.single.errors} |`,
      );
      const codes = { ...side.loaded.errorCodes };
      for (const [code, n] of Object.entries(side.single.errorCodes)) codes[code] = (codes[code] ?? 0) + n;
      if (Object.keys(codes).length > 0) errors.push(`Errors, ${comparison.description}, ${label}: ${JSON.stringify(codes)}`);
    }
  }
  return [...rows, ...(errors.length > 0 ? ['', ...errors] : [])].join('\n');
}

interface Targets {
  /** Gateway CPU per request over the direct client's: at most, and the aim. */
  cpu: [number, number];
  /** Throughput at 50 clients over the direct client's: at least, and the aim. */
  throughput: [number, number];
  /** p50 added with one client: at most this many ms, or this % of the direct client's p50. */
  added?: { ms: number } | { percent: number };
}

/** Issue 14's targets, by shape. */
const TARGETS: Record<string, Targets> = {
  'card-by-id': { cpu: [1.7, 1.5], throughput: [0.6, 0.7], added: { ms: 1 } },
  'cards-list-50': { cpu: [1.7, 1.5], throughput: [0.75, 0.8], added: { percent: 10 } },
  'cardholders-cards-tx': { cpu: [1.25, 1.15], throughput: [0.85, 0.9] },
};
const RSS_TARGET_MB: [number, number] = [200, 150];

/** The gateway's figures against the issue's targets (✓ met, ✗ missed), and against the verifying peer. */
export function targetsTable(comparisons: Comparison[]): string {
  const rows = [
    'Against the targets (issue 14; ✓ met, ✗ missed):',
    '',
    '| shape | CPU × direct | throughput × direct | p50 added, 1 client | peak RSS MB | upstream/query, gateway vs direct |',
    '|---|---|---|---|---|---|',
  ];
  for (const c of comparisons) {
    const t = TARGETS[c.shape];
    if (!t) continue;
    const { gateway, direct } = c.sides;
    const cpu = cpuRatio(gateway, direct);
    const throughput = throughputRatio(gateway, direct);
    const a = added(gateway, direct);
    const addedCell = !t.added
      ? `${addedText(a)} (no target)`
      : 'ms' in t.added
        ? `${addedText(a)} ${mark(a.ms <= t.added.ms)} (≤ ${t.added.ms} ms)`
        : `${addedText(a)} ${mark(a.percent <= t.added.percent)} (≤ ${t.added.percent}%)`;
    const equal = Math.abs(gateway.loaded.upstreamPerQuery - direct.loaded.upstreamPerQuery) < 0.005;
    const failed = gateway.loaded.errors + gateway.single.errors;
    rows.push(
      `| ${c.description}${failed > 0 ? ` (${failed} failed queries: not comparable)` : ''} | ${f(cpu, 2)} ${mark(cpu <= t.cpu[0])} (≤ ${t.cpu[0]}, aim ${t.cpu[1]}) | ${f(throughput, 2)} ${mark(throughput >= t.throughput[0])} (≥ ${t.throughput[0]}, aim ${t.throughput[1]}) | ` +
        `${addedCell} | ${f(gateway.peakRssMb, 0)} ${mark(gateway.peakRssMb <= RSS_TARGET_MB[0])} (≤ ${RSS_TARGET_MB[0]}, aim ${RSS_TARGET_MB[1]}) | ` +
        `${f(gateway.loaded.upstreamPerQuery, 2)} vs ${f(direct.loaded.upstreamPerQuery, 2)} ${mark(equal)} |`,
    );
  }
  for (const c of comparisons) {
    const peer = c.sides['peer, verifying'];
    if (!peer) continue;
    const { gateway } = c.sides;
    const cpu = cpuRatio(gateway, peer);
    const throughput = throughputRatio(gateway, peer);
    rows.push(
      '',
      `${c.description}, against the verifying peer: the gateway spends ${f(cpu, 2)}× its CPU per request ${mark(cpu < 1)} (target < 1) ` +
        `at ${f(throughput, 2)}× its throughput ${mark(throughput > 1)} (target > 1).`,
    );
  }
  return rows.join('\n');
}

/** Mutations per second, and what the store adds to a write's one-client p50 (less what the gateway adds to a read). */
export function storeLines(writes: Comparison[], cardRead: Comparison | undefined): string[] {
  const read = cardRead ? added(cardRead.sides.gateway, cardRead.sides.direct) : undefined;
  return writes.map((w) => {
    const { gateway, direct } = w.sides;
    const a = added(gateway, direct);
    const store = read
      ? `; the store adds ≈ ${f(a.ms - read.ms, 2)} ms (the write's added p50 less the card read's, ${f(read.ms, 2)} ms)`
      : '; the store\'s share needs the card read measured in the same benchmark (BENCH_RUNS with shapes before writes)';
    return `${w.engine}: ${f(gateway.loaded.rps, 0)} mutations/s at the clients above (direct ${f(direct.loaded.rps, 0)}/s); with one client p50 ${f(gateway.single.p50, 2)} ms, ${addedText(a)} over the direct client${store}.`;
  });
}

/** The slow-provider list: its p50 against the slow provider's latency, and when each provider's call started. */
export function slowProviderLines(c: Comparison, slow: { provider: ProviderKey; latencyMs: number }, starts: Record<string, number>): string[] {
  const { gateway, direct } = c.sides;
  const ratio = gateway.single.p50 / slow.latencyMs;
  const fast = Object.entries(starts).filter(([provider]) => provider !== slow.provider);
  const waited = fast.filter(([, ms]) => ms >= slow.latencyMs / 2);
  return [
    `${c.description}: with one client the list's p50 is ${f(gateway.single.p50)} ms through the gateway (direct ${f(direct.single.p50)} ms), ` +
      `${f(ratio, 2)}× ${slow.provider}'s ${slow.latencyMs} ms ${mark(ratio <= 1.1)} (target ≤ 1.10); at ${'the clients above'} p50 ${f(gateway.loaded.p50)} ms.`,
    '',
    `Upstream call starts, ms after the client sent the query (median of 20 sequential queries through the gateway): ` +
      `${Object.entries(starts).map(([provider, ms]) => `${provider} ${f(ms, 0)}`).join(', ')} — ` +
      (waited.length === 0
        ? `the other providers' calls do not wait for ${slow.provider}'s ✓.`
        : `${waited.map(([p]) => p).join(', ')} started only after ${slow.provider} answered ✗.`),
  ];
}
