/**
 * Cost counts every upstream call a document can cause: `nodes(ids:)` is priced per id, its
 * ids are capped per document across aliases, and each viewer's upstream budget is charged
 * with the cost of what it runs. Everything refused is refused before any upstream call.
 */
import { resetSandboxes, startTestGateway, type TestGateway, upstreamCalls } from '../../support/gateway.js';
import { globalId as gid } from '../../support/global-id.js';



describe('ids per document', () => {
  let gw: TestGateway;
  let pushpullIds: string[];
  beforeAll(async () => {
    gw = await startTestGateway();
    // Well-formed ids of transactions pushpull does not have: each would be a look-up (and a 404).
    pushpullIds = Array.from({ length: 100 }, (_, i) => gid('pushpull', 'Transaction', `txn_unknown_${i}`));
  });
  afterAll(() => gw.close());
  beforeEach(() => resetSandboxes(gw));

  it('refuses a nodes document whose ids across aliases exceed the cap before any upstream call', async () => {
    // 30 aliases × 100 ids: 3000 look-ups if it ran.
    const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: nodes(ids: $ids) { id }`).join(' ');
    const res = await gw.query(`query Flood($ids: [ID!]!) { ${aliases} }`, { ids: pushpullIds });
    expect(res.status).toBe(400);
    expect(res.data).toBeNull();
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false, limit: 'ids', max: 100, actual: 3000 });
    expect(upstreamCalls(gw)).toBe(0);
  });

  it('refuses the same flood written out as literal id lists before any upstream call', async () => {
    const list = JSON.stringify(pushpullIds.slice(0, 60));
    const res = await gw.query(`{ a: nodes(ids: ${list}) { id } b: nodes(ids: ${list}) { id } }`);
    expect(res.status).toBe(400);
    expect(res.errors![0]!.extensions).toMatchObject({ limit: 'ids', max: 100, actual: 120 });
    expect(upstreamCalls(gw)).toBe(0);
  });

  it('admits ids up to the cap across aliases', async () => {
    const cards = [...gw.sandboxes.stores.utgl!.cards.keys()].map((ref) => gid('utgl', 'Card', ref));
    const ids = [...cards, ...cards].slice(0, 50);
    const res = await gw.query('query($ids: [ID!]!) { a: nodes(ids: $ids) { id } b: nodes(ids: $ids) { id } }', { ids });
    expect(res.errors).toBeUndefined();
    expect(res.data.a).toHaveLength(50);
    expect(res.data.b.map((n: { id: string }) => n.id)).toEqual(ids);
  });
});

describe('ids per document, configured', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ QUERY_MAX_IDS: '10' });
  });
  afterAll(() => gw.close());

  it('takes the cap from QUERY_MAX_IDS', async () => {
    const ids = Array.from({ length: 11 }, (_, i) => gid('utgl', 'Card', `card_${i}`));
    const res = await gw.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
    expect(res.errors![0]!.extensions).toMatchObject({ limit: 'ids', max: 10, actual: 11 });
    expect(upstreamCalls(gw)).toBe(0);
  });
});

describe("each viewer's upstream budget", () => {
  let gw: TestGateway;
  // cardholders(first: 20) { nodes { cards(first: 10) { nodes { id } } } } = 20 × (1 + 1 + 10 × 2) = 440
  const EXPENSIVE = '{ cardholders(first: 20, filter: { provider: UTGL }) { nodes { cards(first: 10) { nodes { id } } } } }';
  const CHEAP = '{ providers { provider } }';
  beforeAll(async () => {
    // 1000 to spend, restored at 1 per second: two expensive documents, then refusals.
    gw = await startTestGateway({ COST_BUDGET_BURST: '10000', COST_BUDGET_PER_SECOND: '1' });
  });
  afterAll(() => gw.close());
  beforeEach(() => resetSandboxes(gw));

  const as = async (subject: string) => ({ authorization: `Bearer ${await gw.token({ subject })}` });

  it('charges the rate limiter by cost: expensive documents exhaust the budget, refused before any upstream call', async () => {
    const alice = await as('alice');
    const statuses: number[] = [];
    // 10000 / 440: 22 expensive documents fit, the 23rd does not.
    for (let i = 0; i < 23; i += 1) statuses.push((await gw.query(EXPENSIVE, {}, alice)).status);
    expect(statuses.slice(0, 22).every((s) => s === 200)).toBe(true);
    expect(statuses[22]).toBe(429);
    resetSandboxes(gw);
    const refused = await gw.query(EXPENSIVE, {}, alice);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true, limit: 'costBudget', cost: 440 });
    expect(refused.errors![0]!.extensions.retryAfterSeconds).toBeGreaterThan(1);
    expect(upstreamCalls(gw)).toBe(0);
    // What is left still pays for a cheap document: the budget counts work, not requests.
    expect((await gw.query(CHEAP, {}, alice)).status).toBe(200);
  });

  it("does not touch another viewer's budget", async () => {
    const bob = await as('bob');
    const res = await gw.query(EXPENSIVE, {}, bob);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });
});
