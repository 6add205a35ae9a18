import { loadConfig } from '../../src/config.js';

describe('abuse-limit settings', () => {
  it('defaults: a 100-id cap per document, half of each provider’s slots per viewer, a 20 000 cost budget restored at 1 000/s', () => {
    const config = loadConfig({});
    expect(config.maxIdsPerDocument).toBe(100);
    expect(config.perViewerConcurrency).toBe(32);
    expect(config.costBudget).toEqual({ perSecond: 1000, burst: 20_000 });
  });

  it('admits 20 000 of priced work at once by default, operations costing up to 100 outside it, down to 16 operations while saturated; the rest waits up to half the request deadline, at most 1 000 operations', () => {
    expect(loadConfig({}).admission).toEqual({ maxCostInFlight: 20_000, maxWaiting: 1_000, maxWaitMs: 5_000, lightCost: 100, saturatedRunning: 16 });
    expect(loadConfig({ REQUEST_DEADLINE_MS: '3000' }).admission.maxWaitMs).toBe(1_500);
    expect(
      loadConfig({ ADMISSION_MAX_COST_IN_FLIGHT: '50000', ADMISSION_MAX_WAITING: '0', ADMISSION_MAX_WAIT_MS: '250', ADMISSION_LIGHT_COST: '0', ADMISSION_SATURATED_RUNNING: '4' }).admission,
    ).toEqual({ maxCostInFlight: 50_000, maxWaiting: 0, maxWaitMs: 250, lightCost: 0, saturatedRunning: 4 });
  });

  it('derives the per-viewer share from UPSTREAM_MAX_CONCURRENCY unless set', () => {
    expect(loadConfig({ UPSTREAM_MAX_CONCURRENCY: '10' }).perViewerConcurrency).toBe(5);
    expect(loadConfig({ UPSTREAM_MAX_CONCURRENCY: '1' }).perViewerConcurrency).toBe(1);
    expect(loadConfig({ UPSTREAM_VIEWER_MAX_CONCURRENCY: '8' }).perViewerConcurrency).toBe(8);
  });

  it.each([
    [{ UPSTREAM_VIEWER_MAX_CONCURRENCY: '100', UPSTREAM_MAX_CONCURRENCY: '64' }, 'UPSTREAM_VIEWER_MAX_CONCURRENCY'],
    [{ COST_BUDGET_BURST: '5000' }, 'COST_BUDGET_BURST'],
    [{ COST_BUDGET_PER_SECOND: '0' }, 'COST_BUDGET_PER_SECOND'],
    [{ QUERY_MAX_IDS: '0' }, 'QUERY_MAX_IDS'],
    // Below the cost cap, the largest admitted document could never share the room.
    [{ ADMISSION_MAX_COST_IN_FLIGHT: '9999' }, 'ADMISSION_MAX_COST_IN_FLIGHT'],
    [{ ADMISSION_MAX_WAITING: '-1' }, 'ADMISSION_MAX_WAITING'],
    [{ ADMISSION_LIGHT_COST: '10000' }, 'ADMISSION_LIGHT_COST'],
    [{ ADMISSION_SATURATED_RUNNING: '-1' }, 'ADMISSION_SATURATED_RUNNING'],
    [{ ADMISSION_SATURATED_RUNNING: '2.5' }, 'ADMISSION_SATURATED_RUNNING'],
    // No operation may wait past its request's deadline.
    [{ ADMISSION_MAX_WAIT_MS: '3000', REQUEST_DEADLINE_MS: '2000' }, 'ADMISSION_MAX_WAIT_MS'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });
});
