/**
 * corporate through the whole gateway: every call is an encrypted, timestamped POST that the
 * simulator decrypts and checks for replays; a retried read goes out freshly encrypted; the
 * provider's plain and encrypted errors reach the client as typed errors about CORPORATE; and
 * what corporate cannot do is UNSUPPORTED_BY_PROVIDER.
 */
import { randomUUID } from 'node:crypto';
import nacl from 'tweetnacl';
import { createCallContext } from '../../../src/core/call-context.js';
import { deriveKeys } from '../../../src/gateway/writes/idempotency-keys.js';
import { CardType } from '../../../src/core/model.js';
import { ErrorCode } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/core/logger.js';
import { openBody } from '../../../src/providers/corporate/envelope.js';
import type { CorporateProvider } from '../../../src/providers/corporate/provider.js';
import { createCorporateSandbox, type CorporateStore } from '../../../src/providers/corporate/sandbox/index.js';
import { formatCents, toCents } from '../../../src/sandbox/money.js';
import { sealedError } from '../../../src/providers/corporate/sandbox/routes.js';
import type { CorporateCard } from '../../../src/providers/corporate/sandbox/store.js';
import type { CorporateErrorSlug } from '../../../src/providers/corporate/contract.js';
import type { WriteRequest } from '../../../src/core/writes.js';
import type { RecordedRequest, SandboxServer } from '../../../src/sandbox/server.js';
import {
  CardDetailDocument,
  CardsPageDocument,
  NodeByIdDocument,
  ProvidersOverviewDocument,
  TransactionsPageDocument,
  WalletsPageDocument,
} from '../../generated/graphql.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { failure } from '../../support/failure.js';
import { globalIdsOf } from '../../support/global-id.js';

const gid = globalIdsOf('corporate');
const refOf = (card: CorporateCard) => `${card.external_user_id}/${card.card_id}`;
const byNewest = (a: { created_at: string; id: string }, b: { created_at: string; id: string }) =>
  a.created_at === b.created_at ? (a.id > b.id ? -1 : 1) : a.created_at > b.created_at ? -1 : 1;

const CARDHOLDER_QUERY = `query($id: ID!) { cardholder(id: $id) { provider providerRef firstName lastName email kycStatus providerKycStatus } }`;
const WALLET_QUERY = `query($id: ID!) { wallet(id: $id) { provider providerRef name currency balance { amount currency } cardholder { id } cards { nodes { id } } } }`;

describe('corporate through the gateway', () => {
  let gw: TestGateway;
  let store: CorporateStore;
  let server: SandboxServer;
  let secretKey: Uint8Array;
  let apiKey: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    store = gw.sandboxes.stores.corporate!;
    server = gw.sandboxes.servers.corporate!;
    ({ secretKey, apiKey } = gw.sandboxes.endpoints.corporate!);
  });
  afterAll(() => gw.close());
  afterEach(() => {
    resetSandboxes(gw);
    store.accessDenied = false;
  });

  /** The decrypted payload of a request the simulator received. */
  const payloadOf = (request: RecordedRequest): Record<string, unknown> => {
    const opened = openBody(request.body, secretKey);
    if (!opened.ok) throw new Error(`the gateway sent an envelope that ${opened.failure}`);
    return opened.payload;
  };
  const requestsTo = (path: string) => server.requests.filter((r) => r.path === `/api/v1${path}`);
  const cardsWith = (status: CorporateCard['status']) => [...store.cards.values()].filter((c) => c.status === status);
  const busiestActiveCard = () =>
    cardsWith('active').sort((a, b) => store.transactionsOf(b.card_id).length - store.transactionsOf(a.card_id).length)[0]!;
  const userWith = (kyc: 'approved' | 'pending' | 'rejected') =>
    store.users.get([...store.cardholders.values()].find((c) => c.kyc_status === kyc)!.external_user_id)!;

  describe('reads', () => {
    it('lists every corporate card newest first, with its unified status beside the raw one', async () => {
      const res = await gw.query(CardsPageDocument, { first: 100, filter: { provider: 'CORPORATE' } });
      expect(res.errors).toBeUndefined();
      const edges = res.data!.cards.edges;
      expect(edges).toHaveLength(store.cards.size);
      expect(res.data!.cards.pageInfo.hasNextPage).toBe(false);
      const expectedStatus: Record<string, string> = { active: 'ACTIVE', frozen: 'FROZEN', inactive: 'PENDING', closed: 'CLOSED' };
      for (const { node } of edges) {
        const card = store.cards.get(node.providerRef.split('/')[1]!)!;
        expect(node).toMatchObject({
          id: gid('Card', refOf(card)),
          provider: 'CORPORATE',
          providerRef: refOf(card),
          status: expectedStatus[card.status],
          providerStatus: card.status,
          type: 'VIRTUAL',
          brand: 'VISA',
          maskedPan: `•••• ${card.last4}`,
          expiryMonth: card.expiry_month,
          expiryYear: card.expiry_year,
          createdAt: card.created_at,
        });
      }
      expect(new Set(edges.map((e) => e.node.status))).toEqual(new Set(['ACTIVE', 'FROZEN', 'PENDING', 'CLOSED']));
      const times = edges.map((e) => Date.parse(e.node.createdAt!));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('reads a card with its cardholder and latest transactions; it spends from no wallet; no PAN or CVV leaves', async () => {
      const card = busiestActiveCard();
      const user = store.users.get(card.external_user_id)!;
      const res = await gw.query(CardDetailDocument, { id: gid('Card', refOf(card)), transactions: 5 });
      expect(res.errors).toBeUndefined();
      const latest = store
        .transactionsOf(card.card_id)
        .map((t) => ({ ...t, id: t.transaction_id }))
        .sort(byNewest)
        .slice(0, 5);
      expect(res.data!.card).toMatchObject({
        provider: 'CORPORATE',
        status: 'ACTIVE',
        last4: card.last4,
        cardholder: { id: gid('Cardholder', user.external_user_id), firstName: user.first_name, lastName: user.last_name, kycStatus: 'APPROVED' },
        wallet: null,
      });
      expect(res.data!.card.transactions.nodes.map((t) => t.id)).toEqual(latest.map((t) => gid('Transaction', t.transaction_id)));
      expect(res.data!.card.transactions.nodes[0]!.amount).toEqual({ amount: latest[0]!.amount, currency: 'USD' });
      expect(res.data!.card.transactions.pageInfo.hasNextPage).toBe(true);
      const body = JSON.stringify(res.data);
      const sensitive = store.sensitive.get(card.card_id)!;
      expect(body).not.toContain(sensitive.pan);
      expect(body).not.toContain(`"${sensitive.cvv}"`);
    });

    it("walks a card's transactions exactly once, 7 at a time, with types, directions and statuses mapped", async () => {
      const card = busiestActiveCard();
      const seen: any[] = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page += 1) {
        const res: any = await gw.query(TransactionsPageDocument, { first: 7, after, filter: { cardId: gid('Card', refOf(card)) } });
        expect(res.errors).toBeUndefined();
        seen.push(...res.data.transactions.edges.map((e: any) => e.node));
        if (!res.data.transactions.pageInfo.hasNextPage) break;
        after = res.data.transactions.pageInfo.endCursor;
      }
      const expected = store.transactionsOf(card.card_id);
      expect(seen.map((t) => t.id).sort()).toEqual(expected.map((t) => gid('Transaction', t.transaction_id)).sort());
      const type = { purchase: 'PURCHASE', refund: 'REFUND', topup: 'TOP_UP', fee: 'FEE' };
      const status = { pending: 'PENDING', completed: 'SETTLED', declined: 'DECLINED', reversed: 'REVERSED' };
      const direction = { purchase: 'DEBIT', refund: 'CREDIT', topup: 'CREDIT', fee: 'DEBIT' };
      for (const node of seen) {
        const t = store.transactions.get(Buffer.from(node.id, 'base64url').toString().split(':')[2]!)!;
        expect(node).toMatchObject({
          provider: 'CORPORATE',
          type: type[t.type],
          providerType: t.type,
          status: status[t.status],
          providerStatus: t.status,
          direction: direction[t.type],
          amount: { amount: t.amount, currency: 'USD' },
        });
      }
    });

    it.each([
      ['approved', 'APPROVED'],
      ['pending', 'PENDING'],
      ['rejected', 'REJECTED'],
    ] as const)('reads a user whose KYC is %s as a cardholder with kycStatus %s', async (kyc, expected) => {
      const user = userWith(kyc);
      const res = await gw.query(CARDHOLDER_QUERY, { id: gid('Cardholder', user.external_user_id) });
      expect(res.errors).toBeUndefined();
      expect(res.data.cardholder).toEqual({
        provider: 'CORPORATE',
        providerRef: user.external_user_id,
        firstName: user.first_name,
        lastName: user.last_name,
        email: user.email,
        kycStatus: expected,
        providerKycStatus: kyc,
      });
    });

    it('reads a user without a cardholder record (cardholder_not_found) as KYC NOT_STARTED', async () => {
      const bare = [...store.users.values()].find((u) => !store.cardholders.has(u.external_user_id))!;
      const res = await gw.query(CARDHOLDER_QUERY, { id: gid('Cardholder', bare.external_user_id) });
      expect(res.errors).toBeUndefined();
      expect(res.data.cardholder).toMatchObject({ kycStatus: 'NOT_STARTED', providerKycStatus: null, firstName: bare.first_name });
    });

    it('lists every user as a cardholder exactly once, 9 at a time', async () => {
      const ids: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 20; page += 1) {
        const res: any = await gw.query(
          `query($after: String) { cardholders(first: 9, after: $after, filter: { provider: CORPORATE }) { nodes { id kycStatus } pageInfo { hasNextPage endCursor } } }`,
          { after },
        );
        expect(res.errors).toBeUndefined();
        ids.push(...res.data.cardholders.nodes.map((n: any) => n.id));
        if (!res.data.cardholders.pageInfo.hasNextPage) break;
        after = res.data.cardholders.pageInfo.endCursor;
      }
      expect(ids.sort()).toEqual([...store.users.keys()].map((id) => gid('Cardholder', id)).sort());
    });

    it('lists a cardholder\'s cards, and no wallet for them', async () => {
      const card = busiestActiveCard();
      const res: any = await gw.query(
        `query($id: ID!) { cardholder(id: $id) { cards(first: 50) { nodes { providerRef } } wallets { nodes { id } } } }`,
        { id: gid('Cardholder', card.external_user_id) },
      );
      expect(res.errors).toBeUndefined();
      const mine = [...store.cards.values()].filter((c) => c.external_user_id === card.external_user_id).map(refOf);
      expect(res.data.cardholder.cards.nodes.map((n: any) => n.providerRef).sort()).toEqual(mine.sort());
      expect(res.data.cardholder.wallets.nodes).toEqual([]);
    });

    it('serves the master wallet as the one wallet, with its exact USDT balance and deposit address', async () => {
      const list = await gw.query(WalletsPageDocument, { first: 10, filter: { provider: 'CORPORATE' } });
      expect(list.errors).toBeUndefined();
      const balance = { amount: formatCents(store.masterCents), currency: 'USDT' };
      expect(list.data!.wallets.nodes).toEqual([{ id: gid('Wallet', 'master'), provider: 'CORPORATE', currency: 'USDT', balance }]);
      const one = await gw.query(WALLET_QUERY, { id: gid('Wallet', 'master') });
      expect(one.errors).toBeUndefined();
      expect(one.data.wallet).toEqual({
        provider: 'CORPORATE',
        providerRef: 'master',
        name: expect.stringContaining(store.depositAddress),
        currency: 'USDT',
        balance,
        cardholder: null,
        cards: { nodes: [] },
      });
      expect(one.data.wallet.name).toContain('TRC20');
    });

    it('fetches a card, a cardholder and the wallet by node(id), and answers null for a card that does not exist', async () => {
      const card = cardsWith('frozen')[0]!;
      for (const [type, ref] of [['Card', refOf(card)], ['Cardholder', card.external_user_id], ['Wallet', 'master']] as const) {
        const res = await gw.query(NodeByIdDocument, { id: gid(type, ref) });
        expect(res.errors).toBeUndefined();
        expect(res.data!.node).toMatchObject({ __typename: type, provider: 'CORPORATE', providerRef: ref });
      }
      const missing = await gw.query(NodeByIdDocument, { id: gid('Card', `${card.external_user_id}/crd_doesnotexist`) });
      expect(missing.errors).toBeUndefined();
      expect(missing.data!.node).toBeNull();
    });

    it('publishes exactly what corporate can do', async () => {
      const res = await gw.query(ProvidersOverviewDocument);
      expect(res.data!.providers.find((p) => p.provider === 'CORPORATE')).toEqual({
        provider: 'CORPORATE',
        sandbox: true,
        capabilities: [
          'CARDHOLDER_CREATE',
          'CARDHOLDER_LIST',
          'CARDHOLDER_READ',
          'CARD_FREEZE',
          'CARD_ISSUE',
          'CARD_LIST',
          'CARD_READ',
          'CARD_REVEAL',
          'CARD_TOP_UP',
          'TRANSACTION_LIST_BY_CARD',
          'WALLET_LIST',
          'WALLET_READ',
        ],
      });
    });
  });

  describe('the wire', () => {
    it('sends every call as a POST with API-KEY and nothing but an envelope, holding a fresh timestamp beside the fields', async () => {
      const card = busiestActiveCard();
      await gw.query(CardDetailDocument, { id: gid('Card', refOf(card)), transactions: 3 });
      expect(server.requests.length).toBeGreaterThanOrEqual(4);
      const stamps = new Set<number>();
      for (const request of server.requests) {
        expect(request.method).toBe('POST');
        expect(request.headers['api-key']).toBe(apiKey);
        expect(request.headers['content-type']).toBe('application/json');
        expect(Object.keys(JSON.parse(request.body.toString('utf8')))).toEqual(['encrypted']);
        const payload = payloadOf(request);
        expect(Number.isSafeInteger(payload.request_timestamp)).toBe(true);
        expect(Math.abs((payload.request_timestamp as number) - Date.now() * 1000)).toBeLessThan(30_000_000);
        expect(payload).not.toHaveProperty('data');
        stamps.add(payload.request_timestamp as number);
      }
      expect(stamps.size).toBe(server.requests.length);
      expect(payloadOf(requestsTo('/cards/get')[0]!)).toEqual({
        external_user_id: card.external_user_id,
        card_id: card.card_id,
        request_timestamp: expect.any(Number),
      });
      expect(payloadOf(requestsTo('/cards/transactions')[0]!)).toMatchObject({ card_id: card.card_id, page: 1, per_page: 3 });
    });

    it('retries a read after a 503 with a new timestamp and a new nonce, and the second attempt succeeds', async () => {
      server.inject({ path: '/api/v1/master-wallet/balance', status: 503, body: '', times: 1 });
      const res = await gw.query(WalletsPageDocument, { first: 1, filter: { provider: 'CORPORATE' } });
      expect(res.errors).toBeUndefined();
      expect(res.data!.wallets.nodes[0]!.balance).toEqual({ amount: formatCents(store.masterCents), currency: 'USDT' });
      const attempts = requestsTo('/master-wallet/balance');
      expect(attempts).toHaveLength(2);
      const [first, second] = attempts.map(payloadOf);
      expect(second!.request_timestamp).not.toBe(first!.request_timestamp);
      expect(attempts[0]!.body.equals(attempts[1]!.body)).toBe(false);
    });

    it('sends a read the provider took for a replay once more, freshly stamped', async () => {
      server.inject({ path: '/api/v1/master-wallet/balance', status: 400, body: { error: 'Duplicate request detected' }, times: 1 });
      const res = await gw.query(WalletsPageDocument, { first: 1, filter: { provider: 'CORPORATE' } });
      expect(res.errors).toBeUndefined();
      const [first, second] = requestsTo('/master-wallet/balance').map(payloadOf);
      expect(second!.request_timestamp).toBeGreaterThan(first!.request_timestamp as number);
    });
  });

  describe('failures', () => {
    const cardTransactions = (card: CorporateCard) =>
      gw.query(TransactionsPageDocument, { first: 5, filter: { cardId: gid('Card', refOf(card)) } });

    it("answers another user's card as NOT_FOUND (card_user_mismatch), never revealing it", async () => {
      const card = busiestActiveCard();
      const other = [...store.users.keys()].find((id) => id !== card.external_user_id)!;
      const forged = gid('Card', `${other}/${card.card_id}`);
      const list = await gw.query(TransactionsPageDocument, { first: 5, filter: { cardId: forged } });
      expect(list.errors![0]!.extensions).toMatchObject({
        code: 'NOT_FOUND',
        provider: 'CORPORATE',
        upstream: { status: 422, code: 'card_user_mismatch' },
      });
      expect(list.errors![0]!.message).not.toContain(card.external_user_id);
      const read = await gw.query(CardDetailDocument, { id: forged });
      expect(read.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'CORPORATE' });
    });

    it('answers a card that does not exist as NOT_FOUND (card_not_found)', async () => {
      const user = busiestActiveCard().external_user_id;
      const res = await gw.query(TransactionsPageDocument, { first: 5, filter: { cardId: gid('Card', `${user}/crd_missing`) } });
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'CORPORATE', upstream: { status: 404, code: 'card_not_found' } });
    });

    it('reports an account without API access as UPSTREAM_AUTH_FAILED, not retried', async () => {
      store.accessDenied = true;
      const res = await gw.query(WalletsPageDocument, { first: 1, filter: { provider: 'CORPORATE' } });
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', provider: 'CORPORATE', retryable: false, upstream: { status: 403 } });
      // The wallet needs the balance and the deposit address: each asked once, neither retried.
      expect(requestsTo('/master-wallet/balance')).toHaveLength(1);
      expect(requestsTo('/master-wallet/deposit-address')).toHaveLength(1);
    });

    const slugs: Array<[CorporateErrorSlug, string]> = [
      ['invalid_request', 'BAD_USER_INPUT'],
      ['invalid_amount', 'BAD_USER_INPUT'],
      ['idempotency_key_required', 'UPSTREAM_ERROR'],
      ['insufficient_funds', 'INSUFFICIENT_FUNDS'],
      ['user_not_found', 'NOT_FOUND'],
      ['card_not_found', 'NOT_FOUND'],
      ['cardholder_not_found', 'NOT_FOUND'],
      ['order_not_found', 'NOT_FOUND'],
      ['external_user_id_exists', 'CONFLICT'],
      ['cardholder_already_exists', 'CONFLICT'],
      ['card_not_active', 'INVALID_STATE'],
      ['card_user_mismatch', 'NOT_FOUND'],
      ['internal_error', 'UPSTREAM_UNAVAILABLE'],
      ['provider_error', 'UPSTREAM_UNAVAILABLE'],
      ['topup_attempts_exceeded', 'LIMIT_EXCEEDED'],
    ];

    it.each(slugs)('maps the encrypted error %s on a read to %s', async (slug, code) => {
      const { status, body } = sealedError(slug, secretKey);
      server.inject({ path: '/api/v1/cards/transactions', status, body });
      const res = await cardTransactions(busiestActiveCard());
      expect(res.errors![0]!.extensions).toMatchObject({ code, provider: 'CORPORATE', upstream: { status, code: slug } });
      // Only server failures are retried.
      expect(requestsTo('/cards/transactions')).toHaveLength(status >= 500 ? 3 : 1);
    });

    const plain: Array<[string, number, string]> = [
      ['API key not found', 404, 'UPSTREAM_AUTH_FAILED'],
      ['You do not have access to this API.', 403, 'UPSTREAM_AUTH_FAILED'],
      ['Encrypted payload not found', 400, 'UPSTREAM_ERROR'],
      ['Invalid encrypted payload format', 400, 'UPSTREAM_AUTH_FAILED'],
      ['Request timestamp not found in encrypted payload', 400, 'UPSTREAM_ERROR'],
      ['Invalid timestamp format', 400, 'UPSTREAM_ERROR'],
      ['Request timestamp outside allowed window', 400, 'UPSTREAM_AUTH_FAILED'],
      ['Duplicate request detected', 400, 'UPSTREAM_ERROR'],
    ];

    it.each(plain)('maps the plain error "%s" (%i) to %s', async (message, status, code) => {
      server.inject({ path: '/api/v1/cards/transactions', status, body: { error: message } });
      const res = await cardTransactions(busiestActiveCard());
      expect(res.errors![0]!.extensions).toMatchObject({ code, provider: 'CORPORATE', upstream: { status } });
      expect(res.errors![0]!.extensions.upstream!.code).toBeUndefined();
    });

    it('says a persistent replay on a read may be retried by the caller', async () => {
      server.inject({ path: '/api/v1/cards/transactions', status: 400, body: { error: 'Duplicate request detected' } });
      const res = await cardTransactions(busiestActiveCard());
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', retryable: true });
    });

    it('reports an answer it cannot decrypt as UPSTREAM_ERROR', async () => {
      server.inject({ path: '/api/v1/cards/transactions', status: 200, body: { encrypted: Buffer.alloc(64, 7).toString('base64') } });
      const res = await cardTransactions(busiestActiveCard());
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', provider: 'CORPORATE', upstream: { status: 200 } });
    });

    it("lists a cardholder's transactions across their cards", async () => {
      const card = busiestActiveCard();
      const res = await gw.query('query($id: ID!) { cardholder(id: $id) { transactions(first: 100) { nodes { id } } } }', {
        id: gid('Cardholder', card.external_user_id),
      });
      expect(res.errors).toBeUndefined();
      const cards = [...store.cards.values()].filter((c) => c.external_user_id === card.external_user_id);
      const expected = cards.reduce((n, c) => n + store.transactionsOf(c.card_id).length, 0);
      expect(res.data.cardholder.transactions.nodes).toHaveLength(Math.min(100, expected));
    });

    it.each([
      ['listing transactions without a card', '{ transactions(filter: { provider: CORPORATE }) { nodes { id } } }', null],
      ["the master wallet's transactions", 'query($id: ID!) { wallet(id: $id) { transactions { nodes { id } } } }', 'wallet'],
      ['reading a transaction by id', 'query($id: ID!) { node(id: $id) { id } }', 'transaction'],
    ] as const)('answers %s with UNSUPPORTED_BY_PROVIDER', async (_what, query, variable) => {
      const card = busiestActiveCard();
      const ids = {
        cardholder: gid('Cardholder', card.external_user_id),
        wallet: gid('Wallet', 'master'),
        transaction: gid('Transaction', store.transactionsOf(card.card_id)[0]!.transaction_id),
      };
      const res = await gw.query(query, variable === null ? {} : { id: ids[variable] });
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_BY_PROVIDER', provider: 'CORPORATE', retryable: false });
    });
  });

  describe('misconfigured gateways', () => {
    async function withGateway(env: Record<string, string>, run: (other: TestGateway) => Promise<void>): Promise<void> {
      const other = await startTestGateway(env);
      try {
        await run(other);
      } finally {
        await other.close();
      }
    }
    const walletList = (other: TestGateway) => other.query(WalletsPageDocument, { first: 1, filter: { provider: 'CORPORATE' } });
    const base64 = (key: Uint8Array) => Buffer.from(key).toString('base64');

    it("reports a clock more than 30 s off the provider's as UPSTREAM_AUTH_FAILED, checked by the provider and not retried", async () => {
      // A provider whose clock runs 2 minutes ahead of the gateway host's.
      const skewed = createCorporateSandbox({ apiKey: 'ck_skewed', secretKey, now: () => Date.now() + 120_000 });
      const baseUrl = await skewed.server.start();
      try {
        await withGateway({ CORPORATE_BASE_URL: baseUrl, CORPORATE_API_KEY: 'ck_skewed', CORPORATE_SECRET_KEY: base64(secretKey) }, async (other) => {
          const res = await walletList(other);
          expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', provider: 'CORPORATE', upstream: { status: 400 } });
          expect(res.errors![0]!.message).toMatch(/clock/);
          expect(skewed.server.count('POST', '/api/v1/master-wallet/balance')).toBe(1);
        });
      } finally {
        await skewed.server.stop();
      }
    });

    it('reports an unknown API key ("API key not found") as UPSTREAM_AUTH_FAILED', async () => {
      await withGateway({ CORPORATE_BASE_URL: server.baseUrl, CORPORATE_API_KEY: 'ck_wrong', CORPORATE_SECRET_KEY: base64(secretKey) }, async (other) => {
        const res = await walletList(other);
        expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', provider: 'CORPORATE', upstream: { status: 404 } });
        expect(res.errors![0]!.message).toMatch(/CORPORATE_API_KEY/);
      });
    });

    it('reports a secret key the provider does not share ("Invalid encrypted payload format") as UPSTREAM_AUTH_FAILED', async () => {
      const wrong = base64(nacl.randomBytes(32));
      await withGateway({ CORPORATE_BASE_URL: server.baseUrl, CORPORATE_API_KEY: apiKey, CORPORATE_SECRET_KEY: wrong }, async (other) => {
        const res = await walletList(other);
        expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', provider: 'CORPORATE', upstream: { status: 400 } });
        expect(res.errors![0]!.message).toMatch(/CORPORATE_SECRET_KEY/);
      });
    });
  });

  describe('orders and top-ups through the provider (corporate-writes.test.ts has the full set)', () => {
    const cx = () => createCallContext(`req-${randomUUID()}`, createLogger('silent'));
    const provider = () => gw.registry.get('corporate') as CorporateProvider;
    /** A write as the gateway hands it over, its keys derived from a fresh gateway key. */
    const write = (gatewayKey = randomUUID(), attempt = 0): WriteRequest => ({
      cx: cx(),
      gatewayKey,
      attempt,
      ...deriveKeys('acme', gatewayKey, 'corporate', attempt),
    });
    const usd = (amount: string) => ({ amount, currency: 'USD' });
    const topUp = (cardRef: string, amount: string, w = write()) => provider().topUpCard({ cardRef, amount: usd(amount), fundingWalletRef: null }, w);
    const masterBalance = async () => {
      const res = await gw.query(WalletsPageDocument, { first: 1, filter: { provider: 'CORPORATE' } });
      return res.data!.wallets.nodes[0]!.balance!.amount;
    };

    it('tops a card up once however often the same request is resent, and debits the master wallet exactly once', async () => {
      const card = cardsWith('active')[1]!;
      const before = await masterBalance();
      const gatewayKey = randomUUID();
      const first = await topUp(refOf(card), '40.25', write(gatewayKey));
      const again = await topUp(refOf(card), '40.25', write(gatewayKey, 1));
      expect(again.ref).toBe(first.ref);
      const { upstreamKey } = deriveKeys('acme', gatewayKey, 'corporate', 0);
      expect(requestsTo('/cards/topup').map((r) => r.headers['idempotency-key'])).toEqual([upstreamKey, upstreamKey]);
      expect(first).toMatchObject({ kind: 'TOP_UP', status: 'PENDING', providerStatus: 'pending', amount: usd('40.25') });
      expect(await provider().getOperation(first.ref, cx())).toMatchObject({ status: 'PROCESSING', providerStatus: 'processing' });
      expect(await provider().getOperation(first.ref, cx())).toMatchObject({ status: 'COMPLETED', providerStatus: 'completed' });
      await topUp(refOf(card), '40.25', write(gatewayKey, 2));
      expect(await masterBalance()).toBe(formatCents(toCents(before) - 4_025n));
    });

    it('issues a card through an order that the gateway can then read', async () => {
      const user = userWith('approved');
      const { card, operation } = await provider().issueCard({ cardholderRef: user.external_user_id, walletRef: null, type: CardType.VIRTUAL }, write());
      expect(card).toBeNull();
      await provider().getOperation(operation!.ref, cx());
      const done = await provider().getOperation(operation!.ref, cx());
      expect(done).toMatchObject({ kind: 'CARD_ISSUE', status: 'COMPLETED', cardRef: expect.stringMatching(new RegExp(`^${user.external_user_id}/crd_`)) });
      const res = await gw.query(CardDetailDocument, { id: gid('Card', done!.cardRef!) });
      expect(res.errors).toBeUndefined();
      expect(res.data!.card).toMatchObject({ status: 'ACTIVE', cardholder: { kycStatus: 'APPROVED' } });
    });

    it('answers a top-up the master wallet cannot cover with INSUFFICIENT_FUNDS, and one of a frozen card with INVALID_STATE', async () => {
      const tooMuch = formatCents(store.masterCents + 100n);
      const poor = await failure(topUp(refOf(cardsWith('active')[0]!), tooMuch));
      expect(poor).toMatchObject({ code: ErrorCode.INSUFFICIENT_FUNDS, upstream: { status: 403, code: 'insufficient_funds' } });
      const frozen = await failure(topUp(refOf(cardsWith('frozen')[0]!), '1.00'));
      expect(frozen).toMatchObject({ code: ErrorCode.INVALID_STATE, upstream: { status: 422, code: 'card_not_active' } });
    });

    it('never resends a top-up: a replay answer or a 500 leaves it UPSTREAM_ERROR or OUTCOME_UNKNOWN after one attempt', async () => {
      const card = refOf(cardsWith('active')[0]!);
      server.inject({ path: '/api/v1/cards/topup', status: 400, body: { error: 'Duplicate request detected' }, times: 1 });
      expect(await failure(topUp(card, '1.00'))).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: false });
      const { status, body } = sealedError('internal_error', secretKey);
      server.inject({ path: '/api/v1/cards/topup', status, body, times: 1 });
      expect(await failure(topUp(card, '1.00'))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN });
      expect(requestsTo('/cards/topup')).toHaveLength(2);
    });
  });
});
