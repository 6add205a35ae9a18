/**
 * Who may see what: bearer tokens verified with jose, scopes per field, tenancy per provider
 * account. Every refusal is typed, and nothing is sent upstream for what is refused.
 */
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { createHmac } from 'node:crypto';
import { CardsPageDocument, NodeByIdDocument } from '../generated/graphql.js';
import { resetSandboxes, startTestGateway, type TestGateway, upstreamCalls } from '../support/gateway.js';
import { globalId as gid } from '../support/global-id.js';

describe('authentication', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  async function rejected(authorization: string) {
    const res = await gw.query(CardsPageDocument, { first: 1 }, { authorization });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', retryable: false, requestId: res.headers['x-request-id'] });
    expect(upstreamCalls(gw)).toBe(0);
    return res.errors![0]!.message;
  }

  it('refuses a request without a token', async () => {
    expect(await rejected('')).toBe('A bearer token is required');
  });

  it('refuses a token that is not a bearer JWT', async () => {
    await rejected('Basic dXNlcjpwYXNz');
    await rejected('Bearer not-a-jwt');
  });

  it('refuses an expired token', async () => {
    expect(await rejected(`Bearer ${await gw.token({ expiresIn: -60 })}`)).toBe('The token has expired');
  });

  it('refuses a token for another issuer or audience', async () => {
    await rejected(`Bearer ${await gw.token({ issuer: 'https://evil.example/' })}`);
    await rejected(`Bearer ${await gw.token({ audience: 'someone-else' })}`);
  });

  it('refuses a token signed by another key', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ tenant: 'acme', scope: 'cards:read' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://id.cardplane.test/')
      .setAudience('cardplane')
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await rejected(`Bearer ${forged}`)).toBe("The token's signature is not valid");
  });

  it('refuses alg "none" and HMAC tokens (no algorithm confusion)', async () => {
    const claims = { tenant: 'acme', scope: 'cards:read', iss: 'https://id.cardplane.test/', aud: 'cardplane', sub: 'mallory' };
    const none = new UnsecuredJWT(claims).setExpirationTime('5m').encode();
    await rejected(`Bearer ${none}`);
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url');
    const signature = createHmac('sha256', 'guess').update(`${header}.${payload}`).digest('base64url');
    await rejected(`Bearer ${header}.${payload}.${signature}`);
  });

  it('keeps /healthz open and healthy after all of that', async () => {
    const res = await fetch(`${gw.url}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('scopes', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  it('answers FORBIDDEN with the missing scope, without calling any provider', async () => {
    const token = await gw.token({ scopes: ['cardholders:read'] });
    const res = await gw.query(CardsPageDocument, { first: 1 }, { authorization: `Bearer ${token}` });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['cards:read'], retryable: false });
    expect(upstreamCalls(gw)).toBe(0);
  });

  it("withholds cardholders' personal data without cardholders:read", async () => {
    const token = await gw.token({ scopes: ['cards:read'] });
    const res = await gw.query(
      '{ cards(first: 2, filter: { provider: UTGL }) { nodes { last4 cardholder { id kycStatus firstName } } } }',
      {},
      { authorization: `Bearer ${token}` },
    );
    expect(res.data.cards.nodes).toHaveLength(2);
    expect(res.data.cards.nodes[0].last4).toMatch(/^\d{4}$/);
    expect(res.data.cards.nodes.every((n: any) => n.cardholder.firstName === null)).toBe(true);
    expect(res.errors!.every((e) => e.extensions.code === 'FORBIDDEN' && (e.extensions as any).missingScopes[0] === 'cardholders:read')).toBe(true);
  });
});

describe('tenancy', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // The sandbox default: utgl, baas and pushpull belong to acme; corporate and ledger to globex.
    gw = await startTestGateway({ PROVIDER_TENANTS: 'utgl=acme,baas=acme,pushpull=acme,corporate=globex,ledger=globex' });
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  const as = async (tenant: string) => ({ authorization: `Bearer ${await gw.token({ tenant })}` });

  it('shows each tenant only its own providers', async () => {
    const acme: any = await gw.query('{ providers { provider } }', {}, await as('acme'));
    const globex: any = await gw.query('{ providers { provider } }', {}, await as('globex'));
    expect(acme.data.providers.map((p: any) => p.provider)).toEqual(['UTGL', 'BAAS', 'PUSHPULL']);
    expect(globex.data.providers.map((p: any) => p.provider)).toEqual(['CORPORATE', 'LEDGER']);
  });

  it('never lists another tenant\'s items, and never calls its providers', async () => {
    const res: any = await gw.query(CardsPageDocument, { first: 100 }, await as('acme'));
    expect(new Set(res.data.cards.edges.map((e: any) => e.node.provider))).toEqual(new Set(['UTGL', 'BAAS', 'PUSHPULL']));
    expect(gw.sandboxes.servers.ledger!.totalRequests).toBe(0);
    expect(gw.sandboxes.servers.corporate!.totalRequests).toBe(0);
  });

  it('answers a foreign id exactly like a non-existent one', async () => {
    const foreign = gid('ledger', 'Cardholder', gw.sandboxes.stores.ledger!.customers[0]!.customerAccountId);
    const missing = gid('utgl', 'Cardholder', 'ch_doesnotexist');
    const headers = await as('acme');
    const node = await gw.query(NodeByIdDocument, { id: foreign }, headers);
    expect(node.errors).toBeUndefined();
    expect(node.data!.node).toBeNull();
    const a = await gw.query('query($id: ID!) { cardholder(id: $id) { id } }', { id: foreign }, headers);
    const b = await gw.query('query($id: ID!) { cardholder(id: $id) { id } }', { id: missing }, headers);
    expect(a.errors![0]!.extensions.code).toBe('NOT_FOUND');
    expect(b.errors![0]!.extensions.code).toBe('NOT_FOUND');
    expect(a.errors![0]!.message.replace(foreign, 'ID')).toBe(b.errors![0]!.message.replace(missing, 'ID'));
    const list: any = await gw.query(CardsPageDocument, { first: 5, filter: { cardholderId: foreign } }, headers);
    expect(list.data.cards.edges).toEqual([]);
    expect(gw.sandboxes.servers.ledger!.totalRequests).toBe(0);
  });

  it('answers the same foreign provider normally for its own tenant', async () => {
    const own = gid('ledger', 'Cardholder', gw.sandboxes.stores.ledger!.customers[0]!.customerAccountId);
    const res: any = await gw.query(NodeByIdDocument, { id: own }, await as('globex'));
    expect(res.data.node).toMatchObject({ __typename: 'Cardholder', provider: 'LEDGER' });
  });
});
