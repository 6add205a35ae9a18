/**
 * The gateway's own request id is the one that counts: a client's `x-request-id` never becomes
 * the id of the audit trail, of upstream calls or of the response.
 */
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { globalId as gid } from '../../support/global-id.js';

describe('request ids', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  it("uses the gateway's own request id for audit, upstream calls and the response, whatever id the client offers", async () => {
    const offered = 'client-chosen-id-0001';
    const store = gw.sandboxes.stores.utgl!;
    const active = [...store.cards.values()].find((c) => c.status === 'active')!;
    const res = await gw.query('mutation($id: ID!) { freezeCard(cardId: $id, reason: "travel") { status } }', { id: gid('utgl', 'Card', active.id) }, { 'x-request-id': offered });
    expect(res.errors).toBeUndefined();
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(id).not.toBe(offered);
    const upstream = gw.sandboxes.servers.utgl!.requests.map((r) => r.headers['x-request-id']);
    expect(upstream.length).toBeGreaterThan(0);
    expect(new Set(upstream)).toEqual(new Set([id]));
    const audit = (await gw.auditTrail()).filter((e) => e.action === 'mutation.freezeCard');
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.every((e) => e.requestId === id)).toBe(true);
    expect(JSON.stringify(await gw.auditTrail())).not.toContain(offered);

    const failed = await gw.query('{ card(id: "bm90LWFuLWlk") { id } }', {}, { 'x-request-id': offered });
    expect(failed.errors![0]!.extensions.requestId).toBe(failed.headers['x-request-id']);
    expect(failed.errors![0]!.extensions.requestId).not.toBe(offered);
  });
});
