/**
 * The reveal path end to end: a scoped, audited, rate-limited request for a single-use
 * token, exchanged once at POST /reveal for the card's number and CVV (never through
 * GraphQL, never cached).
 */
import type { UtglStore } from '../../../../src/providers/utgl/sandbox/index.js';
import { startTestGateway, type TestGateway } from '../../../support/gateway.js';
import { globalId } from '../../../support/global-id.js';

const gid = (provider: string, ref: string) => globalId(provider, 'Card', ref);
const REVEAL = 'mutation($id: ID!) { revealCard(cardId: $id) { token expiresAt revealPath } }';

describe('revealing a card', () => {
  let gw: TestGateway;
  let store: UtglStore;
  let cardRef: string;
  beforeAll(async () => {
    gw = await startTestGateway({ REVEAL_RATE_PER_MINUTE: '3', REVEAL_TOKEN_TTL_SECONDS: '1', PROVIDER_TENANTS: 'utgl=acme,baas=acme,pushpull=acme,corporate=globex,ledger=globex' });
    store = gw.sandboxes.stores.utgl!;
    cardRef = [...store.cards.keys()][0]!;
  });
  afterAll(() => gw.close());

  async function redeem(token: string, bearer?: string) {
    const res = await fetch(`${gw.url}/reveal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer ?? (await gw.token({ subject: 'alice' }))}` },
      body: JSON.stringify({ token }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  }

  async function requestReveal(id: string, subject = 'alice') {
    return gw.query(REVEAL, { id }, { authorization: `Bearer ${await gw.token({ subject })}` });
  }

  it('hands the secrets over once, uncached, to the viewer who asked, and audits both steps', async () => {
    const res: any = await requestReveal(gid('utgl', cardRef));
    expect(res.errors).toBeUndefined();
    const { token, revealPath } = res.data.revealCard;
    expect(revealPath).toBe('/reveal');
    expect(JSON.stringify(res.data)).not.toContain(store.cardSensitive.get(cardRef)!.pan);

    const secrets = store.cardSensitive.get(cardRef)!;
    const first = await redeem(token);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body).toEqual({ pan: secrets.pan, cvv: secrets.cvv, expiryMonth: secrets.exp_month, expiryYear: secrets.exp_year });

    const again = await redeem(token);
    expect(again.status).toBe(404);
    expect(again.body.errors[0].extensions.code).toBe('NOT_FOUND');

    const trail = (await gw.auditTrail()).filter((e) => e.target === gid('utgl', cardRef));
    expect(trail.map((e) => `${e.action}:${e.outcome}`)).toEqual(['card.reveal.requested:SUCCEEDED', 'card.reveal.redeemed:SUCCEEDED']);
    expect(trail.every((e) => e.subject === 'alice' && e.tenant === 'acme')).toBe(true);
    expect(JSON.stringify((await gw.auditTrail()))).not.toContain(secrets.pan);
  });

  it('does not let another viewer redeem the token', async () => {
    const res: any = await requestReveal(gid('utgl', cardRef));
    const stolen = await redeem(res.data.revealCard.token, await gw.token({ subject: 'mallory' }));
    expect(stolen.status).toBe(404);
    // …and the owner can still use it: the thief's attempt did not consume it.
    expect((await redeem(res.data.revealCard.token)).status).toBe(200);
  });

  it('voids a token once it expires', async () => {
    const res: any = await requestReveal(gid('utgl', cardRef), 'bob');
    await new Promise((r) => setTimeout(r, 1_100));
    const late = await redeem(res.data.revealCard.token, await gw.token({ subject: 'bob' }));
    expect(late.status).toBe(404);
  });

  it('needs the cards:reveal scope, at both steps', async () => {
    const noScope = await gw.token({ scopes: ['cards:read', 'cardholders:read'], subject: 'carol' });
    const res = await gw.query(REVEAL, { id: gid('utgl', cardRef) }, { authorization: `Bearer ${noScope}` });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['cards:reveal'] });
    const attempt = await redeem('rvl_' + 'a'.repeat(43), noScope);
    expect(attempt.status).toBe(403);
  });

  it("answers another tenant's card like a card that does not exist, and pushpull as unsupported", async () => {
    const ledgerStore = gw.sandboxes.stores.ledger!;
    const wallet = ledgerStore.wallets[0]!;
    const foreign: any = await requestReveal(gid('ledger', `${wallet.customerAccountId}/${wallet.domainNamespace}`), 'dave');
    expect(foreign.errors[0].extensions.code).toBe('NOT_FOUND');
    const pushpullCard = [...(gw.sandboxes.stores.pushpull!).accounts.values()].find((a) => a.status === 'active')!;
    const unsupported: any = await requestReveal(gid('pushpull', pushpullCard.account_id), 'dave');
    expect(unsupported.errors[0].extensions).toMatchObject({ code: 'UNSUPPORTED_BY_PROVIDER', provider: 'PUSHPULL' });
  });

  it('rate-limits reveals per viewer and audits the refusal', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res: any = await requestReveal(gid('utgl', cardRef), 'erin');
      codes.push(res.errors ? res.errors[0].extensions.code : 'OK');
    }
    expect(codes).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED']);
    expect((await gw.auditTrail()).some((e) => e.subject === 'erin' && e.outcome === 'DENIED' && e.code === 'RATE_LIMITED')).toBe(true);
    // Another viewer is not affected.
    expect(((await requestReveal(gid('utgl', cardRef), 'frank')) as any).errors).toBeUndefined();
  });

  it('rejects a malformed reveal token without calling any provider', async () => {
    const before = gw.sandboxes.servers.utgl!.totalRequests;
    const res = await redeem("'; DROP TABLE cards; --");
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(gw.sandboxes.servers.utgl!.totalRequests).toBe(before);
  });
});
