/**
 * Cross-provider reads under failure and load: deadlines, circuit breakers, health, and the
 * exact number of upstream requests nested queries cost (counted at the simulators).
 */
import { CardsPageDocument } from '../../generated/graphql.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { refOf } from '../../support/global-id.js';


describe('resilience of cross-provider reads', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ REQUEST_DEADLINE_MS: '1500', UPSTREAM_HEADERS_TIMEOUT_MS: '5000' });
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  it('answers with the other providers when one is slower than the request deadline, naming it UPSTREAM_TIMEOUT', async () => {
    gw.sandboxes.servers.baas!.inject({ path: '/cards', latencyMs: 3_000 });
    const res: any = await gw.query(CardsPageDocument, { first: 20 });
    expect(res.data.cards.edges).toHaveLength(20);
    expect(res.data.cards.edges.some((e: any) => e.node.provider === 'BAAS')).toBe(false);
    expect(res.data.cards.failures).toEqual([expect.objectContaining({ provider: 'BAAS', code: 'UPSTREAM_TIMEOUT', retryable: true })]);
    expect(res.errors).toEqual([expect.objectContaining({ path: ['cards'], extensions: expect.objectContaining({ code: 'UPSTREAM_TIMEOUT', provider: 'BAAS' }) })]);
  });

  it('opens the circuit of a provider that keeps failing, stops calling it, and shows it in providers { health }', async () => {
    const utgl = gw.sandboxes.servers.utgl!;
    utgl.inject({ path: '/v1/cards', status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'down' } });
    for (let i = 0; i < 4; i += 1) await gw.query(CardsPageDocument, { first: 5, filter: { provider: 'UTGL' } });
    const calls = utgl.totalRequests;
    const res = await gw.query(CardsPageDocument, { first: 5, filter: { provider: 'UTGL' } });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', provider: 'UTGL', retryable: true });
    expect(res.errors![0]!.extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(utgl.totalRequests).toBe(calls);
    const health: any = await gw.query('{ providers { provider health { circuitOpen circuitOpenReason recentErrors errorRate } } }');
    const utglHealth = health.data.providers.find((p: any) => p.provider === 'UTGL').health;
    expect(utglHealth).toMatchObject({ circuitOpen: true, circuitOpenReason: 'errors' });
    const others = health.data.providers.filter((p: any) => p.provider !== 'UTGL');
    expect(others.every((p: any) => p.health.circuitOpen === false)).toBe(true);
    // Other providers still answer a fan-out list while utgl's circuit is open.
    const list: any = await gw.query(CardsPageDocument, { first: 5 });
    expect(list.data.cards.edges).toHaveLength(5);
    expect(list.data.cards.failures.map((f: any) => f.provider)).toEqual(['UTGL']);
  });

  it('reads 50 baas cards with cardholder and wallet in one request per distinct cardholder and wallet', async () => {
    const res: any = await gw.query('{ cards(first: 50, filter: { provider: BAAS }) { nodes { id cardholder { id } wallet { id balance { amount } } } } }');
    expect(res.errors).toBeUndefined();
    const store = gw.sandboxes.stores.baas!;
    const cards = res.data.cards.nodes.map((n: any) => store.cards.get(refOf(n.id))!);
    const server = gw.sandboxes.servers.baas!;
    expect(server.count('GET', '/cards')).toBe(1);
    expect(server.count('GET', '/cardholders/:cardholderId')).toBe(new Set(cards.map((c: any) => c.cardholderId)).size);
    // The wallet answer carries its balance: no second read for it.
    expect(server.count('GET', '/wallets/:walletId')).toBe(new Set(cards.map((c: any) => c.walletId)).size);
  });

  it('reads each ledger customer once per request, however many relations need it', async () => {
    const res: any = await gw.query(
      '{ cards(first: 100, filter: { provider: LEDGER }) { nodes { id cardholder { firstName } wallet { name } } } }',
    );
    expect(res.errors).toBeUndefined();
    const store = gw.sandboxes.stores.ledger!;
    const server = gw.sandboxes.servers.ledger!;
    expect(res.data.cards.nodes).toHaveLength(store.cards.length);
    expect(server.count('GET', '/tenant/customer/customer-full-details/:customerAccountId')).toBe(store.customers.length);
    expect(server.count('GET', '/cards/details')).toBe(store.wallets.length);
  });
});
