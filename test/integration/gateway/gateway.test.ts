/**
 * Cross-provider behaviour of the whole gateway over HTTP: exact pagination over the seeded
 * data, batching through DataLoaders (counted at the simulators), partial results, request
 * ids and typed errors.
 */
import type { LedgerStore } from '../../../src/providers/ledger/sandbox/index.js';
import type { UtglStore } from '../../../src/providers/utgl/sandbox/index.js';
import { Capability } from '../../../src/providers/provider.js';
import { CardsPageDocument, TransactionsPageDocument, type Provider } from '../../generated/graphql.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { globalId } from '../../support/global-id.js';

describe('the gateway across utgl and ledger', () => {
  let gw: TestGateway;
  let utgl: UtglStore;
  let ledger: LedgerStore;
  beforeAll(async () => {
    gw = await startTestGateway();
    utgl = gw.sandboxes.stores.utgl!;
    ledger = gw.sandboxes.stores.ledger!;
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  async function walkCards(first: number, provider?: Provider): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 500; page += 1) {
      const res: Awaited<ReturnType<typeof gw.query<any>>> = await gw.query(CardsPageDocument, { first, after, filter: provider ? { provider } : null });
      expect(res.errors).toBeUndefined();
      ids.push(...res.data.cards.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!res.data.cards.pageInfo.hasNextPage) return ids;
      after = res.data.cards.pageInfo.endCursor;
    }
    throw new Error('pagination did not end');
  }

  it.each([7, 25])('walks every seeded card of every provider exactly once with first=%i', async (first) => {
    const ids = await walkCards(first);
    expect(new Set(ids).size).toBe(ids.length);
    const perProvider = await Promise.all(gw.registry.capable(Capability.CARD_LIST).map((p) => walkCards(100, p.key.toUpperCase() as Provider)));
    expect(new Set(ids)).toEqual(new Set(perProvider.flat()));
    expect(perProvider.flat()).toHaveLength(ids.length);
    const utglIds = await walkCards(100, 'UTGL');
    const ledgerIds = await walkCards(100, 'LEDGER');
    expect(utglIds).toHaveLength(utgl.cards.size);
    expect(ledgerIds).toHaveLength(ledger.cards.length);
  });

  it('walks a provider-wide transaction list newest first with no gap and no duplicate', async () => {
    const seen: Array<{ id: string; createdAt: string }> = [];
    let after: string | null = null;
    for (;;) {
      const res: any = await gw.query(TransactionsPageDocument, { first: 100, after, filter: { provider: 'UTGL' } });
      seen.push(...res.data.transactions.edges.map((e: any) => e.node));
      if (!res.data.transactions.pageInfo.hasNextPage) break;
      after = res.data.transactions.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(utgl.transactions.size);
    expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length);
    const times = seen.map((t) => Date.parse(t.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('filters by status across pages', async () => {
    const res: any = await gw.query(TransactionsPageDocument, { first: 100, filter: { provider: 'UTGL', status: 'DECLINED' } });
    const declined = [...utgl.transactions.values()].filter((t) => t.status === 'declined').length;
    expect(res.data.transactions.edges).toHaveLength(Math.min(100, declined));
    expect(res.data.transactions.edges.every((e: any) => e.node.status === 'DECLINED')).toBe(true);
  });

  it('loads 50 cards with their cardholder and wallet in one batched read per relation and distinct id', async () => {
    const res: any = await gw.query(
      `{ cards(first: 50, filter: { provider: UTGL }) { nodes { id cardholder { id firstName } wallet { id currency } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const refs = res.data.cards.nodes.map((n: any) => Buffer.from(n.id, 'base64url').toString().split(':')[2]);
    const cards = refs.map((ref: string) => utgl.cards.get(ref)!);
    const holders = new Set(cards.map((c: any) => c.cardholder_id)).size;
    const accounts = new Set(cards.map((c: any) => c.account_id)).size;
    const server = gw.sandboxes.servers.utgl!;
    // The page is one list call; utgl has no batch endpoint for cardholders or accounts, so
    // one read per distinct id, each exactly once however many cards share it.
    expect(server.count('GET', '/v1/cards')).toBe(1);
    expect(server.count('GET', '/v1/cardholders/:id')).toBe(holders);
    expect(server.count('GET', '/v1/accounts/:id')).toBe(accounts);
  });

  it('reads many cards by id with one batch request (GET /v1/cards?ids=)', async () => {
    const ids = [...utgl.cards.keys()].slice(0, 20).map((ref) => globalId('utgl', 'Card', ref));
    const res: any = await gw.query('query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Card { last4 } } }', { ids: [...ids, ids[0]] });
    expect(res.errors).toBeUndefined();
    expect(res.data.nodes).toHaveLength(21);
    const server = gw.sandboxes.servers.utgl!;
    expect(server.count('GET', '/v1/cards')).toBe(1);
    expect(server.requests[0]!.rawUrl).toMatch(/^\/v1\/cards\?ids=/);
  });

  it('returns the other providers\' items when one fails, with the failure in `failures` and in `errors`', async () => {
    gw.sandboxes.servers.utgl!.inject({ path: '/v1/cards', status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'down' } });
    const res: any = await gw.query(CardsPageDocument, { first: 10 });
    expect(res.data.cards.edges.length).toBe(10);
    expect(res.data.cards.edges.some((e: any) => e.node.provider === 'UTGL')).toBe(false);
    expect(res.data.cards.failures).toEqual([
      { provider: 'UTGL', code: 'UPSTREAM_UNAVAILABLE', message: expect.any(String), retryable: true },
    ]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors[0]).toMatchObject({ path: ['cards'], extensions: { code: 'UPSTREAM_UNAVAILABLE', provider: 'UTGL', upstream: { status: 503 } } });
  });

  it('puts the same request id in the x-request-id header and every error', async () => {
    const res = await gw.query('{ card(id: "bm90LWFuLWlk") { id } }');
    expect(res.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(res.headers['x-request-id']).toBe(res.errors![0]!.extensions.requestId);
    const health = await fetch(`${gw.url}/healthz`);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it.each([0, 101, -5])('rejects first=%i as BAD_USER_INPUT without calling any provider', async (first) => {
    const res = await gw.query(CardsPageDocument, { first });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false });
    expect(gw.sandboxes.servers.utgl!.requests).toHaveLength(0);
    expect(gw.sandboxes.servers.ledger!.requests).toHaveLength(0);
  });

  it('rejects a cursor from another list as BAD_USER_INPUT', async () => {
    const page: any = await gw.query(CardsPageDocument, { first: 2 });
    const res = await gw.query(TransactionsPageDocument, { first: 2, after: page.data.cards.pageInfo.endCursor, filter: { provider: 'UTGL' } });
    expect(res.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers malformed JSON with a typed error', async () => {
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await gw.token()}` },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ extensions: unknown }> };
    expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', requestId: res.headers.get('x-request-id') });
  });

  it('reports garbage from a provider as a typed UPSTREAM_ERROR, not a crash', async () => {
    gw.sandboxes.servers.utgl!.inject({ path: '/v1/cards', status: 200, body: { data: 'not a list' } });
    const res = await gw.query(CardsPageDocument, { first: 2, filter: { provider: 'UTGL' } });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', provider: 'UTGL' });
  });

  it('publishes each provider with its capabilities', async () => {
    const res: any = await gw.query('{ providers { provider sandbox capabilities } }');
    const ledgerInfo = res.data.providers.find((p: any) => p.provider === 'LEDGER');
    expect(ledgerInfo.sandbox).toBe(true);
    expect(ledgerInfo.capabilities).toContain('CARDHOLDER_LIST');
    expect(ledgerInfo.capabilities).not.toContain('TRANSACTION_LIST');
  });
});
