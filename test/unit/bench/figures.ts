/** Figures for the benchmark's unit tests: plausible defaults, overridden where a test looks. */
import { medianFigures, type Figures, type SideFigures } from '../../../bench/measure';

export const figures = (over: Partial<Figures> = {}): Figures => ({
  rps: 100,
  p50: 10,
  p99: 20,
  upstreamPerQuery: 1,
  cpuMsPerRequest: 1,
  errors: 0,
  errorCodes: {},
  ...over,
});

/** A side's medians, without the rounds behind them (the report then compares the medians). */
export const side = (loaded: Partial<Figures>, single: Partial<Figures> = {}, peakRssMb = 100): SideFigures => ({
  loaded: figures(loaded),
  single: figures(single),
  peakRssMb,
  runs: { loaded: [], single: [] },
});

/** A side as `measureSides` reports it: its rounds (in the order they ran) and their medians. */
export function sideOfRounds(loaded: Array<Partial<Figures>>, single: Array<Partial<Figures>> = loaded.map(() => ({})), peakRssMb = 100): SideFigures {
  const runs = { loaded: loaded.map(figures), single: single.map(figures) };
  return { loaded: medianFigures(runs.loaded), single: medianFigures(runs.single), peakRssMb, runs };
}
