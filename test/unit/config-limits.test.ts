import { loadConfig } from '../../src/config.js';

describe('abuse-limit settings', () => {
  it('defaults: a 100-id cap per document, half of each provider’s slots per viewer, a 20 000 cost budget restored at 1 000/s', () => {
    const config = loadConfig({});
    expect(config.maxIdsPerDocument).toBe(100);
    expect(config.perViewerConcurrency).toBe(32);
    expect(config.costBudget).toEqual({ perSecond: 1000, burst: 20_000 });
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
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });
});
