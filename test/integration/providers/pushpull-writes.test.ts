/**
 * pushpull's push and pull at the provider level, over real HTTP against its simulator:
 * `reference_id` is the write's reference, amounts are exact integers of minor units, 200 is
 * completed and 201 pending, a 207 is an outcome nobody knows (never success or failure),
 * and an uncertain write is found by its reference — a resend with the same reference is a
 * 409, never a second transaction.
 */
import { randomUUID } from 'node:crypto';
import { createCallContext } from '../../../src/core/call-context.js';
import { ErrorCode, GatewayError } from '../../../src/core/errors.js';
import { deriveKeys } from '../../../src/gateway/writes/idempotency-keys.js';
import { createLogger } from '../../../src/core/logger.js';
import type { PushpullProvider } from '../../../src/providers/pushpull/provider.js';
import { PUSHPULL_RULES, type PushpullAccount } from '../../../src/providers/pushpull/sandbox/store.js';
import type { PushpullStore } from '../../../src/providers/pushpull/sandbox/index.js';
import { OperationKind, type PushPull, type WriteRequest } from '../../../src/core/writes.js';
import type { SandboxServer } from '../../../src/sandbox/server.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { failure } from '../../support/failure.js';

describe('pushpull writes (provider level)', () => {
  let gw: TestGateway;
  let store: PushpullStore;
  let server: SandboxServer;
  let provider: PushpullProvider;

  beforeAll(async () => {
    gw = await startTestGateway();
    store = gw.sandboxes.stores.pushpull!;
    server = gw.sandboxes.servers.pushpull!;
    provider = gw.registry.get('pushpull') as PushpullProvider;
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    provider.guard.reset();
    provider.transactionCache.clear();
  });
  afterEach(() => {
    resetSandboxes(gw);
    store.unblockAll();
    store.resetPolling();
    store.client.status = 'active';
    store.forceUnknownOutcome = false;
  });

  const cx = () => createCallContext(`req-${randomUUID()}`, createLogger('silent'));
  const write = (gatewayKey = randomUUID(), attempt = 0): WriteRequest => ({
    cx: cx(),
    gatewayKey,
    attempt,
    ...deriveKeys('acme', gatewayKey, 'pushpull', attempt),
  });
  const both = () => store.listedAccounts().filter((a) => a.push_enabled && a.pull_enabled);
  const move = (account: PushpullAccount, direction: PushPull['direction'], amount: string, currency = 'USD', w = write()) =>
    provider.pushPull({ cardRef: account.account_id, direction, amount: { amount, currency } }, w);
  const creates = () => server.requests.filter((r) => r.method === 'POST' && r.route === '/v1/clients/:clientId/transactions');
  const byId = () => server.count('GET', '/v1/clients/:clientId/transactions/:transactionId');
  const byReference = () => server.count('GET', '/v1/clients/:clientId/transactions');
  const withReference = (reference: string) => [...store.transactions.values()].filter((t) => t.reference_id === reference);


  describe('pushPull', () => {
    it('pushes to a card (200: COMPLETED) under the write\'s reference, creating exactly one transaction of the exact minor units', async () => {
      const account = both()[0]!;
      const w = write();
      const count = store.transactions.size;
      const operation = await move(account, 'PUSH', '12.34', 'USD', w);
      expect(operation).toMatchObject({
        provider: 'pushpull',
        kind: OperationKind.PUSH,
        status: 'COMPLETED',
        providerStatus: 'completed',
        reference: w.reference,
        amount: { amount: '12.34', currency: 'USD' },
        cardRef: account.account_id,
        failureReason: null,
      });
      expect(store.transactions.size).toBe(count + 1);
      expect(store.transaction(operation.ref)).toMatchObject({ reference_id: w.reference, account_id: account.account_id, type: 'push', amount: 1234, currency: 'USD', status: 'completed' });
      const [sent] = creates();
      expect(sent!.headers['content-type']).toBe('application/json');
      expect(sent!.body.toString('utf8')).toBe(
        JSON.stringify({ reference_id: w.reference, account_id: account.account_id, type: 'push', amount: 1234, currency: 'USD' }),
      );
    });

    it('pulls from a card (201: PENDING), follows it from the shared cache without polling, and sees it COMPLETED once settled', async () => {
      const account = both()[1]!;
      const operation = await move(account, 'PULL', '50.00');
      expect(operation).toMatchObject({ kind: OperationKind.PULL, status: 'PENDING', providerStatus: 'pending', amount: { amount: '50.00', currency: 'USD' } });
      // The write's answer is the transaction's state: reading it again at once asks pushpull nothing.
      for (let i = 0; i < 8; i += 1) expect(await provider.getOperation(operation.ref, cx())).toMatchObject({ status: 'PENDING' });
      expect(byId()).toBe(0);

      store.settleNow(operation.ref);
      provider.transactionCache.clear(); // as when the cache's 3 s have passed
      expect(await provider.getOperation(operation.ref, cx())).toMatchObject({ ref: operation.ref, status: 'COMPLETED', providerStatus: 'completed' });
      expect(await provider.getOperation(operation.ref, cx())).toMatchObject({ status: 'COMPLETED' });
      expect(byId()).toBe(1);
      // The transaction read shares that cached object.
      expect((await provider.getTransactions([operation.ref], cx()))[0]).toMatchObject({ status: 'SETTLED', type: 'PULL' });
      expect(byId()).toBe(1);
    });

    it.each([
      ['1200', 'JPY', 1200],
      ['1.250', 'BHD', 1250],
      ['0.001', 'BHD', 1],
      ['3.10', 'EUR', 310],
      ['7.000', 'USD', 700],
    ])('sends %s %s as %i minor units', async (amount, currency, units) => {
      const operation = await move(both()[2]!, 'PUSH', amount, currency);
      expect(store.transaction(operation.ref)).toMatchObject({ amount: units, currency });
      expect(JSON.parse(creates()[0]!.body.toString('utf8')).amount).toBe(units);
    });

    it.each([
      ['1.001', 'USD'],
      ['1.2505', 'BHD'],
      ['12.5', 'JPY'],
      ['0.00', 'USD'],
      ['-1.00', 'USD'],
      ['1e3', 'USD'],
      ['99999999999999999999', 'USD'],
    ])('refuses %s %s as BAD_USER_INPUT before sending anything', async (amount, currency) => {
      const before = server.totalRequests;
      await expect(move(both()[2]!, 'PUSH', amount, currency)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
      expect(server.totalRequests).toBe(before);
    });

    it('answers a 207 with OUTCOME_UNKNOWN, and the look-up by reference finds the transaction in its UNKNOWN state', async () => {
      const account = both()[3]!;
      const w = write();
      // 207 minor units make the simulator answer 207 Multi-Status.
      const error = await failure(move(account, 'PUSH', '2.07', 'USD', w));
      expect(error).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, provider: 'pushpull', retryable: false, upstream: { status: 207 } });
      expect(creates()).toHaveLength(1);
      const [left] = withReference(w.reference);
      expect(left).toMatchObject({ status: 'unknown', amount: 207 });

      const found = await provider.findOperation(OperationKind.PUSH, w.reference, w);
      expect(found).toMatchObject({ ref: left!.transaction_id, kind: OperationKind.PUSH, status: 'UNKNOWN', providerStatus: 'unknown', reference: w.reference });
      expect(byReference()).toBe(1);
      // Once pushpull settles it, the look-up says so.
      left!.status = 'completed';
      expect(await provider.findOperation(OperationKind.PUSH, w.reference, w)).toMatchObject({ status: 'COMPLETED' });
    });

    it('finds a write whose answer was lost, and a resend with the same reference is a 409 CONFLICT, never a second transaction', async () => {
      const account = both()[4]!;
      const gatewayKey = randomUUID();
      const first = write(gatewayKey);
      server.inject({ method: 'POST', path: '/v1/clients/:clientId/transactions', dropAfterHandling: true, times: 1 });
      expect(await failure(move(account, 'PULL', '9.99', 'USD', first))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, provider: 'pushpull' });
      expect(withReference(first.reference)).toHaveLength(1);

      expect(await provider.findOperation(OperationKind.PULL, first.reference, first)).toMatchObject({
        kind: OperationKind.PULL,
        status: 'PENDING',
        reference: first.reference,
        amount: { amount: '9.99', currency: 'USD' },
        cardRef: account.account_id,
      });

      const again = await failure(move(account, 'PULL', '9.99', 'USD', write(gatewayKey, 1)));
      expect(again).toMatchObject({ code: ErrorCode.CONFLICT, upstream: { status: 409 } });
      expect(creates().map((r) => JSON.parse(r.body.toString('utf8')).reference_id)).toEqual([first.reference, first.reference]);
      expect(withReference(first.reference)).toHaveLength(1);
    });

    const refusals = {
      'a push beyond the transaction limit': { pick: () => both()[0]!, direction: 'PUSH', amount: '5000.01', code: ErrorCode.LIMIT_EXCEEDED, phrase: 'Transaction Limit' },
      'a push to a card whose destination is disabled': {
        pick: () => store.listedAccounts().find((a) => !a.push_enabled)!,
        direction: 'PUSH',
        amount: '1.00',
        code: ErrorCode.INVALID_STATE,
        phrase: 'Destination Disabled',
      },
      'a pull from a card whose source is disabled': {
        pick: () => store.listedAccounts().find((a) => !a.pull_enabled)!,
        direction: 'PULL',
        amount: '1.00',
        code: ErrorCode.INVALID_STATE,
        phrase: 'Source Disabled',
      },
    } as const;

    it.each(Object.keys(refusals) as Array<keyof typeof refusals>)('answers %s (422) with its typed error, creating nothing', async (what) => {
      const { pick, direction, amount, code, phrase } = refusals[what];
      const count = store.transactions.size;
      const error = await failure(move(pick(), direction, amount));
      expect(error).toMatchObject({ code, provider: 'pushpull', upstream: { status: 422 } });
      expect(error.message).toContain(phrase);
      expect(store.transactions.size).toBe(count);
    });

    it('answers a success it cannot read as OUTCOME_UNKNOWN (the write was accepted), never as a failure to resend', async () => {
      server.inject({ method: 'POST', path: '/v1/clients/:clientId/transactions', status: 200, body: 'not json', times: 1 });
      expect(await failure(move(both()[0]!, 'PUSH', '1.00'))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, provider: 'pushpull', upstream: { status: 200 } });
    });

    it('answers a locked client (423) as UPSTREAM_AUTH_FAILED, creating nothing', async () => {
      store.client.status = 'locked';
      const count = store.transactions.size;
      expect(await failure(move(both()[0]!, 'PUSH', '1.00'))).toMatchObject({ code: ErrorCode.UPSTREAM_AUTH_FAILED, upstream: { status: 423 } });
      expect(store.transactions.size).toBe(count);
    });

    it('answers a card that does not exist with NOT_FOUND and a deleted one as gone (NOT_FOUND, 410)', async () => {
      await expect(provider.pushPull({ cardRef: 'acct_0000000000000000', direction: 'PUSH', amount: { amount: '1.00', currency: 'USD' } }, write())).rejects.toMatchObject({
        code: ErrorCode.NOT_FOUND,
        upstream: { status: 404 },
      });
      const deleted = [...store.accounts.values()].find((a) => a.status === 'deleted')!;
      await expect(move(deleted, 'PUSH', '1.00')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, upstream: { status: 410 } });
    });
  });

  describe('findOperation and getOperation', () => {
    it('answers null for a reference pushpull never saw (404)', async () => {
      const w = write();
      expect(await provider.findOperation(OperationKind.PUSH, w.reference, w)).toBeNull();
    });

    it('answers a reference older than 24 hours (421) with OUTCOME_UNKNOWN, never null: it cannot be reconciled, so nothing is resent', async () => {
      const old = [...store.transactions.values()].find((t) => store.worldNow() - Date.parse(t.created_at) > PUSHPULL_RULES.referenceLookupMs)!;
      const w = write();
      const error = await failure(provider.findOperation(old.type === 'push' ? OperationKind.PUSH : OperationKind.PULL, old.reference_id, w));
      expect(error).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, provider: 'pushpull', retryable: false, upstream: { status: 421 } });
      expect(error.message).toMatch(/cannot be reconciled/);
    });

    it('refuses look-ups of kinds pushpull never writes', async () => {
      const w = write();
      await expect(provider.findOperation(OperationKind.TOP_UP, w.reference, w)).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_BY_PROVIDER });
    });

    it('answers null for a transaction id pushpull does not know', async () => {
      expect(await provider.getOperation('txn_00000000000000ee', cx())).toBeNull();
    });
  });

  // Last: it fills the simulator's 24-hour rolling volume.
  describe('the daily limit', () => {
    it('answers a push over the 24-hour rolling limit (429) as LIMIT_EXCEEDED, not as a rate limit to wait out', async () => {
      const accounts = both();
      let error: GatewayError | undefined;
      for (let i = 0; i < 6 && !error; i += 1) {
        try {
          await move(accounts[i % accounts.length]!, 'PUSH', '4999.00');
        } catch (e) {
          error = e as GatewayError;
        }
      }
      expect(error).toMatchObject({ code: ErrorCode.LIMIT_EXCEEDED, provider: 'pushpull', upstream: { status: 429 } });
    });
  });
});
