/**
 * How many priced operations may execute at once, from how busy the main thread is.
 *
 * While the event loop has idle time, the limit stays out of the way (operations are waiting
 * on providers, and more at once is more throughput). Once it is saturated, more operations at
 * once add no throughput, only work in progress: each one's data lives longer and more of it
 * survives V8's scavenges, and the CPU's caches hold less of any one of them. With a fixed
 * limit, a 50-card list at 50 clients on two cores cost ~15% less CPU per list with 16
 * executing at once than with all 50 (two runs each; 24 at once: −5%; eight or ten at once left
 * the CPU idle between upstream answers). This limit, in five alternating runs against none:
 * median CPU per list −4%, × the direct client 2.33 → 2.16, peak RSS −8 MB (issue 14).
 *
 * So the limit is brought down by a tenth per busy sample, from what actually runs, to no less
 * than `floor`; it rises by a quarter per sample with idle time, and is lifted once well above
 * anything running. With slow providers the loop keeps idle time at any concurrency and the
 * limit never binds.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** A sample at least this busy (the share of the interval the loop was not idle) is saturated. */
export const SATURATED_UTILIZATION = 0.9;
/** A sample below this has idle time to spare. */
export const IDLE_UTILIZATION = 0.8;

const LOWER_BY = 0.9;
const RAISE_BY = 1.25;

export class RunningLimit {
  private limit = Infinity;

  /** `floor`: the limit never goes below it; 0 turns the limit off. */
  constructor(private readonly floor: number) {
    if (!(Number.isInteger(floor) && floor >= 0)) throw new RangeError('floor must be a non-negative integer');
  }

  /** Operations that may execute at once now (Infinity: no limit). */
  get value(): number {
    return this.limit;
  }

  /**
   * One sample: the loop's utilisation over the last interval, and how many operations
   * execute at its end. True when the limit rose (waiting operations may start).
   */
  observe(utilization: number, running: number): boolean {
    if (this.floor === 0) return false;
    if (utilization >= SATURATED_UTILIZATION) {
      this.limit = Math.max(this.floor, Math.min(this.limit, Math.floor(running * LOWER_BY)));
      return false;
    }
    if (utilization >= IDLE_UTILIZATION || this.limit === Infinity) return false;
    const raised = Math.max(this.limit + 1, Math.ceil(this.limit * RAISE_BY));
    // Well above what runs: no longer a limit.
    this.limit = raised > 2 * Math.max(running, this.floor) ? Infinity : raised;
    return true;
  }
}

/** How often the event loop's utilisation is sampled, ms. */
export const SAMPLE_INTERVAL_MS = 100;

/**
 * Calls `adapt` with the event loop's utilisation over each interval until the returned
 * function is called. The timer never keeps the process alive.
 */
export function sampleEventLoop(adapt: (utilization: number) => void, intervalMs = SAMPLE_INTERVAL_MS, utilization = performance.eventLoopUtilization): () => void {
  let last: EventLoopUtilization = utilization();
  const timer = setInterval(() => {
    const now = utilization();
    adapt(utilization(now, last).utilization);
    last = now;
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
