/**
 * The query shapes the benchmark drives, each as a GraphQL query for the gateway and as
 * hand-written direct upstream calls (undici, the provider's own auth) doing the same work:
 * the physical limit the gateway is measured against.
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { Pool } from 'undici';
import type { ProviderKey } from '../src/core/provider-key.js';
import { openBody, seal } from '../src/providers/corporate/envelope.js';
import { requestTokenSigner } from '../src/providers/utgl/request-token.js';

export interface BenchContext {
  endpoints: {
    utgl?: { baseUrl: string; accessKey: string; privateKeyPem: string };
    ledger?: { baseUrl: string; apiKey: string; tenantId: string };
    baas?: { baseUrl: string; apiKey: string; clientCert: string; clientKey: string; caCert: string };
    /** `secretKey` base64. */
    corporate?: { baseUrl: string; apiKey: string; secretKey: string };
    pushpull?: { baseUrl: string; clientId: string; token: string };
  };
  ledgerCustomerIds: string[];
  utglCardIds: string[];
  /** A utgl USD account with money, and an active card on a USD account (the write shape). */
  utglTopUp?: { fundingAccountId: string; cardId: string };
}

export interface Shape {
  name: string;
  /** Moves money: needs the funds:write scope, and is the shape that measures the state store. */
  write?: boolean;
  /** The peer gateway (bench/peer/) answers it too: it implements this shape only. */
  peer?: boolean;
  /** One provider answers this much later than the others while the shape is measured. */
  slowProvider?: { provider: ProviderKey; latencyMs: number };
  description: string;
  query(ctx: BenchContext, i: number): { query: string; variables?: Record<string, unknown> };
  /** Builds the direct client once; returns one iteration of the same upstream work. */
  baseline(ctx: BenchContext): (i: number) => Promise<void>;
}

/**
 * utgl's per-request JWT, signed the way the gateway signs it (`uri` the path with its query
 * exactly as sent, the body's SHA-256): the direct client and the peer gateway both use it.
 */
export function utglRequestSigner(utgl: NonNullable<BenchContext['endpoints']['utgl']>) {
  const sign = requestTokenSigner(utgl.accessKey, createPrivateKey(utgl.privateKeyPem));
  return (method: string, pathWithQuery: string, payload?: string): Promise<string> => sign({ method, pathWithQuery, body: payload });
}

/** Direct utgl calls: one signed request (a GET, or a POST of `body`). */
function utglClient(ctx: BenchContext) {
  const utgl = ctx.endpoints.utgl!;
  const pool = new Pool(utgl.baseUrl, { connections: 64 });
  const sign = utglRequestSigner(utgl);
  return async (pathWithQuery: string, post?: { body: object; idempotencyKey: string }): Promise<any> => {
    const method = post ? 'POST' : 'GET';
    const payload = post ? JSON.stringify(post.body) : undefined;
    const token = await sign(method, pathWithQuery, payload);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (post) Object.assign(headers, { 'content-type': 'application/json', 'idempotency-key': post.idempotencyKey });
    const res = await pool.request({ method, path: pathWithQuery, headers, body: payload });
    const body = await res.body.json();
    if (res.statusCode !== (post ? 201 : 200)) throw new Error(`utgl ${res.statusCode}`);
    return body;
  };
}

/** Direct ledger calls: bearer + tenant. */
function ledgerClient(ctx: BenchContext) {
  const ledger = ctx.endpoints.ledger!;
  const pool = new Pool(ledger.baseUrl, { connections: 64 });
  const headers = { authorization: `Bearer ${ledger.apiKey}`, 'x-tenant-id': ledger.tenantId };
  return async (path: string): Promise<{ status: number; body: any }> => {
    const res = await pool.request({ method: 'GET', path, headers });
    return { status: res.statusCode, body: await res.body.json() };
  };
}

/** Direct baas calls: mutual TLS + API key. */
function baasClient(ctx: BenchContext) {
  const baas = ctx.endpoints.baas!;
  // One TLS context for every connection, as the gateway's connector (transport/mutual-tls.ts).
  const secureContext = createSecureContext({ ca: baas.caCert, cert: baas.clientCert, key: baas.clientKey });
  const pool = new Pool(baas.baseUrl, { connections: 64, connect: { secureContext, rejectUnauthorized: true } });
  return async (path: string): Promise<any> => {
    const res = await pool.request({ method: 'GET', path, headers: { 'x-api-key': baas.apiKey } });
    const body = await res.body.json();
    if (res.statusCode !== 200) throw new Error(`baas ${res.statusCode}`);
    return body;
  };
}

/** Direct corporate calls: every call a POST of a sealed payload with a µs timestamp. */
function corporateClient(ctx: BenchContext) {
  const corporate = ctx.endpoints.corporate!;
  const pool = new Pool(corporate.baseUrl, { connections: 64 });
  const key = new Uint8Array(Buffer.from(corporate.secretKey, 'base64'));
  let last = 0;
  return async (path: string, payload: object): Promise<any> => {
    last = Math.max(last + 1, Date.now() * 1000);
    const res = await pool.request({
      method: 'POST',
      path,
      headers: { 'api-key': corporate.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(seal({ ...payload, request_timestamp: last }, key)),
    });
    const opened = openBody(Buffer.from(await res.body.arrayBuffer()), key);
    if (res.statusCode !== 200 || !opened.ok) throw new Error(`corporate ${res.statusCode}`);
    return opened.payload;
  };
}

/** Direct pushpull calls: bearer token, ClientID in the path. */
function pushpullClient(ctx: BenchContext) {
  const pushpull = ctx.endpoints.pushpull!;
  const pool = new Pool(pushpull.baseUrl, { connections: 64 });
  return async (path: string): Promise<any> => {
    const res = await pool.request({ method: 'GET', path: `/v1/clients/${pushpull.clientId}${path}`, headers: { authorization: `Bearer ${pushpull.token}` } });
    const body = await res.body.json();
    if (res.statusCode !== 200) throw new Error(`pushpull ${res.statusCode}`);
    return body;
  };
}

const byNewest = (a: { t: number }, b: { t: number }) => b.t - a.t;

/** Keys and references unique to this benchmark run (the sandboxes live as long as the run). */
const RUN = randomUUID().slice(0, 8);

const CARDS_LIST_50: Shape = {
  name: 'cards-list-50',
  description: 'cross-provider list of 50 cards',
  query: () => ({ query: '{ cards(first: 50) { edges { cursor node { id provider status last4 createdAt } } pageInfo { hasNextPage endCursor } } }' }),
  baseline(ctx) {
    const utgl = ctx.endpoints.utgl ? utglClient(ctx) : undefined;
    const ledger = ctx.endpoints.ledger ? ledgerClient(ctx) : undefined;
    const baas = ctx.endpoints.baas ? baasClient(ctx) : undefined;
    const corporate = ctx.endpoints.corporate ? corporateClient(ctx) : undefined;
    const pushpull = ctx.endpoints.pushpull ? pushpullClient(ctx) : undefined;
    const ledgerCards = async () => {
      const customers = await Promise.all(ctx.ledgerCustomerIds.map((id) => ledger!(`/tenant/customer/customer-full-details/${id}`)));
      const wallets = customers.flatMap((c) => c.body.data[0].wallets).slice(0, 50);
      const cards = await Promise.all(wallets.map((w: any) => ledger!(`/cards/details?nameSpace=${encodeURIComponent(w.domainNamespace)}`)));
      return cards.filter((c) => c.status === 200).map((c) => ({ t: 0, c: c.body.data }));
    };
    return async () => {
      const lists = await Promise.all([
        baas ? baas('/cards?page=1&limit=50').then((b) => b.data.map((c: any) => ({ t: Date.parse(c.createdAt), c }))) : [],
        corporate
          ? corporate('/api/v1/cards/list', { page: 1, per_page: 50 }).then((b) => b.data.items.map((c: any) => ({ t: Date.parse(c.created_at), c })))
          : [],
        pushpull ? pushpull('/accounts?offset=0&limit=50').then((b) => b.accounts.map((c: any) => ({ t: Date.parse(c.created_at), c }))) : [],
        utgl ? utgl('/v1/cards?limit=50').then((b) => b.data.map((c: any) => ({ t: Date.parse(c.created_at), c }))) : [],
      ]);
      const dated = lists.flat().sort(byNewest).slice(0, 50);
      // Like the gateway: undated ledger cards come last, read only when the page is short.
      if (dated.length < 50 && ledger) dated.push(...(await ledgerCards()).slice(0, 50 - dated.length));
    };
  },
};

/** The provider that answers late in the slow-provider list, and by how much (BENCH_SLOW_PROVIDER, BENCH_SLOW_LATENCY_MS). */
const SLOW_PROVIDER = (process.env.BENCH_SLOW_PROVIDER ?? 'baas') as ProviderKey;
const SLOW_LATENCY_MS = Number(process.env.BENCH_SLOW_LATENCY_MS ?? 200);

export const SHAPES: Shape[] = [
  {
    name: 'card-by-id',
    description: 'one card by id (utgl)',
    peer: true,
    query: (ctx, i) => ({
      query: 'query($id: ID!) { card(id: $id) { id status last4 expiryMonth expiryYear } }',
      variables: { id: Buffer.from(`utgl:Card:${ctx.utglCardIds[i % ctx.utglCardIds.length]}`).toString('base64url') },
    }),
    baseline(ctx) {
      const get = utglClient(ctx);
      return async (i) => {
        await get(`/v1/cards?ids=${ctx.utglCardIds[i % ctx.utglCardIds.length]}`);
      };
    },
  },
  CARDS_LIST_50,
  {
    ...CARDS_LIST_50,
    name: 'cards-list-50-slow',
    description: `cross-provider list of 50 cards, ${SLOW_PROVIDER} answering in ${SLOW_LATENCY_MS} ms`,
    slowProvider: { provider: SLOW_PROVIDER, latencyMs: SLOW_LATENCY_MS },
  },
  {
    name: 'cardholders-cards-tx',
    description: '20 cardholders, their cards, each card\'s last 5 transactions (utgl)',
    query: () => ({
      query:
        '{ cardholders(first: 20, filter: { provider: UTGL }) { nodes { id firstName lastName cards(first: 10) { nodes { id status last4 transactions(first: 5) { nodes { id status amount { amount currency } } } } } } } }',
    }),
    baseline(ctx) {
      const get = utglClient(ctx);
      return async () => {
        const holders = await get('/v1/cardholders?limit=20');
        await Promise.all(
          holders.data.map(async (h: any) => {
            const cards = await get(`/v1/cards?cardholder_id=${h.id}&limit=10`);
            await Promise.all(cards.data.map((c: any) => get(`/v1/transactions?card_id=${c.id}&limit=5`)));
          }),
        );
      };
    },
  },
  {
    name: 'top-up-fresh-key',
    description: 'a top-up with a fresh idempotency key (utgl, write)',
    write: true,
    query: (ctx) => ({
      query: 'mutation($input: TopUpCardInput!, $key: String!) { topUpCard(input: $input, idempotencyKey: $key) { id status } }',
      variables: {
        // Never reused: the gateway derives utgl's idempotency key from it, and the gateways of
        // both store engines write to the same utgl (a repeated key would be a replay there).
        key: `bench-${randomUUID()}`,
        input: {
          cardId: Buffer.from(`utgl:Card:${ctx.utglTopUp!.cardId}`).toString('base64url'),
          fundingWalletId: Buffer.from(`utgl:Wallet:${ctx.utglTopUp!.fundingAccountId}`).toString('base64url'),
          amount: '0.01',
          currency: 'USD',
        },
      },
    }),
    baseline(ctx) {
      const send = utglClient(ctx);
      return async (i) => {
        // Like the gateway: the card is read (it exists), then the funding account's currency
        // checked, before anything is sent.
        const cards = await send(`/v1/cards?ids=${ctx.utglTopUp!.cardId}`);
        if (cards.data.length !== 1) throw new Error('the card does not exist');
        const account = await send(`/v1/accounts/${ctx.utglTopUp!.fundingAccountId}`);
        if (account.currency !== 'USD') throw new Error(`the funding account holds ${account.currency}`);
        const body = { source_account_id: ctx.utglTopUp!.fundingAccountId, destination_card_id: ctx.utglTopUp!.cardId, amount: '0.01', currency: 'USD', reference: `bench_${RUN}_base_${i}` };
        await send('/v1/transfers', { body, idempotencyKey: randomUUID() });
      };
    },
  },
];
