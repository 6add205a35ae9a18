/**
 * baas through the whole gateway: every request goes over mutual TLS with the gateway's
 * client certificate and `X-API-Key`, the simulator's envelope and page/limit lists are
 * unwrapped into exact connections, and every documented failure reaches the client with
 * its code, `provider: BAAS` and the upstream status. A certificate baas does not accept is
 * the gateway's configuration problem: UPSTREAM_AUTH_FAILED.
 */
import { createCallContext } from '../../../src/core/call-context.js';
import { ErrorCode } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/core/logger.js';
import { generateBaasPki, generateForeignClient } from '../../../src/providers/baas/certificates.js';
import type { BaasProvider } from '../../../src/providers/baas/provider.js';
import { createBaasSandbox, type BaasStore } from '../../../src/providers/baas/sandbox/index.js';
import type { BaasComplianceStatus } from '../../../src/providers/baas/sandbox/store.js';
import type { SandboxServer } from '../../../src/sandbox/server.js';
import { CardDetailDocument, CardsPageDocument, NodeByIdDocument, TransactionsPageDocument, WalletDetailDocument } from '../../generated/graphql.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { globalIdsOf } from '../../support/global-id.js';

const gid = globalIdsOf('baas');
const cx = () => createCallContext('req-baas-test', createLogger('silent'));
const envelope = (message: string, extra: Record<string, unknown> = {}) => ({ status: 'error', message, ...extra });

const CARDHOLDER_QUERY = `query($id: ID!) {
  cardholder(id: $id) {
    id provider providerRef firstName lastName email phone kycStatus providerKycStatus createdAt
    wallets(first: 10) { nodes { id currency balance { amount currency } } }
  }
}`;

describe('baas through the gateway', () => {
  let gw: TestGateway;
  let store: BaasStore;
  let server: SandboxServer;
  let provider: BaasProvider;

  beforeAll(async () => {
    gw = await startTestGateway();
    store = gw.sandboxes.stores.baas!;
    server = gw.sandboxes.servers.baas!;
    provider = gw.registry.get('baas') as BaasProvider;
  });
  afterAll(() => gw.close());
  afterEach(() => {
    resetSandboxes(gw);
    store.ipAllowlistEmpty = false;
  });

  const holderIn = (status: BaasComplianceStatus) => [...store.cardholders.values()].find((c) => c.complianceStatus === status)!;

  describe('reads', () => {
    it('lists every baas card exactly once, newest first, with every card state mapped', async () => {
      const nodes: Array<{ id: string; status: string; providerStatus: string; createdAt: string; provider: string }> = [];
      let after: string | null = null;
      for (let page = 0; page < 20; page += 1) {
        const res: any = await gw.query(CardsPageDocument, { first: 10, after, filter: { provider: 'BAAS' } });
        expect(res.errors).toBeUndefined();
        nodes.push(...res.data.cards.edges.map((e: any) => e.node));
        if (!res.data.cards.pageInfo.hasNextPage) break;
        after = res.data.cards.pageInfo.endCursor;
      }
      expect(nodes).toHaveLength(store.cards.size);
      expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length);
      expect(nodes.every((n) => n.provider === 'BAAS')).toBe(true);
      const times = nodes.map((n) => Date.parse(n.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      const tally = nodes.reduce<Record<string, number>>((acc, n) => ({ ...acc, [`${n.status} ${n.providerStatus}`]: (acc[`${n.status} ${n.providerStatus}`] ?? 0) + 1 }), {});
      expect(tally).toEqual({
        'ACTIVE active': 20,
        'FROZEN frozen': 4,
        'EXPIRED expired': 3,
        'LOST blocked (lost)': 3,
        'STOLEN blocked (stolen)': 3,
        'CLOSED blocked (fraud)': 3,
      });
    });

    it('calls baas over mutual TLS with X-API-Key on every request', async () => {
      await gw.query(CardsPageDocument, { first: 3, filter: { provider: 'BAAS' } });
      expect(server.requests.length).toBeGreaterThan(0);
      for (const request of server.requests) {
        expect(typeof request.headers['x-api-key']).toBe('string');
        expect(request.headers['x-api-key']).toMatch(/^sandbox_baas_/);
      }
      expect(server.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    });

    it('reads a card with its cardholder, its wallet balance and its latest transactions', async () => {
      const card = [...store.cards.values()].find((c) => c.blockReason === 'fraud')!;
      const res = await gw.query(CardDetailDocument, { id: gid('Card', card.id), transactions: 5 });
      expect(res.errors).toBeUndefined();
      const holder = store.cardholders.get(card.cardholderId)!;
      const wallet = store.wallet(card.walletId)!;
      expect(res.data!.card).toMatchObject({
        provider: 'BAAS',
        status: 'CLOSED',
        providerStatus: 'blocked (fraud)',
        last4: card.last4,
        maskedPan: `•••• ${card.last4}`,
        cardholder: { id: gid('Cardholder', holder.id), firstName: holder.firstName, lastName: holder.lastName, kycStatus: 'APPROVED' },
        wallet: { id: gid('Wallet', wallet.id), currency: wallet.currency, balance: { amount: wallet.availableBalance, currency: wallet.currency } },
      });
      const expected = [...store.transactions.values()]
        .filter((t) => t.cardId === card.id)
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
        .slice(0, 5);
      expect(res.data!.card.transactions.nodes.map((t) => [t.id, t.amount.amount, t.amount.currency])).toEqual(
        expected.map((t) => [gid('Transaction', t.id), t.amount, t.currency]),
      );
      expect(res.data!.card.transactions.pageInfo.hasNextPage).toBe(true);
    });

    it.each([
      ['draft', 'NOT_STARTED'],
      ['submitted', 'PENDING'],
      ['under_review', 'UNDER_REVIEW'],
      ['approved', 'APPROVED'],
      ['rejected', 'REJECTED'],
    ] as const)('reads a %s cardholder as KYC %s', async (status, kyc) => {
      const holder = holderIn(status);
      const res: any = await gw.query(CARDHOLDER_QUERY, { id: gid('Cardholder', holder.id) });
      expect(res.errors).toBeUndefined();
      expect(res.data.cardholder).toMatchObject({
        provider: 'BAAS',
        providerRef: holder.id,
        firstName: holder.firstName,
        email: holder.email,
        phone: holder.phone,
        kycStatus: kyc,
        providerKycStatus: status,
        createdAt: holder.createdAt,
      });
      const wallets = [...store.wallets.values()].filter((w) => w.cardholderId === holder.id);
      expect(res.data.cardholder.wallets.nodes).toHaveLength(wallets.length);
    });

    it('reads a wallet with its exact available balance and its transactions', async () => {
      const wallet = store.wallet([...store.wallets.keys()][4]!)!;
      const res = await gw.query(WalletDetailDocument, { id: gid('Wallet', wallet.id) });
      expect(res.errors).toBeUndefined();
      expect(res.data!.wallet).toMatchObject({
        provider: 'BAAS',
        providerRef: wallet.id,
        name: null,
        currency: wallet.currency,
        balance: { amount: wallet.availableBalance, currency: wallet.currency },
        cardholder: { id: gid('Cardholder', wallet.cardholderId) },
      });
      const count = [...store.transactions.values()].filter((t) => t.walletId === wallet.id).length;
      expect(res.data!.wallet.transactions.nodes).toHaveLength(Math.min(10, count));
      for (const t of res.data!.wallet.transactions.nodes) expect(t.amount.amount).toMatch(/^\d+\.\d{2}$/);
    });

    it("lists a cardholder's transactions across their wallets, each exactly once", async () => {
      const holder = [...store.cardholders.values()].find((c) => [...store.wallets.values()].filter((w) => w.cardholderId === c.id).length === 2)!;
      const walletIds = new Set([...store.wallets.values()].filter((w) => w.cardholderId === holder.id).map((w) => w.id));
      const expected = [...store.transactions.values()].filter((t) => walletIds.has(t.walletId)).length;
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res: any = await gw.query(TransactionsPageDocument, { first: 15, after, filter: { cardholderId: gid('Cardholder', holder.id) } });
        expect(res.errors).toBeUndefined();
        seen.push(...res.data.transactions.edges.map((e: any) => e.node.id));
        if (!res.data.transactions.pageInfo.hasNextPage) break;
        after = res.data.transactions.pageInfo.endCursor;
      }
      expect(seen).toHaveLength(expected);
      expect(new Set(seen).size).toBe(expected);
    });

    it('lists all baas transactions, narrowed to one status by the gateway', async () => {
      const res: any = await gw.query(TransactionsPageDocument, { first: 100, filter: { provider: 'BAAS', status: 'REVERSED' } });
      expect(res.errors).toBeUndefined();
      const reversed = [...store.transactions.values()].filter((t) => t.status === 'reversed').length;
      expect(res.data.transactions.edges).toHaveLength(reversed);
      expect(res.data.transactions.edges.every((e: any) => e.node.providerStatus === 'reversed')).toBe(true);
    });

    it('resolves node(id) for a baas cardholder, card and wallet', async () => {
      const card = [...store.cards.values()][0]!;
      const holder = await gw.query(NodeByIdDocument, { id: gid('Cardholder', card.cardholderId) });
      expect(holder.data!.node).toMatchObject({ __typename: 'Cardholder', provider: 'BAAS', providerRef: card.cardholderId });
      const node = await gw.query(NodeByIdDocument, { id: gid('Card', card.id) });
      expect(node.data!.node).toMatchObject({ __typename: 'Card', provider: 'BAAS', maskedPan: `•••• ${card.last4}` });
      const wallet = await gw.query(NodeByIdDocument, { id: gid('Wallet', card.walletId) });
      expect(wallet.data!.node).toMatchObject({ __typename: 'Wallet', currency: store.wallets.get(card.walletId)!.currency });
      const missing = await gw.query(NodeByIdDocument, { id: gid('Card', 'no-such-card') });
      expect(missing.errors).toBeUndefined();
      expect(missing.data!.node).toBeNull();
    });

    it('publishes what baas can do', async () => {
      const res: any = await gw.query('{ providers { provider sandbox capabilities } }');
      const baas = res.data.providers.find((p: any) => p.provider === 'BAAS');
      expect(baas.sandbox).toBe(true);
      expect([...baas.capabilities].sort()).toEqual([
        'CARDHOLDER_CREATE',
        'CARDHOLDER_LIST',
        'CARDHOLDER_READ',
        'CARD_FREEZE',
        'CARD_ISSUE',
        'CARD_LIST',
        'CARD_READ',
        'CARD_REPORT',
        'CARD_REVEAL',
        'CARD_TOP_UP',
        'FUNDS_TRANSFER',
        'TRANSACTION_LIST',
        'TRANSACTION_LIST_BY_CARD',
        'TRANSACTION_LIST_BY_WALLET',
        'WALLET_LIST',
        'WALLET_READ',
      ]);
    });
  });

  describe('failures', () => {
    it('answers a card baas does not have with NOT_FOUND', async () => {
      const res = await gw.query(CardDetailDocument, { id: gid('Card', '00000000-0000-4000-8000-000000000000') });
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'BAAS' });
      expect(server.count('GET', '/cards/:cardId')).toBe(1);
    });

    it('says baas cannot read one transaction by id: UNSUPPORTED_BY_PROVIDER', async () => {
      const transaction = [...store.transactions.values()][0]!;
      const res = await gw.query(NodeByIdDocument, { id: gid('Transaction', transaction.id) });
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNSUPPORTED_BY_PROVIDER', provider: 'BAAS', retryable: false });
      expect(server.requests).toHaveLength(0);
    });

    it('reports the documented 403 "No authorized IPs configured" as UPSTREAM_AUTH_FAILED, not retried', async () => {
      store.ipAllowlistEmpty = true;
      const card = [...store.cards.values()][0]!;
      const res = await gw.query(CardDetailDocument, { id: gid('Card', card.id) });
      expect(res.data).toBeNull();
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', provider: 'BAAS', retryable: false, upstream: { status: 403 } });
      expect(res.errors![0]!.message).toMatch(/No authorized IPs configured/);
      expect(server.count('GET', '/cards/:cardId')).toBe(1);
    });

    it.each([
      [400, 'UPSTREAM_ERROR', envelope('Malformed JSON body'), {}, 1],
      [401, 'UPSTREAM_AUTH_FAILED', envelope('Invalid API key'), {}, 1],
      [403, 'UPSTREAM_AUTH_FAILED', envelope('No authorized IPs configured'), {}, 1],
      [403, 'INVALID_STATE', envelope('Compliance restriction: cards can only be issued to approved cardholders'), {}, 1],
      [404, 'NOT_FOUND', envelope('Card not found'), {}, 1],
      [409, 'COMPLIANCE_LOCKED', envelope("Cannot change lastName: firstName, lastName and dateOfBirth are locked while the cardholder's complianceStatus is approved"), {}, 1],
      [409, 'INVALID_STATE', envelope('A blocked (lost) card cannot be unfrozen'), {}, 1],
      [422, 'INSUFFICIENT_FUNDS', envelope('Insufficient funds', { code: 'insufficient_funds' }), {}, 1],
      [422, 'BAD_USER_INPUT', envelope('Validation failed', { code: 'validation_error', errors: [{ field: 'limit', message: 'must be an integer from 1 to 100' }] }), {}, 1],
      [429, 'RATE_LIMITED', envelope('Too many requests'), { 'retry-after': '30' }, 1],
      [500, 'UPSTREAM_UNAVAILABLE', envelope('Internal error'), {}, 3],
      [502, 'UPSTREAM_UNAVAILABLE', envelope('Bad gateway'), {}, 3],
      [503, 'UPSTREAM_UNAVAILABLE', envelope('Service unavailable'), {}, 3],
    ] as const)('maps an upstream %i on a read to %s: %j', async (status, code, body, headers, attempts) => {
      server.inject({ method: 'GET', path: '/cards', status, body, headers });
      const res = await gw.query(CardsPageDocument, { first: 2, filter: { provider: 'BAAS' } });
      expect(res.data).toBeNull();
      const extensions = res.errors![0]!.extensions;
      expect(extensions).toMatchObject({ code, provider: 'BAAS', upstream: { status, requestId: expect.any(String) } });
      if ('code' in body) expect(extensions.upstream!.code).toBe(body.code);
      // Reads are retried on 5xx only (twice); every other answer is final.
      expect(server.count('GET', '/cards')).toBe(attempts);
    });

    it('passes Retry-After through as retryAfterSeconds on a 429', async () => {
      server.inject({ method: 'GET', path: '/cards', status: 429, body: envelope('Too many requests'), headers: { 'retry-after': '30' } });
      const res = await gw.query(CardsPageDocument, { first: 2, filter: { provider: 'BAAS' } });
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 30 });
    });

    it('names the fields of a 422 in the message', async () => {
      server.inject({
        method: 'GET',
        path: '/cards',
        status: 422,
        body: envelope('Validation failed', { errors: [{ field: 'limit', message: 'must be an integer from 1 to 100' }] }),
      });
      const res = await gw.query(CardsPageDocument, { first: 2, filter: { provider: 'BAAS' } });
      expect(res.errors![0]!.message).toBe('BAAS rejected the request: limit must be an integer from 1 to 100');
    });

    it('keeps the other providers\' cards when baas fails inside a mixed list', async () => {
      server.inject({ method: 'GET', path: '/cards', status: 503, body: envelope('Service unavailable') });
      const res: any = await gw.query(CardsPageDocument, { first: 10 });
      expect(res.data.cards.edges.length).toBe(10);
      expect(res.data.cards.failures).toContainEqual({ provider: 'BAAS', code: 'UPSTREAM_UNAVAILABLE', message: expect.any(String), retryable: true });
    });
  });

  describe('the cardholder writes (provider level)', () => {
    it('reports a locked-field edit as COMPLIANCE_LOCKED and leaves the cardholder unchanged', async () => {
      const holder = holderIn('under_review');
      const error = await provider.updateCardholder(holder.id, { lastName: 'Byron' }, cx()).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.COMPLIANCE_LOCKED, provider: 'baas', retryable: false, upstream: { status: 409 } });
      expect((error as Error).message).toMatch(/lastName.*locked/);
      expect(store.cardholders.get(holder.id)!.lastName).not.toBe('Byron');
      expect(server.count('PATCH', '/cardholders/:cardholderId')).toBe(1);
    });

    it('follows the lifecycle: a draft is submitted, reviewed and approved, and its names lock on review', async () => {
      const holder = holderIn('draft');
      await expect(provider.updateCardholder(holder.id, { firstName: 'Augusta' }, cx())).resolves.toMatchObject({ firstName: 'Augusta', kycStatus: 'NOT_STARTED' });
      await expect(provider.submitCardholder(holder.id, cx())).resolves.toMatchObject({ kycStatus: 'PENDING', providerKycStatus: 'submitted' });
      await expect(provider.submitCardholder(holder.id, cx())).rejects.toMatchObject({ code: ErrorCode.INVALID_STATE, upstream: { status: 409 } });
      store.advanceCompliance(holder.id, 'under_review');
      const read: any = await gw.query(CARDHOLDER_QUERY, { id: gid('Cardholder', holder.id) });
      expect(read.data.cardholder.kycStatus).toBe('UNDER_REVIEW');
      await expect(provider.updateCardholder(holder.id, { email: 'augusta@example.com' }, cx())).resolves.toMatchObject({ email: 'augusta@example.com' });
      store.advanceCompliance(holder.id, 'approved');
      await expect(provider.updateCardholder(holder.id, { dateOfBirth: '1980-01-01' }, cx())).rejects.toMatchObject({ code: ErrorCode.COMPLIANCE_LOCKED });
    });

    it('reports an invalid edit as BAD_USER_INPUT naming the field', async () => {
      const holder = holderIn('rejected');
      const error = await provider.updateCardholder(holder.id, { email: 'not-an-email' }, cx()).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, message: 'BAAS rejected the request: email must be a valid email address' });
    });

    it('reports a 5xx on an edit as OUTCOME_UNKNOWN and never resends it', async () => {
      const holder = holderIn('rejected');
      server.inject({ method: 'PATCH', path: '/cardholders/:cardholderId', status: 503, body: envelope('Service unavailable') });
      const error = await provider.updateCardholder(holder.id, { phone: '+15550001111' }, cx()).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, retryable: false, upstream: { status: 503 } });
      expect(server.count('PATCH', '/cardholders/:cardholderId')).toBe(1);
    });
  });
});

describe('a gateway configured with a baas it cannot authenticate to', () => {
  const pki = generateBaasPki();
  const apiKey = 'live_baas_key';
  let baas: ReturnType<typeof createBaasSandbox>;
  let baseUrl: string;

  beforeAll(async () => {
    baas = createBaasSandbox({ apiKey, tls: { ca: pki.ca.cert, cert: pki.server.cert, key: pki.server.key } });
    baseUrl = await baas.server.start();
  });
  afterAll(() => baas.server.stop());
  afterEach(() => baas.server.resetRequests());

  async function firstError(env: Record<string, string>) {
    const gw = await startTestGateway({ BAAS_BASE_URL: baseUrl, BAAS_API_KEY: apiKey, BAAS_CLIENT_CERT: pki.client.cert, BAAS_CLIENT_KEY: pki.client.key, BAAS_CA_CERT: pki.ca.cert, ...env });
    try {
      const res = await gw.query(CardsPageDocument, { first: 2, filter: { provider: 'BAAS' } });
      const info: any = await gw.query('{ providers { provider sandbox } }');
      expect(info.data.providers).toContainEqual({ provider: 'BAAS', sandbox: false });
      expect(res.data).toBeNull();
      return res.errors![0]!;
    } finally {
      await gw.close();
    }
  }

  it('reads through the configured endpoint when every credential is right', async () => {
    const gw = await startTestGateway({ BAAS_BASE_URL: baseUrl, BAAS_API_KEY: apiKey, BAAS_CLIENT_CERT: pki.client.cert, BAAS_CLIENT_KEY: pki.client.key, BAAS_CA_CERT: pki.ca.cert });
    try {
      const res: any = await gw.query(CardsPageDocument, { first: 2, filter: { provider: 'BAAS' } });
      expect(res.errors).toBeUndefined();
      expect(res.data.cards.edges).toHaveLength(2);
    } finally {
      await gw.close();
    }
  });

  it('reports a client certificate from another CA as UPSTREAM_AUTH_FAILED, without reaching HTTP or retrying', async () => {
    const foreign = generateForeignClient();
    const error = await firstError({ BAAS_CLIENT_CERT: foreign.client.cert, BAAS_CLIENT_KEY: foreign.client.key });
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', provider: 'BAAS', retryable: false });
    expect(error.message).toMatch(/client certificate/);
    expect(error.message).not.toMatch(/BEGIN/);
    expect(baas.server.requests).toHaveLength(0);
  });

  it('reports a server certificate outside the configured CA as UPSTREAM_AUTH_FAILED', async () => {
    const error = await firstError({ BAAS_CA_CERT: generateForeignClient().ca.cert });
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', provider: 'BAAS' });
    expect(baas.server.requests).toHaveLength(0);
  });

  it('reports a rejected API key as UPSTREAM_AUTH_FAILED with the upstream 401', async () => {
    const error = await firstError({ BAAS_API_KEY: 'revoked_key' });
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', provider: 'BAAS', upstream: { status: 401 } });
    expect(baas.server.count('GET', '/cards')).toBe(1);
  });
});
