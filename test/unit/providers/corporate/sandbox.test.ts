import { randomUUID } from 'node:crypto';
import nacl from 'tweetnacl';
import { request } from 'undici';
import { open, seal } from '../../../../src/providers/corporate/envelope.js';
import {
  CORPORATE_MASTER_OPENING_CENTS,
  CORPORATE_SEED_COUNTS,
  type CorporateCard,
} from '../../../../src/providers/corporate/sandbox/store.js';
import { CORPORATE_PATHS } from '../../../../src/providers/corporate/sandbox/routes.js';
import {
  type CorporateStore,
  createCorporateSandbox,
  type CorporateSandbox,
} from '../../../../src/providers/corporate/sandbox/index.js';
import { formatCents, toCents } from '../../../../src/sandbox/money.js';
import { seededCorporateStore } from '../../../../src/providers/corporate/sandbox/seed.js';

const API_KEY = 'ck_test_corporate';
const KEY = nacl.randomBytes(32);

/** The simulator's clock, moved by the tests (ms). */
let clock = Date.UTC(2026, 9, 2, 9, 0, 0);
/** Distinct timestamps for calls that do not choose their own. */
let tick = 0;
const nowUs = () => clock * 1000 + (tick += 1);

let sandbox: CorporateSandbox;
let store: CorporateStore;
let baseUrl: string;

beforeAll(async () => {
  sandbox = createCorporateSandbox({ apiKey: API_KEY, secretKey: KEY, now: () => clock });
  store = sandbox.store;
  baseUrl = await sandbox.server.start();
});

afterAll(() => sandbox.server.stop());

// ---- A client that builds the envelope, with knobs to break one rule at a time.

interface CallOptions {
  /** The request_timestamp; `null` leaves it out. Default: now, distinct per call. */
  timestamp?: unknown;
  apiKey?: string | null;
  idempotencyKey?: string;
  /** Sent as the HTTP body instead of an envelope. */
  rawBody?: string;
  key?: Uint8Array;
}

interface Reply {
  status: number;
  /** The plain JSON body, when the answer is not encrypted. */
  plain?: { error: string };
  /** The decrypted answer. */
  body?: any;
}

async function call(path: string, payload: Record<string, unknown> = {}, options: CallOptions = {}): Promise<Reply> {
  const timestamp = options.timestamp === undefined ? nowUs() : options.timestamp;
  const fields = timestamp === null ? payload : { ...payload, request_timestamp: timestamp };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey !== null) headers['api-key'] = options.apiKey ?? API_KEY;
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  const res = await request(`${baseUrl}/api/v1${path}`, {
    method: 'POST',
    headers,
    body: options.rawBody ?? JSON.stringify(seal(fields, options.key ?? KEY)),
  });
  const json = (await res.body.json()) as Record<string, unknown>;
  if (!('encrypted' in json)) return { status: res.statusCode, plain: json as { error: string } };
  const opened = open(json, KEY);
  if (!opened.ok) throw new Error(`undecryptable answer: ${opened.failure}`);
  return { status: res.statusCode, body: opened.payload };
}

async function ok(path: string, payload: Record<string, unknown> = {}, options: CallOptions = {}): Promise<any> {
  const reply = await call(path, payload, options);
  expect(reply.body).toMatchObject({ success: true });
  expect(reply.status).toBe(200);
  return reply.body.data;
}

function expectSlug(reply: Reply, status: number, slug: string): void {
  expect(reply.plain).toBeUndefined();
  expect(reply.status).toBe(status);
  expect(reply.body).toEqual({ success: false, error: expect.any(String), error_slug: slug });
}

function expectPlain(reply: Reply, status: number, error: string): void {
  expect(reply.body).toBeUndefined();
  expect(reply.status).toBe(status);
  expect(reply.plain).toEqual({ error });
}

// ---- Helpers over the store.

function cardWithStatus(status: CorporateCard['status']): CorporateCard {
  const card = [...store.cards.values()].find((c) => c.status === status);
  if (!card) throw new Error(`no ${status} card in the seed`);
  return card;
}

function userWithKyc(status: 'approved' | 'pending' | 'rejected'): string {
  const holder = [...store.cardholders.values()].find((c) => c.kyc_status === status);
  if (!holder) throw new Error(`no ${status} cardholder in the seed`);
  return holder.external_user_id;
}

const cardKey = (card: CorporateCard) => ({ external_user_id: card.external_user_id, card_id: card.card_id });

// ---------------------------------------------------------------------------------------

describe('corporate sandbox: authentication and envelope checks (plain errors)', () => {
  it('answers an unknown or missing API-KEY with 404 "API key not found"', async () => {
    expectPlain(await call('/users/list', {}, { apiKey: 'ck_wrong' }), 404, 'API key not found');
    expectPlain(await call('/users/list', {}, { apiKey: null }), 404, 'API key not found');
  });

  it('answers 403 "You do not have access to this API." while access is switched off', async () => {
    store.accessDenied = true;
    try {
      expectPlain(await call('/users/list'), 403, 'You do not have access to this API.');
    } finally {
      store.accessDenied = false;
    }
    await ok('/users/list');
  });

  it.each([
    ['an empty body', ''],
    ['a JSON object without encrypted', '{"payload":"x"}'],
    ['a body that is not JSON', 'request_timestamp=1'],
  ])('answers %s with 400 "Encrypted payload not found"', async (_what, rawBody) => {
    expectPlain(await call('/users/list', {}, { rawBody }), 400, 'Encrypted payload not found');
  });

  it('answers bad ciphertext with 400 "Invalid encrypted payload format": junk, too short, tampered, wrong key', async () => {
    const tampered = Buffer.from(seal({ request_timestamp: nowUs() }, KEY).encrypted, 'base64');
    tampered[tampered.length - 1]! ^= 0xff;
    const bodies = [
      JSON.stringify({ encrypted: 'not base64 at all' }),
      JSON.stringify({ encrypted: 'AAAA' }),
      JSON.stringify({ encrypted: tampered.toString('base64') }),
      JSON.stringify({ encrypted: 17 }),
    ];
    for (const rawBody of bodies) expectPlain(await call('/users/list', {}, { rawBody }), 400, 'Invalid encrypted payload format');
    expectPlain(await call('/users/list', {}, { key: nacl.randomBytes(32) }), 400, 'Invalid encrypted payload format');
  });

  it('answers a payload without request_timestamp with 400 "Request timestamp not found in encrypted payload"', async () => {
    expectPlain(await call('/users/list', {}, { timestamp: null }), 400, 'Request timestamp not found in encrypted payload');
  });

  it.each([['a word', 'soon'], ['a fraction', 1.5], ['a boolean', true], ['an object', { us: 1 }]])(
    'answers a timestamp that is %s with 400 "Invalid timestamp format"',
    async (_what, timestamp) => {
      expectPlain(await call('/users/list', {}, { timestamp }), 400, 'Invalid timestamp format');
    },
  );

  it('accepts the timestamp as an integer or a string of digits', async () => {
    await ok('/users/list', {}, { timestamp: nowUs() });
    await ok('/users/list', {}, { timestamp: String(nowUs()) });
  });

  it('enforces the ±30 s window against its own clock', async () => {
    const base = clock * 1000;
    expectPlain(await call('/users/list', {}, { timestamp: base - 31_000_000 }), 400, 'Request timestamp outside allowed window');
    expectPlain(await call('/users/list', {}, { timestamp: base + 31_000_000 }), 400, 'Request timestamp outside allowed window');
    await ok('/users/list', {}, { timestamp: base - 29_000_000 });
    await ok('/users/list', {}, { timestamp: base + 29_000_000 + 7 });
  });

  it('rejects the same api key + path + timestamp within 30 s as "Duplicate request detected"', async () => {
    const timestamp = nowUs();
    await ok('/master-wallet/balance', {}, { timestamp });
    expectPlain(await call('/master-wallet/balance', {}, { timestamp }), 400, 'Duplicate request detected');
    // Another path with the same timestamp is another request.
    await ok('/master-wallet/deposit-address', {}, { timestamp });
  });

  it('remembers a timestamp ahead of its clock until it leaves the window, so a late copy is still a replay', async () => {
    const timestamp = clock * 1000 + 29_000_000;
    await ok('/users/list', {}, { timestamp });
    clock += 45_000; // seen 45 s ago, but the timestamp is only 16 s old: still acceptable
    expectPlain(await call('/users/list', {}, { timestamp }), 400, 'Duplicate request detected');
  });

  it('forgets a timestamp once it is out of the window', async () => {
    const timestamp = clock * 1000 - 20_000_000;
    await ok('/users/list', {}, { timestamp });
    clock += 31_000;
    expectPlain(await call('/users/list', {}, { timestamp }), 400, 'Request timestamp outside allowed window');
    expect(store.remember(API_KEY, '/api/v1/users/list', BigInt(timestamp))).toBe(true);
  });

  it('checks the API key before the envelope, and the envelope before the route', async () => {
    expectPlain(await call('/users/list', {}, { apiKey: 'nope', rawBody: '' }), 404, 'API key not found');
    expectPlain(await call('/no/such/endpoint', {}, { rawBody: '' }), 400, 'Encrypted payload not found');
    const unknown = await call('/no/such/endpoint');
    expect(unknown.status).toBe(404);
  });

  it('encrypts every other answer, success and standard errors alike, with a fresh nonce', async () => {
    const raw = async () => {
      const res = await request(`${baseUrl}/api/v1/master-wallet/balance`, {
        method: 'POST',
        headers: { 'api-key': API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify(seal({ request_timestamp: nowUs() }, KEY)),
      });
      return (await res.body.json()) as Record<string, string>;
    };
    const [a, b] = [await raw(), await raw()];
    expect(Object.keys(a)).toEqual(['encrypted']);
    expect(a.encrypted).not.toBe(b.encrypted);
    expectSlug(await call('/users/get', { external_user_id: 'nobody' }), 404, 'user_not_found');
  });
});

describe('corporate sandbox: users, cardholders and cards', () => {
  it('answers every documented endpoint (and only POST)', async () => {
    expect(CORPORATE_PATHS).toHaveLength(17);
    const res = await request(`${baseUrl}/api/v1/users/list`, { method: 'GET', headers: { 'api-key': API_KEY } });
    await res.body.dump();
    expect(res.statusCode).toBe(400); // no envelope: refused before routing
  });

  it('creates a user once; a second create is 409 external_user_id_exists', async () => {
    const user = { external_user_id: `emp-new-${randomUUID()}`, email: 'new.person@corp.example', first_name: 'New', last_name: 'Person' };
    const created = await ok('/users/create', user);
    expect(created).toEqual({ ...user, created_at: new Date(clock).toISOString() });
    expectSlug(await call('/users/create', user), 409, 'external_user_id_exists');
    expect(await ok('/users/get', { external_user_id: user.external_user_id })).toEqual(created);
  });

  it('rejects a user without an email, or with a malformed one, as invalid_request', async () => {
    expectSlug(await call('/users/create', { external_user_id: 'x1', first_name: 'A', last_name: 'B' }), 400, 'invalid_request');
    expectSlug(await call('/users/create', { external_user_id: 'x1', email: 'nope', first_name: 'A', last_name: 'B' }), 400, 'invalid_request');
  });

  it('creates a cardholder with KYC decided by the document number, once per user', async () => {
    const products = await ok('/card-products/list');
    expect(products).toEqual([
      { product_id: expect.any(String), name: expect.any(String), brand: 'VISA', currency: 'USD' },
      { product_id: expect.any(String), name: expect.any(String), brand: 'VISA', currency: 'USD' },
    ]);
    const kyc = { first_name: 'Ada', last_name: 'Lovelace', date_of_birth: '1990-12-10', country: 'GB' };
    const statuses: Record<string, string> = {};
    for (const document of ['P1234567', 'PEND-1', 'REJECT-1']) {
      const id = `emp-kyc-${document}`;
      await ok('/users/create', { external_user_id: id, email: `${id}@corp.example`, first_name: 'Ada', last_name: 'Lovelace' });
      const holder = await ok('/cardholders/create', {
        external_user_id: id,
        product_id: products[0].product_id,
        kyc: { ...kyc, id_document_number: document },
      });
      statuses[document] = holder.kyc_status;
      expect(Object.keys(holder).sort()).toEqual(['created_at', 'external_user_id', 'kyc_status', 'product_id']);
      expectSlug(
        await call('/cardholders/create', { external_user_id: id, product_id: products[0].product_id, kyc: { ...kyc, id_document_number: document } }),
        409,
        'cardholder_already_exists',
      );
    }
    expect(statuses).toEqual({ P1234567: 'approved', 'PEND-1': 'pending', 'REJECT-1': 'rejected' });
  });

  it('answers a user without a cardholder with 404 cardholder_not_found, and an unknown user with user_not_found', async () => {
    const bare = [...store.users.keys()].find((id) => !store.cardholders.has(id))!;
    expectSlug(await call('/cardholders/get', { external_user_id: bare }), 404, 'cardholder_not_found');
    expectSlug(await call('/cardholders/get', { external_user_id: 'emp-ghost' }), 404, 'user_not_found');
  });

  it('reads a card only with its own user: another user is 422 card_user_mismatch, an unknown card 404 card_not_found', async () => {
    const card = cardWithStatus('active');
    const other = [...store.users.keys()].find((id) => id !== card.external_user_id)!;
    expect(await ok('/cards/get', cardKey(card))).toEqual(card);
    expectSlug(await call('/cards/get', { external_user_id: other, card_id: card.card_id }), 422, 'card_user_mismatch');
    expectSlug(await call('/cards/get', { external_user_id: card.external_user_id, card_id: 'crd_missing' }), 404, 'card_not_found');
    expectSlug(await call('/cards/get', { external_user_id: card.external_user_id }), 400, 'invalid_request');
  });

  it('returns the card data the gateway never shows, matching the card', async () => {
    const card = cardWithStatus('active');
    const sensitive = await ok('/cards/sensitive', cardKey(card));
    expect(sensitive.pan.endsWith(card.last4)).toBe(true);
    expect(sensitive.cvv).toMatch(/^\d{3}$/);
    expect({ m: sensitive.expiry_month, y: sensitive.expiry_year }).toEqual({ m: card.expiry_month, y: card.expiry_year });
  });

  it('freezes an active card and unfreezes it; repeating is harmless; other statuses are card_not_active', async () => {
    const card = cardWithStatus('active');
    expect((await ok('/cards/freeze', cardKey(card))).status).toBe('frozen');
    expect((await ok('/cards/freeze', cardKey(card))).status).toBe('frozen');
    expect((await ok('/cards/unfreeze', cardKey(card))).status).toBe('active');
    expect((await ok('/cards/unfreeze', cardKey(card))).status).toBe('active');
    expectSlug(await call('/cards/freeze', cardKey(cardWithStatus('closed'))), 422, 'card_not_active');
    expectSlug(await call('/cards/unfreeze', cardKey(cardWithStatus('inactive'))), 422, 'card_not_active');
  });

  it('answers 502 provider_error when the card provider cannot confirm a status change', async () => {
    const card = cardWithStatus('active');
    store.cardProviderDown = true;
    try {
      expectSlug(await call('/cards/freeze', cardKey(card)), 502, 'provider_error');
      expect(card.status).toBe('active');
    } finally {
      store.cardProviderDown = false;
    }
  });
});

describe('corporate sandbox: orders, idempotency and the master wallet', () => {
  const topup = (card: CorporateCard, amount: string, idempotencyKey?: string) =>
    call('/cards/topup', { ...cardKey(card), amount }, { idempotencyKey });

  it('requires an Idempotency-Key on /cards/create and /cards/topup (400 idempotency_key_required)', async () => {
    const user = userWithKyc('approved');
    const holder = store.cardholders.get(user)!;
    expectSlug(await call('/cards/create', { external_user_id: user, product_id: holder.product_id }), 400, 'idempotency_key_required');
    expectSlug(await topup(cardWithStatus('active'), '1.00'), 400, 'idempotency_key_required');
  });

  it('moves a card order pending → processing → completed, one step per /orders/get, and issues the card then', async () => {
    const user = userWithKyc('approved');
    const cardsBefore = store.cards.size;
    const order = await ok(
      '/cards/create',
      { external_user_id: user, product_id: store.cardholders.get(user)!.product_id },
      { idempotencyKey: randomUUID() },
    );
    expect(order).toMatchObject({ type: 'card_issue', status: 'pending', card_id: null, amount: null, failure_reason: null });
    expect(store.cards.size).toBe(cardsBefore);
    expect((await ok('/orders/get', { order_id: order.order_id })).status).toBe('processing');
    expect(store.cards.size).toBe(cardsBefore);
    const done = await ok('/orders/get', { order_id: order.order_id });
    expect(done).toMatchObject({ status: 'completed', card_id: expect.stringMatching(/^crd_/), failure_reason: null });
    expect(store.cards.size).toBe(cardsBefore + 1);
    expect(await ok('/orders/get', { order_id: order.order_id })).toEqual(done);
    const card = await ok('/cards/get', { external_user_id: user, card_id: done.card_id });
    expect(card).toMatchObject({ status: 'active', balance: '0.00', currency: 'USD', brand: 'VISA', external_user_id: user });
  });

  it('fails a card order for a cardholder whose KYC is not approved, without issuing a card', async () => {
    const user = userWithKyc('pending');
    const cardsBefore = store.cards.size;
    const order = await ok('/cards/create', { external_user_id: user, product_id: store.cardholders.get(user)!.product_id }, { idempotencyKey: randomUUID() });
    expect(store.settleOrder(order.order_id)).toMatchObject({ status: 'failed', failure_reason: 'kyc_pending', card_id: null });
    expect(store.cards.size).toBe(cardsBefore);
  });

  it('answers an unknown order with 404 order_not_found', async () => {
    expectSlug(await call('/orders/get', { order_id: 'ord_missing' }), 404, 'order_not_found');
  });

  it('returns the original order for a retried create with the same Idempotency-Key', async () => {
    const user = userWithKyc('approved');
    const payload = { external_user_id: user, product_id: store.cardholders.get(user)!.product_id };
    const key = randomUUID();
    const first = await ok('/cards/create', payload, { idempotencyKey: key });
    const again = await ok('/cards/create', payload, { idempotencyKey: key });
    expect(again.order_id).toBe(first.order_id);
    const other = await ok('/cards/create', payload, { idempotencyKey: randomUUID() });
    expect(other.order_id).not.toBe(first.order_id);
  });

  it('credits the card and debits the master wallet exactly once for a top-up, however often it is retried', async () => {
    const card = cardWithStatus('active');
    const masterBefore = (await ok('/master-wallet/balance')).available;
    const cardBefore = card.balance;
    const transactionsBefore = store.transactionsOf(card.card_id).length;
    const key = randomUUID();

    const order = (await topup(card, '25.00', key)).body.data;
    expect(order).toMatchObject({ type: 'topup', status: 'pending', card_id: card.card_id, amount: '25.00' });
    expect((await topup(card, '25.00', key)).body.data.order_id).toBe(order.order_id);
    expect((await ok('/master-wallet/balance')).available).toBe(masterBefore); // nothing moves before completion

    await ok('/orders/get', { order_id: order.order_id });
    expect((await ok('/orders/get', { order_id: order.order_id })).status).toBe('completed');
    // Retries after completion, and further reads, change nothing.
    expect((await topup(card, '25.00', key)).body.data).toMatchObject({ order_id: order.order_id, status: 'completed' });
    await ok('/orders/get', { order_id: order.order_id });

    expect((await ok('/master-wallet/balance')).available).toBe(formatCents(toCents(masterBefore) - 2_500n));
    expect((await ok('/cards/get', cardKey(card))).balance).toBe(formatCents(toCents(cardBefore) + 2_500n));
    const added = store.transactionsOf(card.card_id).slice(transactionsBefore);
    expect(added).toEqual([expect.objectContaining({ type: 'topup', amount: '25.00', status: 'completed', currency: 'USD' })]);
  });

  it('answers a top-up the master wallet cannot cover with 403 insufficient_funds, and creates no order', async () => {
    const card = cardWithStatus('active');
    const ordersBefore = store.orders.size;
    const tooMuch = formatCents(store.masterCents + 1n);
    expectSlug(await topup(card, tooMuch, randomUUID()), 403, 'insufficient_funds');
    expect(store.orders.size).toBe(ordersBefore);
  });

  it('fails a pending top-up at completion when the master wallet was drained meanwhile, moving no money', async () => {
    const card = cardWithStatus('active');
    const saved = store.masterCents;
    store.masterCents = 10_000n; // 100.00 USDT
    try {
      const first = (await topup(card, '80.00', randomUUID())).body.data;
      const second = (await topup(card, '80.00', randomUUID())).body.data;
      expect(store.settleOrder(first.order_id)).toMatchObject({ status: 'completed' });
      expect(store.settleOrder(second.order_id)).toMatchObject({ status: 'failed', failure_reason: 'insufficient_funds' });
      expect(store.masterCents).toBe(2_000n);
    } finally {
      store.masterCents = saved;
    }
  });

  it('answers a top-up of a card that is not active with 422 card_not_active', async () => {
    for (const status of ['frozen', 'inactive', 'closed'] as const) {
      expectSlug(await topup(cardWithStatus(status), '5.00', randomUUID()), 422, 'card_not_active');
    }
  });

  it.each([['negative', '-5.00'], ['not a number', 'ten'], ['three decimals', '1.234'], ['zero', '0.00'], ['a number', 5]])(
    'answers an amount that is %s with 400 invalid_amount',
    async (_what, amount) => {
      expectSlug(await call('/cards/topup', { ...cardKey(cardWithStatus('active')), amount }, { idempotencyKey: randomUUID() }), 400, 'invalid_amount');
    },
  );

  it('answers 503 topup_attempts_exceeded when the card provider keeps failing a top-up', async () => {
    store.cardProviderDown = true;
    try {
      expectSlug(await topup(cardWithStatus('active'), '5.00', randomUUID()), 503, 'topup_attempts_exceeded');
    } finally {
      store.cardProviderDown = false;
    }
  });

  it('gives a TRC20 USDT deposit address, and counts a deposit in the balance', async () => {
    expect(await ok('/master-wallet/deposit-address')).toEqual({
      network: 'TRC20',
      currency: 'USDT',
      address: expect.stringMatching(/^T[1-9A-HJ-NP-Za-km-z]{33}$/),
    });
    const before = toCents((await ok('/master-wallet/balance')).available);
    store.deposit(12_345n);
    expect(await ok('/master-wallet/balance')).toEqual({ currency: 'USDT', available: formatCents(before + 12_345n) });
  });
});

describe('corporate sandbox: lists', () => {
  async function walk(path: string, payload: Record<string, unknown>, perPage: number) {
    const items: any[] = [];
    for (let page = 1; page < 100; page += 1) {
      const data = await ok(path, { ...payload, page, per_page: perPage });
      expect(data).toMatchObject({ page, per_page: perPage, total: expect.any(Number) });
      items.push(...data.items);
      if (page * perPage >= data.total) {
        expect(items).toHaveLength(data.total);
        return items;
      }
    }
    throw new Error('the list did not end');
  }

  const newestFirst = (items: Array<{ created_at: string }>) =>
    items.every((item, i) => i === 0 || items[i - 1]!.created_at >= item.created_at);

  it('walks every user exactly once, newest first, 7 at a time', async () => {
    const users = await walk('/users/list', {}, 7);
    expect(new Set(users.map((u) => u.external_user_id))).toEqual(new Set(store.users.keys()));
    expect(newestFirst(users)).toBe(true);
  });

  it("walks one card's transactions exactly once, newest first", async () => {
    const card = cardWithStatus('active');
    const transactions = await walk('/cards/transactions', cardKey(card), 5);
    expect(transactions.map((t) => t.transaction_id).sort()).toEqual(store.transactionsOf(card.card_id).map((t) => t.transaction_id).sort());
    expect(newestFirst(transactions)).toBe(true);
  });

  it("lists the account's cards, or one user's", async () => {
    const all = await walk('/cards/list', {}, 100);
    expect(all).toHaveLength(store.cards.size);
    const user = cardWithStatus('active').external_user_id;
    const mine = await walk('/cards/list', { external_user_id: user }, 3);
    expect(mine.every((c) => c.external_user_id === user)).toBe(true);
    expect(mine).toHaveLength([...store.cards.values()].filter((c) => c.external_user_id === user).length);
  });

  it('defaults to page 1 of 20, answers an empty page past the end, and refuses per_page above 100', async () => {
    expect(await ok('/users/list')).toMatchObject({ page: 1, per_page: 20, total: store.users.size });
    expect((await ok('/users/list', { page: 50, per_page: 10 })).items).toEqual([]);
    expectSlug(await call('/users/list', { per_page: 101 }), 400, 'invalid_request');
    expectSlug(await call('/users/list', { page: 0 }), 400, 'invalid_request');
  });
});

describe('corporate sandbox: seeded data', () => {
  const fresh = seededCorporateStore(7, () => clock);
  const snapshot = (s: CorporateStore) =>
    JSON.stringify([[...s.users.values()], [...s.cardholders.values()], [...s.cards.values()], [...s.transactions.values()], [...s.orders.values()], s.depositAddress]);

  it('is identical for the same seed, ids included, and different for another', () => {
    expect(snapshot(seededCorporateStore(7, () => clock))).toBe(snapshot(fresh));
    expect(snapshot(seededCorporateStore(8, () => clock))).not.toBe(snapshot(fresh));
  });

  it('holds 24 users, 20 of them cardholders, with every KYC state', () => {
    expect(fresh.users.size).toBe(CORPORATE_SEED_COUNTS.users);
    expect(fresh.users.size).toBeGreaterThanOrEqual(22);
    expect(fresh.cardholders.size).toBe(20);
    expect([...fresh.users.keys()].filter((id) => !fresh.cardholders.has(id))).toHaveLength(4);
    expect(new Set([...fresh.cardholders.values()].map((c) => c.kyc_status))).toEqual(new Set(['pending', 'approved', 'rejected']));
  });

  it('holds at least 32 cards in every status, all of approved cardholders', () => {
    const cards = [...fresh.cards.values()];
    expect(cards.length).toBeGreaterThanOrEqual(32);
    expect(new Set(cards.map((c) => c.status))).toEqual(new Set(['active', 'frozen', 'inactive', 'closed']));
    expect(cards.every((c) => fresh.cardholders.get(c.external_user_id)?.kyc_status === 'approved')).toBe(true);
    expect(cards.every((c) => c.last4 === fresh.sensitive.get(c.card_id)!.pan.slice(-4))).toBe(true);
  });

  it('holds at least 320 transactions of every type and status, none on a card never activated', () => {
    const transactions = [...fresh.transactions.values()];
    expect(transactions.length).toBeGreaterThanOrEqual(320);
    expect(new Set(transactions.map((t) => t.type))).toEqual(new Set(['purchase', 'refund', 'topup', 'fee']));
    expect(new Set(transactions.map((t) => t.status))).toEqual(new Set(['pending', 'completed', 'declined', 'reversed']));
    expect(transactions.every((t) => fresh.cards.get(t.card_id)!.status !== 'inactive')).toBe(true);
  });

  it("keeps every card's balance equal to its completed credits less its completed debits, never negative", () => {
    for (const card of fresh.cards.values()) {
      let cents = 0n;
      for (const t of fresh.transactionsOf(card.card_id)) {
        if (t.status !== 'completed') continue;
        cents += t.type === 'refund' || t.type === 'topup' ? toCents(t.amount) : -toCents(t.amount);
      }
      expect(card.balance).toBe(formatCents(cents));
      expect(cents >= 0n).toBe(true);
    }
  });

  it('holds orders of both types in every state, and a funded master wallet', () => {
    const orders = [...fresh.orders.values()].map((r) => r.order);
    expect(orders).toHaveLength(CORPORATE_SEED_COUNTS.orders);
    for (const type of ['card_issue', 'topup']) {
      const states = new Set(orders.filter((o) => o.type === type).map((o) => o.status));
      expect(states).toEqual(new Set(['pending', 'processing', 'completed', 'failed']));
    }
    expect(orders.filter((o) => o.status === 'failed').every((o) => o.failure_reason !== null)).toBe(true);
    expect(fresh.masterCents).toBe(CORPORATE_MASTER_OPENING_CENTS);
  });

  it('completes a seeded pending card order into a new card when polled', () => {
    const store2 = seededCorporateStore(7, () => clock);
    const pending = [...store2.orders.values()].find((r) => r.order.type === 'card_issue' && r.order.status === 'pending')!;
    const before = store2.cards.size;
    expect(store2.settleOrder(pending.order.order_id)).toMatchObject({ status: 'completed', card_id: expect.any(String) });
    expect(store2.cards.size).toBe(before + 1);
  });
});
