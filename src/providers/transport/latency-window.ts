/** The latest N latencies, for health percentiles: a fixed ring, so memory never grows. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;

  constructor(size: number) {
    this.samples = new Float64Array(size);
  }

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
  }

  /** The p-th percentile of the window, rounded to 0.1 ms; null when empty. */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const sorted = Array.from(this.samples.subarray(0, this.count)).sort((a, b) => a - b);
    const value = sorted[Math.min(this.count - 1, Math.floor((p / 100) * this.count))]!;
    return Math.round(value * 10) / 10;
  }
}
