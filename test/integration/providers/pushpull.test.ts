/**
 * pushpull through the whole gateway over HTTP: card accounts as cards, push/pull
 * transactions with exact minor-unit money, every documented status as a typed error, the
 * shared transaction cache (never polling), and the error-burst guard that stops calling pushpull
 * before its automatic IP block would.
 */
import { request } from 'undici';
import type { PushpullEndpoint } from '../../../src/providers/pushpull/config.js';
import { PUSHPULL_LOOKUPS_PER_REQUEST, type PushpullProvider } from '../../../src/providers/pushpull/provider.js';
import {
  IP_NOT_ALLOWED_XML,
  PUSHPULL_RULES,
  type PushpullTransaction,
} from '../../../src/providers/pushpull/sandbox/store.js';
import type { PushpullStore } from '../../../src/providers/pushpull/sandbox/index.js';
import type { SandboxServer } from '../../../src/sandbox/server.js';
import { resetSandboxes, startTestGateway, type GraphQLErrorJson, type TestGateway } from '../../support/gateway.js';
import { globalIdsOf } from '../../support/global-id.js';

const gid = globalIdsOf('pushpull');
const unknownTransactionRef = (i: number) => `txn_${i.toString(16).padStart(16, 'e')}`;

const CARDS = `query($first: Int, $after: String) {
  cards(first: $first, after: $after, filter: { provider: PUSHPULL }) {
    nodes { id provider providerRef status providerStatus brand last4 maskedPan expiryMonth expiryYear cardholder { id } wallet { id } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const CARD_TRANSACTIONS = `query($id: ID!) {
  card(id: $id) {
    id status
    transactions(first: 100) {
      nodes { id providerRef type providerType direction status providerStatus amount { amount currency } card { id } createdAt }
    }
  }
}`;
const CARD = 'query($id: ID!) { card(id: $id) { id status providerStatus last4 brand } }';
const NODE = 'query($id: ID!) { node(id: $id) { id ... on Transaction { providerRef type direction status amount { amount currency } } } }';
const CARD_TRANSACTIONS_BY_FILTER = 'query($cardId: ID!) { transactions(first: 5, filter: { cardId: $cardId }) { nodes { id } } }';

describe('pushpull through the gateway', () => {
  let gw: TestGateway;
  let store: PushpullStore;
  let server: SandboxServer;
  let provider: PushpullProvider;
  let endpoint: PushpullEndpoint;
  /** The seeded account holding the planted JPY 1200 and BHD 1250 transactions. */
  let plantedAccountId: string;

  beforeAll(async () => {
    // A daily-limit Retry-After of an hour is passed through here; the default clamps at 60 s.
    gw = await startTestGateway({ UPSTREAM_MAX_RETRY_AFTER_SECONDS: '3600' });
    store = gw.sandboxes.stores.pushpull!;
    server = gw.sandboxes.servers.pushpull!;
    provider = gw.registry.get('pushpull') as PushpullProvider;
    endpoint = gw.sandboxes.endpoints.pushpull!;
    plantedAccountId = store.listedAccounts()[0]!.account_id;
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    // The guard and the cache outlive requests by design; each test starts from a clean slate.
    provider.guard.reset();
    provider.transactionCache.clear();
  });
  afterEach(() => {
    resetSandboxes(gw);
    store.unblockAll();
    store.resetPolling();
    store.ipAllowed = true;
    store.ipDeniedStatus = 403;
    store.client.status = 'active';
    store.token = endpoint.token;
    store.deniedOperations.clear();
  });

  const transactionReads = () => server.count('GET', '/v1/clients/:clientId/transactions/:transactionId');
  const firstError = (errors: GraphQLErrorJson[] | undefined) => {
    expect(errors).toBeDefined();
    return errors![0]!.extensions;
  };

  describe('reads', () => {
    it('lists the card accounts as cards, newest first, and walks them exactly once', async () => {
      const ids: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res: any = await gw.query(CARDS, { first: 7, after });
        expect(res.errors).toBeUndefined();
        ids.push(...res.data.cards.nodes.map((n: { providerRef: string }) => n.providerRef));
        if (!res.data.cards.pageInfo.hasNextPage) break;
        after = res.data.cards.pageInfo.endCursor;
      }
      expect(ids).toEqual(store.listedAccounts().map((a) => a.account_id));

      const res: any = await gw.query(CARDS, { first: 100 });
      const account = store.accounts.get(plantedAccountId)!;
      expect(res.data.cards.nodes[0]).toEqual({
        id: gid('Card', account.account_id),
        provider: 'PUSHPULL',
        providerRef: account.account_id,
        status: 'ACTIVE',
        providerStatus: 'active',
        brand: account.brand,
        last4: account.last4,
        maskedPan: `•••• ${account.last4}`,
        expiryMonth: account.exp_month,
        expiryYear: account.exp_year,
        cardholder: null,
        wallet: null,
      });
      const text = JSON.stringify(res.data);
      for (const a of store.listedAccounts()) expect(text.includes(store.cardNumberOf(a.account_id)!)).toBe(false);
    });

    it("lists a card's push and pull transactions with exact minor-unit money (JPY 1200, BHD 1.250)", async () => {
      const res: any = await gw.query(CARD_TRANSACTIONS, { id: gid('Card', plantedAccountId) });
      expect(res.errors).toBeUndefined();
      const nodes = res.data.card.transactions.nodes;
      expect(nodes).toHaveLength(10);
      expect(nodes).toContainEqual(
        expect.objectContaining({ type: 'PUSH', providerType: 'push', direction: 'CREDIT', status: 'SETTLED', providerStatus: 'completed', amount: { amount: '1200', currency: 'JPY' } }),
      );
      expect(nodes).toContainEqual(
        expect.objectContaining({ type: 'PULL', providerType: 'pull', direction: 'DEBIT', status: 'SETTLED', amount: { amount: '1.250', currency: 'BHD' } }),
      );
      const times = nodes.map((n: { createdAt: string }) => Date.parse(n.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(nodes.every((n: { card: { id: string } }) => n.card.id === gid('Card', plantedAccountId))).toBe(true);
    });

    it('maps every transaction status and converts USD and EUR amounts at two decimals', async () => {
      const statuses = new Map([['completed', 'SETTLED'], ['pending', 'PENDING'], ['failed', 'FAILED'], ['unknown', 'UNKNOWN']]);
      const samples = [...statuses.keys()].map((s) => [...store.transactions.values()].find((t) => t.status === s && t.currency === 'USD') ?? [...store.transactions.values()].find((t) => t.status === s)!);
      const res: any = await gw.query(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Transaction { providerRef status amount { amount currency } } } }`, {
        ids: samples.map((t) => gid('Transaction', t.transaction_id)),
      });
      expect(res.errors).toBeUndefined();
      res.data.nodes.forEach((node: any, i: number) => {
        const t: PushpullTransaction = samples[i]!;
        expect(node.status).toBe(statuses.get(t.status));
        if (t.currency === 'USD') expect(node.amount).toEqual({ amount: `${Math.floor(t.amount / 100)}.${String(t.amount % 100).padStart(2, '0')}`, currency: 'USD' });
      });
    });

    it('reads a transaction by node(id)', async () => {
      const t = [...store.transactions.values()].find((x) => x.type === 'pull' && x.currency === 'EUR')!;
      const res: any = await gw.query(NODE, { id: gid('Transaction', t.transaction_id) });
      expect(res.errors).toBeUndefined();
      expect(res.data.node).toEqual({
        id: gid('Transaction', t.transaction_id),
        providerRef: t.transaction_id,
        type: 'PULL',
        direction: 'DEBIT',
        status: { completed: 'SETTLED', pending: 'PENDING', failed: 'FAILED', unknown: 'UNKNOWN' }[t.status],
        amount: { amount: `${Math.floor(t.amount / 100)}.${String(t.amount % 100).padStart(2, '0')}`, currency: 'EUR' },
      });
    });

    it('answers node(id) of a transaction that does not exist with null', async () => {
      const res: any = await gw.query(NODE, { id: gid('Transaction', unknownTransactionRef(1)) });
      expect(res.errors).toBeUndefined();
      expect(res.data.node).toBeNull();
    });

    it('answers a deleted card account (410) as a CLOSED card', async () => {
      const deleted = [...store.accounts.values()].find((a) => a.status === 'deleted')!;
      const res: any = await gw.query(CARD, { id: gid('Card', deleted.account_id) });
      expect(res.errors).toBeUndefined();
      expect(res.data.card).toEqual({ id: gid('Card', deleted.account_id), status: 'CLOSED', providerStatus: 'deleted', last4: null, brand: null });
    });

    it('answers a card that never existed (404) as NOT_FOUND', async () => {
      const res: any = await gw.query(CARD, { id: gid('Card', 'acct_0000000000000000') });
      expect(firstError(res.errors)).toMatchObject({ code: 'NOT_FOUND', provider: 'PUSHPULL' });
    });

    it('publishes its capabilities: cards, transactions and push/pull, no cardholders or wallets', async () => {
      const res: any = await gw.query('{ providers { provider sandbox capabilities } }');
      expect(res.data.providers).toContainEqual({
        provider: 'PUSHPULL',
        sandbox: true,
        capabilities: ['CARD_LIST', 'CARD_PUSH_PULL', 'CARD_READ', 'TRANSACTION_LIST_BY_CARD', 'TRANSACTION_READ'],
      });
    });
  });

  describe('what pushpull does not have', () => {
    it.each([
      ['cardholders', '{ cardholders(first: 5, filter: { provider: PUSHPULL }) { nodes { id } } }'],
      ['wallets', '{ wallets(first: 5, filter: { provider: PUSHPULL }) { nodes { id } } }'],
      ['transactions not narrowed to a card', '{ transactions(first: 5, filter: { provider: PUSHPULL }) { nodes { id } } }'],
      ['a cardholder by id', `{ node(id: "${gid('Cardholder', 'anyone')}") { id } }`],
      ['a wallet by id', `{ node(id: "${gid('Wallet', 'any')}") { id } }`],
    ])('answers %s with UNSUPPORTED_BY_PROVIDER without calling it', async (_what, query) => {
      const res = await gw.query(query);
      expect(firstError(res.errors)).toMatchObject({ code: 'UNSUPPORTED_BY_PROVIDER', provider: 'PUSHPULL', retryable: false });
      expect(server.totalRequests).toBe(0);
    });
  });

  describe('every documented status as a typed error', () => {
    const listCards = () => gw.query(CARDS, { first: 5 });
    const expectUpstream = (errors: GraphQLErrorJson[] | undefined, code: string, status: number, upstreamCode?: string) => {
      const extensions = firstError(errors);
      expect(extensions).toMatchObject({ code, provider: 'PUSHPULL', upstream: { status } });
      if (upstreamCode) expect(extensions.upstream!.code).toBe(upstreamCode);
      return extensions;
    };

    it('404 on a card\'s transactions (natural) → NOT_FOUND', async () => {
      const res = await gw.query(CARD_TRANSACTIONS_BY_FILTER, { cardId: gid('Card', 'acct_0000000000000000') });
      expectUpstream(res.errors, 'NOT_FOUND', 404, 'NotFound');
    });

    it('410 on a deleted card\'s transactions (natural) → NOT_FOUND', async () => {
      const deleted = [...store.accounts.values()].find((a) => a.status === 'deleted')!;
      const res = await gw.query(CARD_TRANSACTIONS_BY_FILTER, { cardId: gid('Card', deleted.account_id) });
      expectUpstream(res.errors, 'NOT_FOUND', 410, 'Gone');
    });

    it('400 a malformed ResourceID (natural) → BAD_USER_INPUT', async () => {
      const res = await gw.query(NODE, { id: gid('Transaction', 'not-a-transaction-id') });
      expectUpstream(res.errors, 'BAD_USER_INPUT', 400, 'InvalidResourceID');
    });

    it('406 characters the WAF rejects (natural) → BAD_USER_INPUT', async () => {
      const res = await gw.query(NODE, { id: gid('Transaction', '<script>alert(1)</script>') });
      expectUpstream(res.errors, 'BAD_USER_INPUT', 406, 'WAFRejected');
    });

    it('401 a revoked token (natural) → UPSTREAM_AUTH_FAILED', async () => {
      store.token = 'rotated-elsewhere';
      expectUpstream((await listCards()).errors, 'UPSTREAM_AUTH_FAILED', 401);
    });

    it('403 JSON "Permission" (natural) → UPSTREAM_AUTH_FAILED', async () => {
      store.deniedOperations.add('ListAccounts');
      const extensions = expectUpstream((await listCards()).errors, 'UPSTREAM_AUTH_FAILED', 403, 'Forbidden');
      expect(extensions.retryable).toBe(false);
    });

    it('403 XML IPNotAllowed (natural) → UPSTREAM_AUTH_FAILED', async () => {
      store.ipAllowed = false;
      expectUpstream((await listCards()).errors, 'UPSTREAM_AUTH_FAILED', 403, 'IPNotAllowed');
    });

    it('500 XML IPNotAllowed (natural) → UPSTREAM_AUTH_FAILED', async () => {
      store.ipAllowed = false;
      store.ipDeniedStatus = 500;
      expectUpstream((await listCards()).errors, 'UPSTREAM_AUTH_FAILED', 500, 'IPNotAllowed');
    });

    it('423 a locked client (natural) → UPSTREAM_AUTH_FAILED', async () => {
      store.client.status = 'locked';
      expectUpstream((await listCards()).errors, 'UPSTREAM_AUTH_FAILED', 423, 'Locked');
    });

    it('429 polling (natural: another client of the same account polled it) → RATE_LIMITED with retryAfterSeconds', async () => {
      const t = [...store.transactions.values()][3]!;
      for (let i = 0; i < PUSHPULL_RULES.pollReads; i += 1) {
        const direct = await request(`${endpoint.baseUrl}/v1/clients/${endpoint.clientId}/transactions/${t.transaction_id}`, {
          headers: { authorization: `Bearer ${endpoint.token}` },
        });
        expect(direct.statusCode).toBe(200);
        await direct.body.dump();
      }
      const res = await gw.query(NODE, { id: gid('Transaction', t.transaction_id) });
      const extensions = expectUpstream(res.errors, 'RATE_LIMITED', 429, 'Polling');
      expect(extensions.retryable).toBe(true);
      expect(extensions.retryAfterSeconds).toBeGreaterThan(5);
      expect(extensions.retryAfterSeconds).toBeLessThanOrEqual(10);
    });

    const ACCOUNTS = '/v1/clients/:clientId/accounts';
    const json = (EC: string, EM: string) => ({ EC, EM });
    it.each<[string, string, number, unknown, Record<string, string> | undefined]>([
      ['207 (an upstream step failed)', 'OUTCOME_UNKNOWN', 207, json('MultiStatus', 'One or more upstream processing failed'), undefined],
      ['405 wrong method (our bug)', 'UPSTREAM_ERROR', 405, json('MethodNotAllowed', 'HTTP Request Method Not Allowed for the Requested Resource'), undefined],
      ['400 unpacked JSON (our bug)', 'UPSTREAM_ERROR', 400, json('MalformedBody', 'Request Body is malformed: JSON must be packed (it contains newlines)'), undefined],
      ['409 conflicting parameters', 'CONFLICT', 409, json('Conflict', 'Conflicting request parameters'), undefined],
      ['415 content type (our bug)', 'UPSTREAM_ERROR', 415, json('UnsupportedMediaType', 'Content-type must be application/json'), undefined],
      ['421 too late by ReferenceID', 'NOT_FOUND', 421, json('Misdirected', 'Too late to Retrieve by ReferenceID, use AccountID or TransactionID'), undefined],
      ['422 Transaction Limit', 'LIMIT_EXCEEDED', 422, json('TransactionLimit', 'Request exceeds your configured Transaction Limit'), undefined],
      ['422 Destination Disabled', 'INVALID_STATE', 422, json('DestinationDisabled', 'Destination Disabled'), undefined],
      ['422 Source Disabled', 'INVALID_STATE', 422, json('SourceDisabled', 'Source Disabled'), undefined],
      ['429 over the daily limit', 'LIMIT_EXCEEDED', 429, json('DailyLimit', 'Over your Daily (24-hour rolling) Limit'), { 'retry-after': '3600' }],
      ['429 rate limiting', 'RATE_LIMITED', 429, json('RateLimit', 'Rate Limiting. Reduce the rate at which you send requests'), { 'retry-after': '30' }],
      ['431 header lines (our bug)', 'UPSTREAM_ERROR', 431, json('HeaderFieldsTooLarge', 'Too many HTTP Header Lines and/or HTTP Header Lines too big'), undefined],
      ['500 JSON processing failed', 'UPSTREAM_UNAVAILABLE', 500, json('ProcessingFailed', 'There was a problem processing the Request'), undefined],
      ['502 bad gateway', 'UPSTREAM_UNAVAILABLE', 502, json('BadGateway', 'Problem connecting to an Application Server'), undefined],
      ['503 unavailable', 'UPSTREAM_UNAVAILABLE', 503, json('Unavailable', 'Your request cannot be processed'), undefined],
      ['504 timed out', 'UPSTREAM_TIMEOUT', 504, json('GatewayTimeout', 'Connection to an Application Server timed out'), undefined],
    ])('%s (injected on a read) → %s', async (_what, code, status, body, headers) => {
      server.inject({ method: 'GET', path: ACCOUNTS, status, body, headers });
      const extensions = expectUpstream((await listCards()).errors, code, status);
      expect(extensions.upstream!.code).toBe((body as { EC: string }).EC);
      if (headers?.['retry-after']) expect(extensions.retryAfterSeconds).toBe(Number(headers['retry-after']));
    });

    it('reads the XML body when the content type is missing (a leading "<")', async () => {
      server.inject({ method: 'GET', path: ACCOUNTS, status: 403, body: IP_NOT_ALLOWED_XML });
      expectUpstream((await listCards()).errors, 'UPSTREAM_AUTH_FAILED', 403, 'IPNotAllowed');
    });
  });

  describe('protecting pushpull (and our IP address)', () => {
    it('makes at most one upstream read for 20 concurrent node(id) queries of one transaction', async () => {
      const t = [...store.transactions.values()][10]!;
      const results = await Promise.all(Array.from({ length: 20 }, () => gw.query(NODE, { id: gid('Transaction', t.transaction_id) })));
      for (const res of results) {
        expect(res.errors).toBeUndefined();
        expect((res.data as any).node.providerRef).toBe(t.transaction_id);
      }
      expect(transactionReads()).toBe(1);
      // And repeated reads right after are answered from the cache: pushpull is never polled.
      for (let i = 0; i < 10; i += 1) await gw.query(NODE, { id: gid('Transaction', t.transaction_id) });
      expect(transactionReads()).toBe(1);
      expect(store.pollCount(t.transaction_id)).toBe(1);
    });

    it('remembers a missing transaction for the TTL instead of asking again', async () => {
      const id = gid('Transaction', unknownTransactionRef(2));
      for (let i = 0; i < 5; i += 1) expect((await gw.query(NODE, { id })).data).toEqual({ node: null });
      expect(transactionReads()).toBe(1);
    });

    it('one nodes document with 20 unknown pushpull transaction ids never trips the IP block, and another viewer keeps working', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => gid('Transaction', unknownTransactionRef(500 + i)));
      const res: any = await gw.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }, { authorization: `Bearer ${await gw.token({ subject: 'prober' })}` });
      // A few are looked up (and are not there); the rest get a typed error without a call.
      expect(transactionReads()).toBe(PUSHPULL_LOOKUPS_PER_REQUEST);
      expect(res.data.nodes.filter((n: unknown) => n === null)).toHaveLength(20);
      const limited = (res.errors ?? []).filter((e: any) => e.extensions.code === 'LIMIT_EXCEEDED');
      expect(limited).toHaveLength(20 - PUSHPULL_LOOKUPS_PER_REQUEST);
      for (const error of limited) expect(error.extensions).toMatchObject({ provider: 'PUSHPULL', retryable: true });
      expect(provider.guard.status().open).toBe(false);

      // pushpull never blocked the gateway's address…
      const direct = await request(`${endpoint.baseUrl}/v1/clients/${endpoint.clientId}`, { headers: { authorization: `Bearer ${endpoint.token}` } });
      expect(direct.statusCode).toBe(200);
      await direct.body.dump();
      // …and another viewer's pushpull calls keep working.
      const other = { authorization: `Bearer ${await gw.token({ subject: 'bystander' })}` };
      const list: any = await gw.query(CARDS, { first: 5 }, other);
      expect(list.errors).toBeUndefined();
      expect(list.data.cards.nodes.length).toBeGreaterThan(0);
      const card: any = await gw.query(CARD, { id: gid('Card', plantedAccountId) }, other);
      expect(card.errors).toBeUndefined();
    });

    /** The LIMIT_EXCEEDED errors of a response, each checked to be pushpull's and retryable. */
    const lookupRefusals = (res: { errors?: GraphQLErrorJson[] }) => {
      const limited = (res.errors ?? []).filter((e) => e.extensions.code === 'LIMIT_EXCEEDED');
      for (const error of limited) expect(error.extensions).toMatchObject({ provider: 'PUSHPULL', retryable: true });
      return limited;
    };

    it('caps operation look-ups per request too: 20 unknown operation ids read at most the cap, the rest LIMIT_EXCEEDED', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => gid('Operation', unknownTransactionRef(700 + i)));
      const res: any = await gw.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
      expect(transactionReads()).toBe(PUSHPULL_LOOKUPS_PER_REQUEST);
      expect(res.data.nodes).toEqual(Array(20).fill(null));
      expect(lookupRefusals(res)).toHaveLength(20 - PUSHPULL_LOOKUPS_PER_REQUEST);
      expect(provider.guard.status().open).toBe(false);
    });

    it("caps the transaction lists of cards the request has not seen: unknown accounts' histories read at most the cap", async () => {
      const aliases = Array.from({ length: 12 }, (_, i) => `t${i}: transactions(first: 1, filter: { cardId: "${gid('Card', `acct_${(900 + i).toString(16).padStart(16, 'e')}`)}" }) { nodes { id } }`);
      const res: any = await gw.query(`query { ${aliases.join(' ')} }`);
      // The first refusal ends the (non-null) document, so fewer may have been sent, never more.
      expect(server.count('GET', '/v1/clients/:clientId/accounts/:accountId/transactions')).toBeLessThanOrEqual(PUSHPULL_LOOKUPS_PER_REQUEST);
      const refused = lookupRefusals(res).map((e) => Number(String(e.path![0]).slice(1)));
      expect(refused.length).toBeGreaterThan(0);
      for (const alias of refused) expect(alias).toBeGreaterThanOrEqual(PUSHPULL_LOOKUPS_PER_REQUEST);
      expect(provider.guard.status().open).toBe(false);
      // The look-ups still in flight answer after the response: let them, before the next test.
      while (provider.guard.status().inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    });

    it('reads the card of a push first: a push to an unknown card is NOT_FOUND, and nothing is written', async () => {
      const unknown = gid('Card', `acct_${(950).toString(16).padStart(16, 'e')}`);
      const res: any = await gw.query(
        'mutation($k: String!, $id: ID!) { pushToCard(idempotencyKey: $k, input: { cardId: $id, amount: "1.00", currency: "USD" }) { id } }',
        { k: `unknown-push-${Date.now()}`, id: unknown },
      );
      expect(res.errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'PUSHPULL' });
      expect(server.count('GET', '/v1/clients/:clientId/accounts/:accountId')).toBe(1);
      expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
    });

    it('spends no look-up on the transactions of cards pushpull just listed, however many', async () => {
      // More than the cap, fewer than the error-burst guard admits in flight at once (10).
      const first = PUSHPULL_LOOKUPS_PER_REQUEST + 3;
      const res: any = await gw.query(`query { cards(first: ${first}, filter: { provider: PUSHPULL }) { nodes { id transactions(first: 1) { nodes { id } } } } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data.cards.nodes).toHaveLength(first);
      expect(server.count('GET', '/v1/clients/:clientId/accounts/:accountId/transactions')).toBe(first);
    });

    it('counts calls in flight against the error budget: a burst of parallel failing calls stays under the threshold', async () => {
      // Each request looks up one unknown card, all at once: the guard admits only as many as
      // could fail without passing its threshold, so pushpull never sees more errors than that.
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => gw.query(CARD, { id: gid('Card', `acct_${i.toString(16).padStart(16, 'e')}`) })));
      expect(server.requests.filter((r) => r.route?.endsWith('/accounts/:accountId')).length).toBeLessThanOrEqual(10);
      // The ones not admitted are told to retry shortly, never silently dropped.
      const codes = results.map((res) => res.errors![0]!.extensions);
      const looked = codes.filter((e) => e.code === 'NOT_FOUND');
      const refused = codes.filter((e) => e.code !== 'NOT_FOUND');
      expect(looked.length).toBeLessThanOrEqual(10);
      for (const e of refused) expect(e).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', provider: 'PUSHPULL', retryable: true });
    });

    it('stops calling pushpull after a burst of error answers, before pushpull blocks the IP', async () => {
      const answered: Array<'null' | 'short-circuit'> = [];
      let lastError: GraphQLErrorJson['extensions'] | undefined;
      for (let i = 0; i < 15; i += 1) {
        const res: any = await gw.query(NODE, { id: gid('Transaction', unknownTransactionRef(100 + i)) });
        if (res.errors) {
          lastError = res.errors[0].extensions;
          answered.push('short-circuit');
        } else {
          expect(res.data.node).toBeNull();
          answered.push('null');
        }
      }
      // Ten 404s open the guard; the rest never reach pushpull.
      expect(answered).toEqual([...Array(10).fill('null'), ...Array(5).fill('short-circuit')]);
      expect(transactionReads()).toBe(10);
      expect(lastError).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', provider: 'PUSHPULL', retryable: true });
      expect(lastError!.retryAfterSeconds).toBeGreaterThan(0);
      expect(lastError!.retryAfterSeconds).toBeLessThanOrEqual(30);
      expect(lastError!.upstream).toBeUndefined();

      // Every pushpull read is short-circuited now, lists included; the request count stays put.
      const before = server.totalRequests;
      const list = await gw.query(CARDS, { first: 5 });
      expect(firstError(list.errors)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', provider: 'PUSHPULL' });
      expect(server.totalRequests).toBe(before);
      // pushpull itself never had to block the gateway's address.
      const direct = await request(`${endpoint.baseUrl}/v1/clients/${endpoint.clientId}`, { headers: { authorization: `Bearer ${endpoint.token}` } });
      expect(direct.statusCode).toBe(200);
      await direct.body.dump();
      const before2 = server.totalRequests;
      expect((await gw.query(CARD, { id: gid('Card', plantedAccountId) })).errors![0]!.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(server.totalRequests).toBe(before2);
    });

    it('pauses calls for the Retry-After of a 429', async () => {
      server.inject({ method: 'GET', path: '/v1/clients/:clientId/accounts', status: 429, body: { EC: 'RateLimit', EM: 'Rate Limiting' }, headers: { 'retry-after': '20' }, times: 1 });
      expect(firstError((await gw.query(CARDS, { first: 5 })).errors)).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 20 });
      const before = server.totalRequests;
      const again = await gw.query(CARDS, { first: 5 });
      expect(firstError(again.errors)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', provider: 'PUSHPULL', retryable: true });
      expect(firstError(again.errors).retryAfterSeconds).toBeGreaterThanOrEqual(19);
      expect(server.totalRequests).toBe(before);
    });
  });
});
