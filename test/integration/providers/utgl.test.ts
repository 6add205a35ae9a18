/**
 * utgl through the whole gateway: every request is signed exactly as the contract says, the
 * simulator verifies each signature, and a rejected signature is the gateway's problem
 * (UPSTREAM_AUTH_FAILED), never the client's.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createHash } from 'node:crypto';
import { createUtglSandbox, type UtglStore } from '../../../src/providers/utgl/sandbox/index.js';
import { CardDetailDocument, CardsPageDocument } from '../../generated/graphql.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { globalId } from '../../support/global-id.js';

const cardId = (ref: string) => globalId('utgl', 'Card', ref);

describe('utgl through the gateway', () => {
  let gw: TestGateway;
  let store: UtglStore;
  beforeAll(async () => {
    gw = await startTestGateway();
    store = gw.sandboxes.stores.utgl!;
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  it('reads a card with its cardholder, account balance and transactions', async () => {
    const card = [...store.cards.values()].find((c) => c.status === 'frozen')!;
    const res = await gw.query(CardDetailDocument, { id: cardId(card.id) });
    expect(res.errors).toBeUndefined();
    const holder = store.cardholders.get(card.cardholder_id)!;
    const account = store.accounts.get(card.account_id)!;
    expect(res.data!.card).toMatchObject({
      provider: 'UTGL',
      status: 'FROZEN',
      providerStatus: 'frozen',
      last4: card.last4,
      maskedPan: `•••• ${card.last4}`,
      cardholder: { firstName: holder.first_name, lastName: holder.last_name },
      wallet: { currency: account.currency, balance: { amount: account.balance, currency: account.currency } },
    });
    const expected = [...store.transactions.values()].filter((t) => t.card_id === card.id).length;
    expect(res.data!.card.transactions.nodes.length).toBe(Math.min(5, expected));
  });

  it('signs every request: kid and sub are the access key, uri is the path with its query, body hash, ≤30 s, a fresh jti', async () => {
    await gw.query(CardsPageDocument, { first: 3, filter: { provider: 'UTGL' } });
    const server = gw.sandboxes.servers.utgl!;
    expect(server.requests.length).toBeGreaterThan(0);
    const jtis = new Set<string>();
    for (const request of server.requests) {
      const token = String(request.headers.authorization).replace(/^Bearer /, '');
      const header = decodeProtectedHeader(token);
      const claims = decodeJwt(token);
      expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
      expect(claims.sub).toBe(header.kid);
      expect(claims.uri).toBe(request.rawUrl);
      expect(claims.method).toBe(request.method);
      expect(claims.body_sha256).toBe(createHash('sha256').update(request.body).digest('hex'));
      expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(30);
      jtis.add(String(claims.jti));
    }
    expect(jtis.size).toBe(server.requests.length);
    expect(server.requests.some((r) => r.rawUrl.includes('?'))).toBe(true);
  });

  it('reports a signature the provider rejects as UPSTREAM_AUTH_FAILED with the upstream details', async () => {
    // A utgl that trusts another key: the gateway's signatures fail verification.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const mine = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { server } = createUtglSandbox({ accessKey: 'ak_live', publicKeyPem: other.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const baseUrl = await server.start();
    const misconfigured = await startTestGateway({
      UTGL_BASE_URL: baseUrl,
      UTGL_ACCESS_KEY: 'ak_live',
      UTGL_PRIVATE_KEY: mine.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    });
    try {
      const res = await misconfigured.query(CardsPageDocument, { first: 1, filter: { provider: 'UTGL' } });
      expect(res.data).toBeNull();
      expect(res.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_AUTH_FAILED',
        provider: 'UTGL',
        retryable: false,
        upstream: { status: 401, code: 'INVALID_SIGNATURE' },
      });
      expect(res.errors![0]!.extensions.upstream!.requestId).toEqual(expect.any(String));
      // A 401 is not retried.
      expect(server.count('GET', '/v1/cards')).toBe(1);
    } finally {
      await misconfigured.close();
      await server.stop();
    }
  });

  it('answers a card utgl does not have with NOT_FOUND', async () => {
    const res = await gw.query(CardDetailDocument, { id: cardId('card_doesnotexist') });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'UTGL' });
  });

  it.each([
    [429, { code: 'RATE_LIMIT_EXCEEDED', message: 'Too many requests. Please try again later.' }, { 'retry-after': '30' }, 'RATE_LIMITED'],
    [403, { code: 'FORBIDDEN', message: 'IP address not whitelisted' }, {}, 'UPSTREAM_AUTH_FAILED'],
    [500, { code: 'INTERNAL_ERROR', message: 'boom' }, {}, 'UPSTREAM_UNAVAILABLE'],
    [504, { code: 'SERVICE_UNAVAILABLE', message: 'timeout' }, {}, 'UPSTREAM_TIMEOUT'],
  ])('maps an upstream %i to %s on a read', async (status, body, headers, code) => {
    gw.sandboxes.servers.utgl!.inject({ path: '/v1/cards', status, body, headers });
    const res = await gw.query(CardsPageDocument, { first: 2, filter: { provider: 'UTGL' } });
    expect(res.errors![0]!.extensions).toMatchObject({ code, provider: 'UTGL', upstream: { status, code: body.code } });
  });
});
