import { startTestGateway, type TestGateway } from '../support/gateway.js';

describe('the gateway on its embedded sandboxes', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it('serves all five providers from their sandboxes', async () => {
    const res = await gw.query('{ providers { provider sandbox } }');
    expect(res.data.providers).toEqual(
      ['UTGL', 'BAAS', 'CORPORATE', 'LEDGER', 'PUSHPULL'].map((provider) => ({ provider, sandbox: true })),
    );
  });

  it.each(['UTGL', 'BAAS', 'CORPORATE', 'LEDGER', 'PUSHPULL'])('reads cards from %s', async (provider) => {
    const res = await gw.query(`{ cards(first: 3, filter: { provider: ${provider} }) { nodes { provider maskedPan } failures { provider } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.cards.nodes).toHaveLength(3);
    expect(res.data.cards.nodes.every((n: { provider: string }) => n.provider === provider)).toBe(true);
  });
});
