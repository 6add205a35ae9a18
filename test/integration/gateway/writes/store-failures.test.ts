/**
 * Storage failures never lie about money, through the whole gateway: a state store that
 * refuses a write after the provider moved the money still answers the success (never
 * INTERNAL_SERVER_ERROR), the failure shows in the gateway's store health, and the next
 * mutations are not poisoned by it. A refused write-ahead sends nothing and says so.
 */
import { MemoryStateStore } from '../../../../src/store/memory-store.js';
import { flakyStore, type FlakyStore } from '../../../support/flaky-store.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../../support/gateway.js';
import { MONEY_WRITES } from '../../../support/money-writes.js';

const write = MONEY_WRITES['utgl-transfer'];

describe('a state store that fails under the gateway', () => {
  let gw: TestGateway;
  let store: FlakyStore;
  beforeAll(async () => {
    store = flakyStore(new MemoryStateStore());
    gw = await startTestGateway({ RECONCILE_SWEEP_INTERVAL_MS: '0' }, { store });
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  const transfer = (key: string) => gw.query(write.query, { ...write.variables(gw.sandboxes.stores), key });
  const posts = () => gw.sandboxes.servers.utgl!.count('POST', write.path);

  it('answers the transfer the provider made when its outcome cannot be recorded, and the next one is unaffected', async () => {
    const before = write.effects(gw.sandboxes.stores);
    store.fail('recordOutcome');
    const paid: any = await transfer('store-fail-outcome-1');
    expect(paid.errors).toBeUndefined();
    expect(paid.data.transferFunds).toMatchObject({ kind: 'TRANSFER' });
    expect(gw.app.gateway.storeHealth.snapshot()).toMatchObject({ healthy: false });

    const next: any = await transfer('store-fail-outcome-2');
    expect(next.errors).toBeUndefined();
    expect(gw.app.gateway.storeHealth.snapshot().healthy).toBe(true);
    expect(write.effects(gw.sandboxes.stores)).toBe(before + 2);

    // Resubmitting the first key never moves money again (replayed once the outcome is written
    // in the background, or reconciled by look-up).
    const again: any = await transfer('store-fail-outcome-1');
    expect(again.errors).toBeUndefined();
    expect(again.data.transferFunds.id).toBe(paid.data.transferFunds.id);
    expect(posts()).toBe(2);
  });

  it('sends nothing when the write-ahead cannot be written, and says the client may retry', async () => {
    store.fail('recordAttempt');
    const refused = await transfer('store-fail-ahead-1');
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', retryable: true });
    expect(refused.errors![0]!.message).toContain('nothing was sent');
    expect(posts()).toBe(0);
  });
});
