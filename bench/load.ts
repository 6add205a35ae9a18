/** A closed-loop load generator: `concurrency` clients each running `task` back to back. */
export interface LoadResult {
  requests: number;
  errors: number;
  /** Failed requests by the message of what they threw (an error code, or `HTTP 503`). */
  errorCodes: Record<string, number>;
  elapsedMs: number;
  latenciesMs: number[];
}

/**
 * Runs `task` from `concurrency` clients for `durationMs`. The task learns which client runs
 * it and how many requests that client has sent before (e.g. to pick the client's own token).
 */
export async function runLoad(
  task: (client: number, nth: number) => Promise<void>,
  concurrency: number,
  durationMs: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const errorCodes: Record<string, number> = {};
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async (_: unknown, index: number) => {
    for (let nth = 0; performance.now() < deadline; nth += 1) {
      const t0 = performance.now();
      try {
        await task(index, nth);
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors += 1;
        const code = error instanceof Error ? error.message : String(error);
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, errorCodes, elapsedMs, latenciesMs: latencies };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The median of some figures (NaN for none): the middle of three runs. */
export function median(values: number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}
