import { startTestGateway, type TestGateway } from '../support/gateway.js';

describe('the gateway on its embedded sandboxes', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it('lists cards from every sandboxed provider', async () => {
    const res = await gw.query('{ cards(first: 100) { nodes { provider } failures { provider } } }');
    expect(res.errors).toBeUndefined();
    const providers = new Set(res.data.cards.nodes.map((n: { provider: string }) => n.provider));
    expect(providers).toEqual(new Set(['UTGL', 'LEDGER']));
  });
});
