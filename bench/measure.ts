/**
 * How the sides of a comparison (the gateway, the direct client, a peer gateway) are measured,
 * the same way for every side and in turns (`measureSides`): a warm-up, then BENCH_REPEAT rounds
 * at BENCH_CONCURRENCY clients and BENCH_REPEAT rounds with one client (latency without
 * queueing), each figure the median of its rounds. CPU and peak RSS are those of the process
 * doing the side's work; upstream calls are counted at the simulators.
 */
import { median, percentile, runLoad, type LoadResult } from './load.js';

export interface MeasureSettings {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Rounds per figure; the median is reported. */
  repeat: number;
  /** Length of each one-client round. */
  singleDurationMs: number;
  /**
   * Unmeasured load before each round, at the round's clients: a side that waited for its turn
   * starts its round with its connections open again and its admission limits settled.
   */
  turnWarmupMs: number;
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
  /** Failed requests (summed over the rounds when a median). */
  errors: number;
  errorCodes: Record<string, number>;
}

export interface SideFigures {
  /** At `concurrency` clients, each figure the median of the rounds. */
  loaded: Figures;
  /** With one client, each figure the median of the rounds. */
  single: Figures;
  /** After the loaded rounds (the one-client rounds do not raise it). */
  peakRssMb: number;
  /**
   * Every round, in the order it ran: round r of each side of a comparison ran in the same turn
   * (`measureSides`), which is what lets the report pair them.
   */
  runs: { loaded: Figures[]; single: Figures[] };
}

type Task = (client: number, nth: number, clients: number) => Promise<void>;

async function measureRound(side: Side, task: Task, clients: number, durationMs: number): Promise<Figures> {
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

/** Each numeric figure the median of the rounds; errors summed. */
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

/**
 * One side of a comparison as `measureSides` drives it, round by round, whichever process does
 * the side's work (this one: `localRunner`; another: bench/remote-side.ts).
 */
export interface SideRunner {
  /**
   * Unmeasured load from `clients` clients for `durationMs`. The first call first sends one
   * request alone: a broken shape fails there, before anything is measured.
   */
  warmUp(clients: number, durationMs: number): Promise<void>;
  /** One measured round: `clients` clients for `durationMs`. */
  round(clients: number, durationMs: number): Promise<Figures>;
  /** The peak resident memory of the process doing the side's work so far, MB. */
  peakRssMb(): Promise<number>;
}

/** A `SideRunner` over a `Side` driven from this process. */
export function localRunner(side: Side): SideRunner {
  let i = 0;
  let checked = false;
  const task: Task = (client, nth, clients) => side.request(i++, client, nth, clients);
  return {
    async warmUp(clients, durationMs) {
      if (!checked) {
        await task(0, 0, 1);
        checked = true;
      }
      await runLoad((client, nth) => task(client, nth, clients), clients, durationMs);
    },
    round: (clients, durationMs) => measureRound(side, task, clients, durationMs),
    peakRssMb: async () => side.peakRssMb(),
  };
}

/**
 * The order the sides take their turns in round `round` (from 0): as given, reversed every
 * other round (A B C, C B A, …), so over the rounds no side always goes first or last.
 */
export function turnOrder<T>(sides: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...sides] : [...sides].reverse();
}

/** `repeat` rounds of every side in turns, each side's rounds in the order they ran. */
async function roundsInTurns<Label extends string>(
  runners: Record<Label, SideRunner>,
  labels: Label[],
  repeat: number,
  clients: number,
  durationMs: number,
  turnWarmupMs: number,
): Promise<Record<Label, Figures[]>> {
  const rounds = Object.fromEntries(labels.map((label) => [label, [] as Figures[]])) as Record<Label, Figures[]>;
  for (let r = 0; r < repeat; r += 1) {
    for (const label of turnOrder(labels, r)) {
      if (turnWarmupMs > 0) await runners[label].warmUp(clients, turnWarmupMs);
      rounds[label].push(await runners[label].round(clients, durationMs));
    }
  }
  return rounds;
}

/**
 * Measures the sides of one comparison in turns, in the order of `runners`' keys: each side's
 * warm-up, then round r of every side before round r + 1 of any (`turnOrder`), each round after
 * a short unmeasured warm-up of its own (`turnWarmupMs`), each side's peak
 * RSS after the loaded rounds, then the same with one client. The machine's speed drifts over
 * minutes; taking turns runs the sides' round r back to back, so the ratio of two sides' round r
 * (shapes-report.ts) cancels the drift. One side at a time has the machine: the others are up
 * but idle. Each figure is the median of the side's rounds, kept in `runs`.
 */
export async function measureSides<Label extends string>(runners: Record<Label, SideRunner>, settings: MeasureSettings): Promise<Record<Label, SideFigures>> {
  const labels = Object.keys(runners) as Label[];
  for (const label of labels) await runners[label].warmUp(settings.concurrency, settings.warmupMs);
  const loaded = await roundsInTurns(runners, labels, settings.repeat, settings.concurrency, settings.durationMs, settings.turnWarmupMs);
  const peakRssMb = {} as Record<Label, number>;
  for (const label of labels) peakRssMb[label] = await runners[label].peakRssMb();
  for (const label of labels) await runners[label].warmUp(1, Math.min(1_000, settings.warmupMs));
  const single = await roundsInTurns(runners, labels, settings.repeat, 1, settings.singleDurationMs, settings.turnWarmupMs);
  const figures = labels.map((label) => [
    label,
    { loaded: medianFigures(loaded[label]), single: medianFigures(single[label]), peakRssMb: peakRssMb[label], runs: { loaded: loaded[label], single: single[label] } },
  ]);
  return Object.fromEntries(figures) as Record<Label, SideFigures>;
}
