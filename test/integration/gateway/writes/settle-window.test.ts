/**
 * The race that once moved baas money twice, on every provider: the simulator holds the first
 * write past the gateway's headers timeout and processes it later (its effect lands after the
 * gateway answered OUTCOME_UNKNOWN). The client resubmits at once: OUTCOME_UNKNOWN, retryable,
 * with the time left, and nothing sent upstream. Once the write has landed and the settle
 * window closed, it resubmits again: the true outcome, by look-up — and exactly one effect.
 *
 * Short timeouts and windows through the environment: headers 400 ms, window 3 s, the held
 * write processed 2 s after it arrived.
 */
import { resetSandboxes, startTestGateway, type TestGateway } from '../../../support/gateway.js';
import { PROVIDER_KEYS, type ProviderKey } from '../../../../src/core/provider-key.js';
import { globalId as gid } from '../../../support/global-id.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const WINDOW_MS = 3_000;
const HELD_MS = 2_000;
const OPERATION = 'id kind amount { amount currency }';

interface Race {
  /** The write's route at the simulator. */
  path: string;
  /** The mutation and its variables (one fresh target per call). */
  write(gw: TestGateway): { query: string; variables: Record<string, unknown>; field: string };
  /** How many effects of such writes the simulator holds. */
  effects(gw: TestGateway): number;
}

const RACES: Record<ProviderKey, Race> = {
  utgl: {
    path: '/v1/transfers',
    write(gw) {
      const usd = [...gw.sandboxes.stores.utgl!.accounts.values()].filter((a) => a.currency === 'USD' && Number(a.balance) > 100);
      return {
        field: 'transferFunds',
        query: `mutation($input: TransferFundsInput!, $key: String!) { transferFunds(input: $input, idempotencyKey: $key) { ${OPERATION} } }`,
        variables: { input: { fromWalletId: gid('utgl', 'Wallet', usd[0]!.id), toWalletId: gid('utgl', 'Wallet', usd[1]!.id), amount: '1.25', currency: 'USD' } },
      };
    },
    effects: (gw) => gw.sandboxes.stores.utgl!.transfers.size,
  },
  baas: {
    path: '/cards/:cardId/bank-deposit',
    write(gw) {
      const card = [...gw.sandboxes.stores.baas!.cards.values()].find((c) => c.status === 'active')!;
      return {
        field: 'topUpCard',
        query: `mutation($input: TopUpCardInput!, $key: String!) { topUpCard(input: $input, idempotencyKey: $key) { ${OPERATION} } }`,
        variables: { input: { cardId: gid('baas', 'Card', card.id), amount: '1.25', currency: 'USD' } },
      };
    },
    effects: (gw) => [...gw.sandboxes.stores.baas!.transactions.values()].filter((t) => t.kind === 'deposit').length,
  },
  corporate: {
    path: '/api/v1/cards/topup',
    write(gw) {
      const card = [...gw.sandboxes.stores.corporate!.cards.values()].find((c) => c.status === 'active')!;
      return {
        field: 'topUpCard',
        query: `mutation($input: TopUpCardInput!, $key: String!) { topUpCard(input: $input, idempotencyKey: $key) { ${OPERATION} } }`,
        variables: { input: { cardId: gid('corporate', 'Card', `${card.external_user_id}/${card.card_id}`), amount: '1.25', currency: 'USD' } },
      };
    },
    effects: (gw) => gw.sandboxes.stores.corporate!.orders.size,
  },
  ledger: {
    path: '/cards/request-card',
    write(gw) {
      const store = gw.sandboxes.stores.ledger!;
      const wallet = store.wallets.find((w) => !store.cardOf(w))!;
      return {
        field: 'issueCard',
        query: `mutation($input: IssueCardInput!, $key: String!) { issueCard(input: $input, idempotencyKey: $key) { card { id } operation { id } } }`,
        variables: {
          input: {
            cardholderId: gid('ledger', 'Cardholder', wallet.customerAccountId),
            walletId: gid('ledger', 'Wallet', `${wallet.customerAccountId}/${wallet.domainNamespace}`),
            type: 'VIRTUAL',
          },
        },
      };
    },
    effects: (gw) => gw.sandboxes.stores.ledger!.cards.length,
  },
  pushpull: {
    path: '/v1/clients/:clientId/transactions',
    write(gw) {
      const account = gw.sandboxes.stores.pushpull!.listedAccounts().find((a) => a.push_enabled && a.status === 'active')!;
      return {
        field: 'pushToCard',
        query: `mutation($input: CardPaymentInput!, $key: String!) { pushToCard(input: $input, idempotencyKey: $key) { ${OPERATION} } }`,
        variables: { input: { cardId: gid('pushpull', 'Card', account.account_id), amount: '1.25', currency: 'USD' } },
      };
    },
    effects: (gw) => gw.sandboxes.stores.pushpull!.transactions.size,
  },
};

describe('a write the provider processes after the gateway gave up on it', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      UPSTREAM_CONNECT_TIMEOUT_MS: '300',
      UPSTREAM_HEADERS_TIMEOUT_MS: '400',
      UPSTREAM_BODY_TIMEOUT_MS: '400',
      ...Object.fromEntries(PROVIDER_KEYS.map((key) => [`${key.toUpperCase()}_SETTLE_WINDOW_MS`, String(WINDOW_MS)])),
      RECONCILE_SWEEP_INTERVAL_MS: '0',
    });
    await gw.query('{ providers { provider } }'); // warm: the first request's own set-up is not part of the race
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  it.each(PROVIDER_KEYS)('%s: OUTCOME_UNKNOWN (retryable, nothing resent) inside the window, then the true outcome, with one effect upstream', async (provider) => {
    const race = RACES[provider];
    const server = gw.sandboxes.servers[provider]!;
    const { query, variables, field } = race.write(gw);
    const key = `race-${provider}-${Date.now()}`;
    const posts = () => server.count('POST', race.path);
    const before = race.effects(gw);
    server.inject({ method: 'POST', path: race.path, latencyMs: HELD_MS, times: 1 });

    const sentAt = Date.now();
    const first = await gw.query(query, { ...variables, key });
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', provider: provider.toUpperCase() });
    expect(race.effects(gw)).toBe(before); // the held write has not landed yet

    const again = await gw.query(query, { ...variables, key });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', retryable: true });
    expect(again.errors![0]!.extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(posts()).toBe(1);

    // The held write lands, then the window closes.
    for (let i = 0; i < 100 && race.effects(gw) === before; i += 1) await sleep(50);
    expect(race.effects(gw)).toBe(before + 1);
    await sleep(Math.max(0, sentAt + WINDOW_MS + 100 - Date.now()));

    const settled: any = await gw.query(query, { ...variables, key });
    expect(settled.errors).toBeUndefined();
    expect(settled.data[field]).toBeTruthy();
    expect(race.effects(gw)).toBe(before + 1);
    // corporate has no look-up: its keyed resend is the look-up, and replays the held order.
    expect(posts()).toBe(provider === 'corporate' ? 2 : 1);
    const replay: any = await gw.query(query, { ...variables, key });
    expect(replay.data[field]).toEqual(settled.data[field]);
  });
});
