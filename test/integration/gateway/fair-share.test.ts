/**
 * One viewer's fair share of a provider, through the real gateway: a `nodes` document of
 * baas cards (which baas looks up one by one) never has more than the viewer's share in
 * flight, the rest waits in the viewer's own queue, and another viewer's read of the same
 * provider does not queue behind it. In-flight counts are sampled from the gateway's own
 * accounting while slowed-down answers are outstanding; nothing is asserted on a clock.
 */
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';

const gid = (type: string, ref: string) => Buffer.from(`baas:${type}:${ref}`).toString('base64url');

describe("a viewer's fair share of a provider's concurrency", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ UPSTREAM_VIEWER_MAX_CONCURRENCY: '2' });
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  it('holds one viewer to its share of calls in flight at a provider while another viewer reads it', async () => {
    const baas = gw.sandboxes.servers.baas!;
    const cards = [...gw.sandboxes.stores.baas!.cards.keys()].slice(0, 8);
    baas.inject({ method: 'GET', path: '/cards/:cardId', latencyMs: 150 });
    const share = gw.app.gateway.fairShare;
    const alice = { authorization: `Bearer ${await gw.token({ subject: 'alice' })}` };
    const bob = { authorization: `Bearer ${await gw.token({ subject: 'bob' })}` };

    const samples: Array<{ inFlight: number; waiting: number }> = [];
    let done = false;
    const flood = gw.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: cards.map((ref) => gid('Card', ref)) }, alice).finally(() => {
      done = true;
    });
    while (!done) {
      samples.push(share.stats('acme:alice', 'baas'));
      await new Promise((r) => setTimeout(r, 5));
    }
    const answered = await flood;
    expect(answered.errors).toBeUndefined();
    expect(answered.data.nodes).toHaveLength(8);
    // Every card was read, never more than two at a time, the others waiting their turn.
    expect(baas.count('GET', '/cards/:cardId')).toBe(8);
    expect(Math.max(...samples.map((s) => s.inFlight))).toBe(2);
    expect(Math.max(...samples.map((s) => s.waiting))).toBeGreaterThan(0);

    // Bob's read of the same provider while Alice's queue is full takes his own slot at once.
    const again = gw.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: cards.map((ref) => gid('Card', ref)) }, alice);
    while (share.stats('acme:alice', 'baas').waiting === 0) await new Promise((r) => setTimeout(r, 5));
    const bobRead = gw.query('query($id: ID!) { card(id: $id) { id } }', { id: gid('Card', cards[0]!) }, bob);
    let bobDone = false;
    void bobRead.finally(() => {
      bobDone = true;
    });
    const bobSamples: Array<{ inFlight: number; waiting: number }> = [];
    while (!bobDone) {
      bobSamples.push(share.stats('acme:bob', 'baas'));
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await bobRead).errors).toBeUndefined();
    expect(Math.max(...bobSamples.map((s) => s.inFlight))).toBe(1);
    expect(Math.max(...bobSamples.map((s) => s.waiting))).toBe(0);
    await again;
  });
});
