/**
 * ledger through the whole gateway: bearer key + tenant header, the directory of known
 * customers, one card per wallet, 18-decimal token amounts converted exactly, and the
 * reference's error shapes (a missing card is a 400 "Not found").
 */
import type { LedgerStore } from '../../../src/providers/ledger/sandbox/index.js';
import { fromBaseUnits } from '../../../src/core/money.js';
import { CardDetailDocument, CardholdersWithCardsDocument, NodeByIdDocument, WalletDetailDocument } from '../../generated/graphql.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { globalIdsOf } from '../../support/global-id.js';

const gid = globalIdsOf('ledger');

describe('ledger through the gateway', () => {
  let gw: TestGateway;
  let store: LedgerStore;
  beforeAll(async () => {
    gw = await startTestGateway();
    store = gw.sandboxes.stores.ledger!;
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  it('lists the directory of customers with their cards', async () => {
    const res = await gw.query(CardholdersWithCardsDocument, { first: 30, filter: { provider: 'LEDGER' } });
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.cardholders.nodes;
    expect(nodes).toHaveLength(store.customers.length);
    const first = store.customers[0]!;
    const holder = nodes.find((n) => n.id === gid('Cardholder', first.customerAccountId))!;
    expect(holder.firstName).toBe(first.firstName);
    const carded = store.walletsOf(first.customerAccountId).filter((w) => store.cardOf(w)).length;
    expect(holder.cards.nodes).toHaveLength(carded);
  });

  it('reads a card by its wallet namespace, maps its status code, and never exposes the PAN', async () => {
    const card = store.cards.find((c) => c.statusCode === 1043)!;
    const wallet = store.walletByIdentifier(card.walletNamespace)!;
    const res = await gw.query(CardDetailDocument, { id: gid('Card', `${wallet.customerAccountId}/${wallet.domainNamespace}`) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.card).toMatchObject({ provider: 'LEDGER', status: 'STOLEN', providerStatus: '1043 Stolen', last4: card.cardNumber.slice(-4) });
    const body = JSON.stringify(res.data);
    expect(body).not.toContain(card.cardNumber);
    expect(body).not.toContain(`"${card.cvv}"`);
  });

  it('converts 18-decimal balances exactly', async () => {
    const wallet = store.wallets[3]!;
    const res = await gw.query(WalletDetailDocument, { id: gid('Wallet', `${wallet.customerAccountId}/${wallet.domainNamespace}`) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.wallet.balance).toEqual(fromBaseUnits(BigInt(store.balanceOf(wallet)), 'USBC'));
    expect(res.data!.wallet.transactions.nodes.length).toBeGreaterThan(0);
    expect(res.data!.wallet.transactions.nodes[0]!.amount.amount).toMatch(/^\d+\.\d{2,18}$/);
  });

  it('answers a wallet without a card (ledger 400 "Not found") as a card that does not exist', async () => {
    const bare = store.wallets.find((w) => !store.cardOf(w))!;
    const id = gid('Card', `${bare.customerAccountId}/${bare.domainNamespace}`);
    const res = await gw.query(CardDetailDocument, { id });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'LEDGER' });
    const node = await gw.query(NodeByIdDocument, { id });
    expect(node.errors).toBeUndefined();
    expect(node.data!.node).toBeNull();
  });

  it('says ledger cannot list transactions that are not narrowed to a card or wallet', async () => {
    const res = await gw.query('{ transactions(filter: { provider: LEDGER }) { nodes { id } } }');
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_BY_PROVIDER', provider: 'LEDGER', retryable: false });
  });

  it('reports a rejected API key as UPSTREAM_AUTH_FAILED', async () => {
    const server = gw.sandboxes.servers.ledger!;
    const misconfigured = await startTestGateway({
      LEDGER_BASE_URL: server.baseUrl,
      LEDGER_API_KEY: 'wrong-key',
      LEDGER_TENANT_ID: 'sandbox-tenant',
      LEDGER_CUSTOMER_IDS: store.customers[0]!.customerAccountId,
    });
    try {
      const res = await misconfigured.query(NodeByIdDocument, { id: gid('Cardholder', store.customers[0]!.customerAccountId) });
      expect(res.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_AUTH_FAILED',
        provider: 'LEDGER',
        upstream: { status: 401, code: 'API Key' },
      });
    } finally {
      await misconfigured.close();
    }
  });
});
