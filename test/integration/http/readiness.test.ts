/**
 * Liveness and readiness of the real gateway: `/healthz` stays 200 whatever happens, `/readyz`
 * answers 503 naming the failing check while the state store is unreachable, after a failed
 * write to it, and once shutdown has begun.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/core/logger.js';
import type { ReadinessReport } from '../../../src/http/readiness.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import type { StateStore } from '../../../src/store/state-store.js';
import { startTestGateway, type TestGateway } from '../../support/gateway.js';

async function readyz(gw: TestGateway): Promise<{ status: number; body: ReadinessReport }> {
  const res = await fetch(`${gw.url}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadinessReport };
}


describe('/healthz and /readyz', () => {
  let gw: TestGateway;
  let inner: StateStore;
  let unreachable = false;
  beforeAll(async () => {
    inner = await openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'cardplane-ready-')), 'state.db') });
    // The same store, but its readiness probe can be made to fail as an unreachable database's would.
    const store = new Proxy(inner, {
      get(target, name, receiver) {
        if (name === 'check') return () => (unreachable ? Promise.reject(new Error('db.internal:5432/cardplane does not answer')) : target.check());
        return Reflect.get(target, name, receiver) as unknown;
      },
    });
    gw = await startTestGateway({}, { store });
  });
  afterAll(async () => {
    await gw.close();
    await inner.close();
  });

  it('is ready once started, naming every check', async () => {
    const { status, body } = await readyz(gw);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ready', checks: { startup: 'ok', stateStore: 'ok', stateStoreWrites: 'ok', draining: 'ok' } });
  });

  it('is not ready while the state store does not answer, and ready again when it does', async () => {
    unreachable = true;
    try {
      const { status, body } = await readyz(gw);
      expect(status).toBe(503);
      expect(body).toEqual({ status: 'unready', checks: { startup: 'ok', stateStore: 'failing', stateStoreWrites: 'ok', draining: 'ok' } });
      // Liveness is not readiness: a restart would not bring the database back.
      expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    } finally {
      unreachable = false;
    }
    expect((await readyz(gw)).status).toBe(200);
  });

  it('is not ready after the engine failed to write to the store, until a write succeeds', async () => {
    const health = gw.app.gateway.storeHealth;
    health.failed('records.begin', new Error('disk I/O error'), createLogger('silent'));
    const { status, body } = await readyz(gw);
    expect(status).toBe(503);
    expect(body.checks).toEqual({ startup: 'ok', stateStore: 'ok', stateStoreWrites: 'failing', draining: 'ok' });
    health.succeeded();
    expect((await readyz(gw)).status).toBe(200);
  });

  it('is not ready once draining at shutdown, while still alive', async () => {
    gw.app.readiness.drain();
    const { status, body } = await readyz(gw);
    expect(status).toBe(503);
    expect(body).toEqual({ status: 'unready', checks: { startup: 'ok', stateStore: 'ok', stateStoreWrites: 'ok', draining: 'failing' } });
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});
