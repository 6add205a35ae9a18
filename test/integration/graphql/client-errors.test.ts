/**
 * Errors a newcomer meets, made plain: a currency that does not match the wallet names the
 * field and the wallet's currency before anything is written; a page size over the maximum
 * says the maximum wherever the connection sits; the Bearer scheme in any case.
 */
import { startTestGateway, type TestGateway } from '../../support/gateway.js';
import { globalIdsOf } from '../../support/global-id.js';

const gid = globalIdsOf('utgl');

const TRANSFER = `mutation($input: TransferFundsInput!, $key: String!) { transferFunds(input: $input, idempotencyKey: $key) { id status } }`;

describe('errors a client developer can act on', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it("refuses money in another currency than the wallet's, naming the field and the wallet's currency, writing nothing", async () => {
    const utgl = gw.sandboxes.stores.utgl!;
    const eur = [...utgl.accounts.values()].filter((a) => a.currency === 'EUR');
    const server = gw.sandboxes.servers.utgl!;
    server.resetRequests();
    const input = { fromWalletId: gid('Wallet', eur[0]!.id), toWalletId: gid('Wallet', eur[1]!.id), amount: '1.00', currency: 'USD' };
    const res = await gw.query(TRANSFER, { input, key: 'currency-mismatch-1' });
    expect(res.errors![0]!.message).toBe('input.currency is USD but input.fromWalletId is a EUR wallet: send the amount in EUR');
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false });
    // The wallet was read; no transfer was sent.
    expect(server.requests.every((r) => r.method === 'GET')).toBe(true);
    const balances = [...utgl.accounts.values()].filter((a) => a.currency === 'EUR').map((a) => a.balance);
    expect(balances).toEqual(eur.map((a) => a.balance));
  });

  it.each([
    ['a top-level list', '{ cards(first: 500) { nodes { id } } }'],
    ['a nested connection', '{ cards(first: 20) { nodes { transactions(first: 500) { nodes { id } } } } }'],
    ['a connection inside a nested connection', '{ cardholders(first: 2) { nodes { cards(first: 200) { nodes { id } } } } }'],
    ['a variable', { query: 'query($n: Int) { wallets(first: $n) { nodes { id } } }', variables: { n: 101 } }],
  ])('says the maximum page size for first in %s', async (_where, operation) => {
    const { query, variables } = typeof operation === 'string' ? { query: operation, variables: {} } : operation;
    const res = await gw.query(query, variables);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.message).toMatch(/^first must be an integer from 1 to 100 \(got \d+\)$/);
    expect(res.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it.each(['bearer', 'BEARER'])('accepts the "%s" scheme', async (scheme) => {
    const res = await gw.query('{ providers { provider } }', {}, { authorization: `${scheme} ${await gw.token()}` });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });
});
