/**
 * Mutations through the whole gateway over HTTP: exactly once per idempotency key, uncertain
 * outcomes reported as uncertain and reconciled on resubmission, refusals typed and replayed,
 * and nothing sent upstream for invalid input.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUtglSandbox, type UtglStore } from '../../../../src/providers/utgl/sandbox/index.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../../support/gateway.js';
import { globalId as gid } from '../../../support/global-id.js';


const TRANSFER = `mutation($input: TransferFundsInput!, $key: String!) {
  transferFunds(input: $input, idempotencyKey: $key) { id kind status providerStatus reference amount { amount currency } }
}`;

/** Two USD accounts of utgl with money on the first. */
function accounts(store: UtglStore) {
  const usd = [...store.accounts.values()].filter((a) => a.currency === 'USD' && Number(a.balance) > 100);
  return { from: usd[0]!, to: usd[1]! };
}

const cents = (balance: string) => Math.round(Number(balance) * 100);

describe('mutations', () => {
  let gw: TestGateway;
  let store: UtglStore;
  beforeAll(async () => {
    gw = await startTestGateway();
    store = gw.sandboxes.stores.utgl!;
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  const transfer = (key: string, amount = '12.34') => {
    const { from, to } = accounts(store);
    return gw.query(TRANSFER, {
      key,
      input: { fromWalletId: gid('utgl', 'Wallet', from.id), toWalletId: gid('utgl', 'Wallet', to.id), amount, currency: 'USD' },
    });
  };
  const posts = () => gw.sandboxes.servers.utgl!.count('POST', '/v1/transfers');

  it('moves money once, and a double submit returns the same outcome without a second call', async () => {
    const { from, to } = accounts(store);
    const [fromBefore, toBefore] = [cents(from.balance), cents(to.balance)];
    const first: any = await transfer('transfer-double-1');
    expect(first.errors).toBeUndefined();
    expect(first.data.transferFunds).toMatchObject({ kind: 'TRANSFER', status: 'COMPLETED', amount: { amount: '12.34', currency: 'USD' } });
    const again: any = await transfer('transfer-double-1');
    expect(again.data.transferFunds).toEqual(first.data.transferFunds);
    expect(posts()).toBe(1);
    expect(cents(from.balance)).toBe(fromBefore - 1234);
    expect(cents(to.balance)).toBe(toBefore + 1234);
  });

  it('makes one upstream call for concurrent duplicates', async () => {
    const results: any[] = await Promise.all(Array.from({ length: 6 }, () => transfer('transfer-concurrent-1', '1.00')));
    expect(posts()).toBe(1);
    expect(new Set(results.map((r) => r.data.transferFunds.id)).size).toBe(1);
  });

  it('refuses the same key with a different input as IDEMPOTENCY_CONFLICT', async () => {
    await transfer('transfer-conflict-1', '2.00');
    const res = await transfer('transfer-conflict-1', '3.00');
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', retryable: false });
    expect(posts()).toBe(1);
  });

  it('reports insufficient funds, moves nothing, and replays the refusal for the same key', async () => {
    const { from, to } = accounts(store);
    const before = [from.balance, to.balance];
    const res = await transfer('transfer-poor-1', '99999999.00');
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'INSUFFICIENT_FUNDS', provider: 'UTGL', upstream: { status: 400, code: 'INSUFFICIENT_BALANCE' } });
    expect([from.balance, to.balance]).toEqual(before);
    const replay = await transfer('transfer-poor-1', '99999999.00');
    expect(replay.errors![0]!.extensions.code).toBe('INSUFFICIENT_FUNDS');
    expect(posts()).toBe(1);
  });

  it('reports a lost answer as OUTCOME_UNKNOWN, then reconciles by reference without moving money twice', async () => {
    const { from } = accounts(store);
    const before = cents(from.balance);
    gw.sandboxes.servers.utgl!.inject({ method: 'POST', path: '/v1/transfers', dropAfterHandling: true, times: 1 });
    const lost = await transfer('transfer-lost-1', '5.00');
    // Retryable under the same key: the resubmit reconciles by reference (it never resends blindly).
    expect(lost.errors![0]!.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', provider: 'UTGL', retryable: true });
    expect(lost.errors![0]!.extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(cents(from.balance)).toBe(before - 500);
    const reconciled: any = await transfer('transfer-lost-1', '5.00');
    expect(reconciled.errors).toBeUndefined();
    expect(reconciled.data.transferFunds.status).toBe('COMPLETED');
    expect(posts()).toBe(1);
    expect(gw.sandboxes.servers.utgl!.count('GET', '/v1/transfers')).toBe(1);
    expect(cents(from.balance)).toBe(before - 500);
    const trail = (await gw.auditTrail()).filter((e) => e.idempotencyKey === 'transfer-lost-1');
    // Outcomes as before; each attempt is also written ahead (ATTEMPTED) before it is sent.
    expect(trail.filter((e) => e.outcome !== 'ATTEMPTED').map((e) => e.outcome)).toEqual(['OUTCOME_UNKNOWN', 'RECONCILED']);
    expect(trail.map((e) => e.outcome)).toEqual(['ATTEMPTED', 'OUTCOME_UNKNOWN', 'RECONCILED']);
  });

  it('after a 5xx that moved nothing, looks up, then sends again with a new upstream key and the same reference', async () => {
    const { from } = accounts(store);
    const before = cents(from.balance);
    gw.sandboxes.servers.utgl!.inject({ method: 'POST', path: '/v1/transfers', status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'down' }, times: 1 });
    const failed = await transfer('transfer-5xx-1', '4.00');
    expect(failed.errors![0]!.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', upstream: { status: 503 } });
    const retried: any = await transfer('transfer-5xx-1', '4.00');
    expect(retried.data.transferFunds.status).toBe('COMPLETED');
    const sent = gw.sandboxes.servers.utgl!.requests.filter((r) => r.method === 'POST' && r.path === '/v1/transfers');
    expect(sent).toHaveLength(2);
    expect(sent[0]!.headers['idempotency-key']).not.toBe(sent[1]!.headers['idempotency-key']);
    expect(JSON.parse(sent[0]!.body.toString()).reference).toBe(JSON.parse(sent[1]!.body.toString()).reference);
    expect(cents(from.balance)).toBe(before - 400);
  });

  it.each([
    ['0', 'must be greater than zero'],
    ['1.001', 'more than 2 decimal places'],
    ['-3', 'positive decimal'],
  ])('refuses amount %s before anything is recorded or sent', async (amount, problem) => {
    const res = await transfer(`transfer-bad-${amount}`, amount);
    expect(res.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(res.errors![0]!.message).toContain(problem);
    expect(gw.sandboxes.servers.utgl!.totalRequests).toBe(0);
  });

  it('needs funds:write to move money', async () => {
    const token = await gw.token({ scopes: ['cards:read', 'cards:write'] });
    const { from, to } = accounts(store);
    const res = await gw.query(TRANSFER, { key: 'transfer-scope-1', input: { fromWalletId: gid('utgl', 'Wallet', from.id), toWalletId: gid('utgl', 'Wallet', to.id), amount: '1.00', currency: 'USD' } }, { authorization: `Bearer ${token}` });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['funds:write'] });
  });

  it('freezes a card, and refuses to unfreeze a lost one without calling the provider', async () => {
    const active = [...store.cards.values()].find((c) => c.status === 'active')!;
    const frozen: any = await gw.query('mutation($id: ID!) { freezeCard(cardId: $id, reason: "travel") { status providerStatus } }', { id: gid('utgl', 'Card', active.id) });
    expect(frozen.data.freezeCard).toEqual({ status: 'FROZEN', providerStatus: 'frozen' });
    const lost = [...store.cards.values()].find((c) => c.status === 'lost')!;
    gw.sandboxes.servers.utgl!.resetRequests();
    const res = await gw.query('mutation($id: ID!) { unfreezeCard(cardId: $id) { status } }', { id: gid('utgl', 'Card', lost.id) });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'INVALID_STATE', provider: 'UTGL' });
    expect(gw.sandboxes.servers.utgl!.count('PATCH')).toBe(0);
  });

  it('answers a mutation a provider cannot do with UNSUPPORTED_BY_PROVIDER', async () => {
    const card = [...store.cards.values()][0]!;
    const res = await gw.query('mutation($input: CardPaymentInput!) { pushToCard(input: $input, idempotencyKey: "push-utgl-1") { id } }', {
      input: { cardId: gid('utgl', 'Card', card.id), amount: '1.00', currency: 'USD' },
    });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_BY_PROVIDER', provider: 'UTGL' });
    expect(gw.sandboxes.servers.utgl!.totalRequests).toBe(0);
  });
});

describe('a gateway restart between the upstream success and the client retry', () => {
  it('replays the recorded outcome from the durable store, without a second transfer', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { server, store } = createUtglSandbox({ accessKey: 'ak_restart', publicKeyPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const env = {
      UTGL_BASE_URL: await server.start(),
      UTGL_ACCESS_KEY: 'ak_restart',
      UTGL_PRIVATE_KEY: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    // The second gateway reopens the first one's state file, as a restarted process would.
    const state = { STATE_DB_PATH: join(mkdtempSync(join(tmpdir(), 'cardplane-restart-')), 'state.db') };
    const { from, to } = accounts(store);
    const input = { fromWalletId: gid('utgl', 'Wallet', from.id), toWalletId: gid('utgl', 'Wallet', to.id), amount: '7.00', currency: 'USD' };
    try {
      const before = await startTestGateway({ ...env, ...state });
      const first: any = await before.query(TRANSFER, { key: 'transfer-restart-1', input });
      await before.close();
      const after = await startTestGateway({ ...env, ...state });
      const replay: any = await after.query(TRANSFER, { key: 'transfer-restart-1', input });
      await after.close();
      expect(replay.data.transferFunds).toEqual(first.data.transferFunds);
      expect(server.count('POST', '/v1/transfers')).toBe(1);
    } finally {
      await server.stop();
    }
  });
});
