import { performance } from 'node:perf_hooks';
import { IDLE_UTILIZATION, RunningLimit, SATURATED_UTILIZATION, sampleEventLoop } from '../../../src/graphql/saturation.js';

describe('the running limit', () => {
  it('comes down by a tenth of what runs per saturated sample, to the floor and no lower', () => {
    const limit = new RunningLimit(16);
    const seen: number[] = [];
    for (let running = 50; seen.length < 12; ) {
      limit.observe(SATURATED_UTILIZATION, running);
      seen.push(limit.value);
      running = Math.min(running, limit.value);
    }
    expect(seen).toEqual([45, 40, 36, 32, 28, 25, 22, 19, 17, 16, 16, 16]);
  });

  it('holds between idle and saturated, rises by a quarter per idle sample and is lifted once well above what runs', () => {
    const limit = new RunningLimit(16);
    limit.observe(1, 10);
    expect(limit.value).toBe(16);
    expect(limit.observe((IDLE_UTILIZATION + SATURATED_UTILIZATION) / 2, 16)).toBe(false);
    expect(limit.value).toBe(16);
    const raised: number[] = [];
    while (limit.value !== Number.POSITIVE_INFINITY) {
      expect(limit.observe(0.3, 16)).toBe(true);
      raised.push(limit.value);
    }
    expect(raised).toEqual([20, 25, 32, Number.POSITIVE_INFINITY]);
    expect(limit.observe(0.3, 16)).toBe(false);
  });

  it('is off with a floor of 0, and refuses a floor that is not a count', () => {
    const off = new RunningLimit(0);
    off.observe(1, 100);
    expect(off.value).toBe(Number.POSITIVE_INFINITY);
    expect(() => new RunningLimit(-1)).toThrow(RangeError);
    expect(() => new RunningLimit(1.5)).toThrow(RangeError);
  });
});

describe('sampling the event loop', () => {
  it("hands over the loop's utilisation of each interval until stopped", async () => {
    const samples: number[] = [];
    const stop = sampleEventLoop((u) => samples.push(u), 20);
    // Busy for a while, then idle: the samples say so.
    const until = performance.now() + 70;
    while (performance.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 90));
    stop();
    const count = samples.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(samples.length).toBe(count);
    expect(count).toBeGreaterThanOrEqual(2);
    expect(samples.every((u) => u >= 0 && u <= 1)).toBe(true);
    expect(Math.max(...samples)).toBeGreaterThan(0.5);
    expect(Math.min(...samples)).toBeLessThan(0.5);
  });
});
