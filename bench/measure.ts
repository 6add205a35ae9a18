/**
 * How one side of a comparison (the gateway, the direct client, a peer gateway) is measured,
 * the same way for every side: a warm-up, then BENCH_REPEAT runs at BENCH_CONCURRENCY clients
 * and BENCH_REPEAT runs with one client (latency without queueing), each figure the median of
 * its runs. CPU and peak RSS are those of the process doing the side's work; upstream calls
 * are counted at the simulators.
 */
import { median, percentile, runLoad, type LoadResult } from './load.js';

export interface MeasureSettings {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Runs per figure; the median is reported. */
  repeat: number;
  /** Length of each one-client run. */
  singleDurationMs: number;
}

export interface Side {
  /**
   * One request: the `i`-th overall, from client `client` of `clients` (its `nth`). Throws an
   * Error whose message names the failure (an error code, `HTTP 429`): the report counts them.
   */
  request(i: number, client: number, nth: number, clients: number): Promise<void>;
  /** CPU time of the process doing the side's work so far, ms. */
  cpuMs(): number;
  /** That process's peak resident memory so far, MB. */
  peakRssMb(): number;
  /** Upstream calls counted at the simulators since the last reset; `reset` zeroes them first. */
  upstream(reset?: boolean): Promise<number>;
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  upstreamPerQuery: number;
  cpuMsPerRequest: number;
  /** Failed requests (summed over the runs when a median). */
  errors: number;
  errorCodes: Record<string, number>;
}

export interface SideFigures {
  /** At `concurrency` clients, each figure the median of the runs. */
  loaded: Figures;
  /** With one client, each figure the median of the runs. */
  single: Figures;
  /** After the loaded runs (the one-client runs do not raise it). */
  peakRssMb: number;
  runs: { loaded: Figures[]; single: Figures[] };
}

async function measureRun(side: Side, task: Task, clients: number, durationMs: number): Promise<Figures> {
  await side.upstream(true);
  const cpuBefore = side.cpuMs();
  const load: LoadResult = await runLoad((client, nth) => task(client, nth, clients), clients, durationMs);
  const cpu = side.cpuMs() - cpuBefore;
  const upstream = await side.upstream();
  // Work per query sent, answered or failed (a failed query did work too); rates and latency
  // count answered queries only.
  const sent = Math.max(1, load.requests + load.errors);
  return {
    rps: (load.requests / load.elapsedMs) * 1000,
    p50: percentile(load.latenciesMs, 50),
    p99: percentile(load.latenciesMs, 99),
    upstreamPerQuery: upstream / sent,
    cpuMsPerRequest: cpu / sent,
    errors: load.errors,
    errorCodes: load.errorCodes,
  };
}

/** Each numeric figure the median of the runs; errors summed. */
export function medianFigures(runs: Figures[]): Figures {
  const of = (pick: (f: Figures) => number) => median(runs.map(pick));
  const errorCodes: Record<string, number> = {};
  for (const run of runs) for (const [code, n] of Object.entries(run.errorCodes)) errorCodes[code] = (errorCodes[code] ?? 0) + n;
  return {
    rps: of((f) => f.rps),
    p50: of((f) => f.p50),
    p99: of((f) => f.p99),
    upstreamPerQuery: of((f) => f.upstreamPerQuery),
    cpuMsPerRequest: of((f) => f.cpuMsPerRequest),
    errors: runs.reduce((sum, f) => sum + f.errors, 0),
    errorCodes,
  };
}

type Task = (client: number, nth: number, clients: number) => Promise<void>;

export async function measureSide(side: Side, settings: MeasureSettings): Promise<SideFigures> {
  let i = 0;
  const task: Task = (client, nth, clients) => side.request(i++, client, nth, clients);
  await task(0, 0, 1); // a broken shape fails here, before anything is measured
  await runLoad((client, nth) => task(client, nth, settings.concurrency), settings.concurrency, settings.warmupMs);
  const loaded: Figures[] = [];
  for (let r = 0; r < settings.repeat; r += 1) loaded.push(await measureRun(side, task, settings.concurrency, settings.durationMs));
  const peakRssMb = side.peakRssMb();
  await runLoad((client, nth) => task(client, nth, 1), 1, Math.min(1_000, settings.warmupMs));
  const single: Figures[] = [];
  for (let r = 0; r < settings.repeat; r += 1) single.push(await measureRun(side, task, 1, settings.singleDurationMs));
  return { loaded: medianFigures(loaded), single: medianFigures(single), peakRssMb, runs: { loaded, single } };
}
