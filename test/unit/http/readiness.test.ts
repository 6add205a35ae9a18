import { Readiness } from '../../../src/http/readiness.js';

describe('Readiness', () => {
  it('is pending until start-up completes, and failing once draining', async () => {
    const readiness = new Readiness(async () => ({ stateStore: 'ok' }));
    expect(await readiness.report()).toEqual({ status: 'unready', checks: { startup: 'pending', stateStore: 'ok', draining: 'ok' } });
    readiness.markStarted();
    expect(await readiness.report()).toEqual({ status: 'ready', checks: { startup: 'ok', stateStore: 'ok', draining: 'ok' } });
    readiness.drain();
    expect(await readiness.report()).toEqual({ status: 'unready', checks: { startup: 'ok', stateStore: 'ok', draining: 'failing' } });
  });

  it('is unready while a dependency fails', async () => {
    const readiness = new Readiness(async () => ({ stateStore: 'failing', stateStoreWrites: 'ok' }));
    readiness.markStarted();
    expect((await readiness.report()).status).toBe('unready');
  });
});
