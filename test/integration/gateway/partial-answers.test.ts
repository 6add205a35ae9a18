/**
 * Partial answers stay partial: a relation or list a provider cannot serve comes back as an
 * empty connection naming the provider in `failures` (UNSUPPORTED_BY_PROVIDER), never as a
 * null that erases its parent; a list over several providers says which could not serve it.
 */
import { WalletDetailDocument } from '../../generated/graphql.js';
import { startTestGateway, type TestGateway } from '../../support/gateway.js';

const unsupported = (provider: string) => ({ provider, code: 'UNSUPPORTED_BY_PROVIDER' });

describe('partial answers', () => {
  let gw: TestGateway;
  let globex: Record<string, string>;
  beforeAll(async () => {
    // The sandbox default: utgl, baas and pushpull in acme, corporate and ledger in globex.
    gw = await startTestGateway({ PROVIDER_TENANTS: 'utgl=acme,baas=acme,pushpull=acme,corporate=globex,ledger=globex' });
    globex = { authorization: `Bearer ${await gw.token({ tenant: 'globex' })}` };
  });
  afterAll(() => gw.close());

  it("keeps a corporate wallet and its balance when corporate cannot list the wallet's transactions", async () => {
    const list = await gw.query('{ wallets(first: 1, filter: { provider: CORPORATE }) { nodes { id } } }', {}, globex);
    const id = list.data.wallets.nodes[0].id as string;
    const res = await gw.query(WalletDetailDocument, { id }, globex);
    expect(res.data!.wallet).toMatchObject({ id, provider: 'CORPORATE', balance: { amount: expect.stringMatching(/^\d+\.\d+$/), currency: expect.any(String) } });
    expect(res.data!.wallet.transactions).toEqual({ nodes: [], failures: [unsupported('CORPORATE')] });
    // The operation names the wallet's transactions explicitly: the refusal is in `errors` too.
    expect(res.errors).toEqual([
      expect.objectContaining({ path: ['wallet', 'transactions'], extensions: expect.objectContaining({ code: 'UNSUPPORTED_BY_PROVIDER', provider: 'CORPORATE' }) }),
    ]);
  });

  it('keeps the items of a list whose relation corporate cannot serve', async () => {
    const res = await gw.query(
      '{ wallets(first: 5) { nodes { provider balance { amount } transactions(first: 2) { nodes { id } failures { provider code } } } } }',
      {},
      globex,
    );
    const corporate = res.data.wallets.nodes.filter((w: { provider: string }) => w.provider === 'CORPORATE');
    expect(corporate.length).toBeGreaterThan(0);
    for (const wallet of corporate) {
      expect(wallet.balance.amount).toMatch(/^\d/);
      expect(wallet.transactions).toEqual({ nodes: [], failures: [unsupported('CORPORATE')] });
    }
  });

  it("says which providers cannot serve globex's unfiltered transactions instead of answering an empty list silently", async () => {
    const res = await gw.query('{ transactions(first: 5) { nodes { id } pageInfo { hasNextPage } failures { provider code retryable } } }', {}, globex);
    expect(res.errors).toBeUndefined();
    expect(res.data.transactions).toEqual({
      nodes: [],
      pageInfo: { hasNextPage: false },
      failures: [
        { ...unsupported('CORPORATE'), retryable: false },
        { ...unsupported('LEDGER'), retryable: false },
      ],
    });
  });

  it('lists what the capable providers hold and names the others', async () => {
    const res = await gw.query('{ cardholders(first: 100) { nodes { provider } failures { provider code } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.cardholders.nodes.length).toBeGreaterThan(0);
    expect(res.data.cardholders.nodes.every((n: { provider: string }) => ['UTGL', 'BAAS'].includes(n.provider))).toBe(true);
    expect(res.data.cardholders.failures).toEqual([unsupported('PUSHPULL')]);
    const cards = await gw.query('{ cards(first: 10) { nodes { id } failures { provider } } }');
    expect(cards.data.cards.failures).toEqual([]);
  });

  it('answers a list narrowed to a provider that cannot serve it with an empty page, not a null', async () => {
    const res = await gw.query('{ transactions(first: 5, filter: { provider: LEDGER }) { nodes { id } failures { provider code } } }', {}, globex);
    expect(res.data.transactions).toEqual({ nodes: [], failures: [unsupported('LEDGER')] });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_BY_PROVIDER', provider: 'LEDGER', retryable: false });
  });
});
