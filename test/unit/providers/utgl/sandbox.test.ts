import { createHash, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { request, type Dispatcher } from 'undici';
import { createUtglSandbox, type UtglStore, type UtglSandbox } from '../../../../src/providers/utgl/sandbox/index.js';
import type { UtglAccount, UtglCard, UtglTransaction } from '../../../../src/providers/utgl/sandbox/store.js';
import { SEED_EPOCH } from '../../../../src/sandbox/random.js';
import { seededUtglStore } from '../../../../src/providers/utgl/sandbox/seed.js';

const ACCESS_KEY = 'ak_test_utgl';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_KEY_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const INSUFFICIENT_BALANCE_MESSAGE =
  'The funding account has insufficient balance to complete the transfer. Create a Transfer to fund the source account.';

let sandbox: UtglSandbox;
let baseUrl: string;

beforeAll(async () => {
  sandbox = createUtglSandbox({ accessKey: ACCESS_KEY, publicKeyPem: PUBLIC_KEY_PEM });
  baseUrl = await sandbox.server.start();
});

afterAll(async () => {
  await sandbox.server.stop();
});

// ---- A signing client, with knobs to break one rule at a time.

interface SignOverrides {
  claims?: Record<string, unknown>;
  omit?: string[];
  kid?: string;
  alg?: string;
  key?: KeyObject | Uint8Array;
}

interface CallOptions {
  body?: unknown;
  idempotencyKey?: string;
  sign?: SignOverrides;
  /** Replaces the Authorization header entirely (null: no header). */
  authorization?: string | null;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; the assertions check its shape. */
  body: any;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function signToken(method: string, uri: string, body: string, overrides: SignOverrides = {}): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    sub: ACCESS_KEY,
    uri,
    method,
    body_sha256: sha256(body),
    iat,
    exp: iat + 30,
    jti: randomUUID(),
    ...overrides.claims,
  };
  for (const name of overrides.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: overrides.alg ?? 'RS256', typ: 'JWT', kid: overrides.kid ?? ACCESS_KEY })
    .sign(overrides.key ?? privateKey);
}

async function call(method: string, uri: string, options: CallOptions = {}): Promise<Reply> {
  const body = options.body === undefined ? '' : JSON.stringify(options.body);
  const headers: Record<string, string> = {};
  const authorization =
    options.authorization === undefined
      ? `Bearer ${await signToken(method, uri, body, options.sign)}`
      : options.authorization;
  if (authorization !== null) headers.authorization = authorization;
  if (body) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  const res = await request(`${baseUrl}${uri}`, {
    method: method as Dispatcher.HttpMethod,
    headers,
    body: body || undefined,
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() };
}

// ---- Helpers over the seeded data.

const cents = (amount: string) => {
  const [whole = '0', fraction = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
};
const amountOf = (value: bigint) => `${value / 100n}.${(value % 100n).toString().padStart(2, '0')}`;

function accounts(): UtglAccount[] {
  return [...sandbox.store.accounts.values()];
}

/** Two distinct accounts in the same currency, the source with at least `minCents`. */
function accountPair(minCents = 10_000n): { source: UtglAccount; destination: UtglAccount } {
  for (const source of accounts()) {
    if (cents(source.balance) < minCents) continue;
    const destination = accounts().find((a) => a.currency === source.currency && a.id !== source.id);
    if (destination) return { source, destination };
  }
  throw new Error('no funded account pair in the seed');
}

async function balanceOf(accountId: string): Promise<string> {
  const reply = await call('GET', `/v1/accounts/${accountId}`);
  expect(reply.status).toBe(200);
  return reply.body.balance;
}

function cardWithStatus(status: UtglCard['status']): UtglCard {
  const card = [...sandbox.store.cards.values()].find((c) => c.status === status);
  if (!card) throw new Error(`no ${status} card in the seed`);
  return card;
}

function expectNewestFirst(items: Array<{ id: string; created_at?: string; createdAt?: string }>): void {
  for (let i = 1; i < items.length; i += 1) {
    const prev = items[i - 1]!;
    const cur = items[i]!;
    const [a, b] = [prev.created_at ?? prev.createdAt!, cur.created_at ?? cur.createdAt!];
    expect(a > b || (a === b && prev.id > cur.id)).toBe(true);
  }
}

function transferBody(source: UtglAccount, destination: UtglAccount, amount: string) {
  return {
    source_account_id: source.id,
    destination_account_id: destination.id,
    amount,
    currency: source.currency,
    reference: `test-${randomUUID()}`,
  };
}

// ---- Authentication

describe('utgl sandbox authentication', () => {
  it('accepts a correctly signed GET with a query string', async () => {
    const reply = await call('GET', '/v1/cards?limit=5');

    expect(reply.status).toBe(200);
    expect(reply.body.data).toHaveLength(5);
    expect(reply.headers['x-request-id']).toEqual(expect.any(String));
    expect(reply.headers['content-type']).toBe('application/json');
  });

  it('accepts a correctly signed POST with its body hash', async () => {
    const reply = await call('POST', '/v1/accounts', { body: { name: 'Signed', currency: 'USD' } });

    expect(reply.status).toBe(201);
  });

  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const now = () => Math.floor(Date.now() / 1000);
  const uri = '/v1/cards?limit=2';
  const rejected: Array<[string, CallOptions, string | RegExp]> = [
    ['a token signed with another key', { sign: { key: otherKey } }, 'JWT signature verification failed'],
    ['an HS256 token', { sign: { alg: 'HS256', key: new TextEncoder().encode('x'.repeat(32)) } }, 'JWT alg must be RS256'],
    ['a kid that is not the access key', { sign: { kid: 'ak_someone_else' } }, 'kid is not a known access key'],
    ['a sub that is not the access key', { sign: { claims: { sub: 'ak_x' } } }, 'sub claim does not match the access key'],
    ['a uri without the query string', { sign: { claims: { uri: '/v1/cards' } } }, 'uri claim does not match the request'],
    ['a method claim for another method', { sign: { claims: { method: 'PUT' } } }, 'method claim does not match the request'],
    ['a lower-case method claim', { sign: { claims: { method: 'get' } } }, 'method claim does not match the request'],
    [
      'a body hash of another body',
      { sign: { claims: { body_sha256: sha256('{}') } } },
      'body_sha256 claim does not match the request body',
    ],
    // iat pinned beside exp: the table is built at load time, and a busy machine may sign a second later.
    ['an exp more than 30 s after iat', { sign: { claims: { iat: now(), exp: now() + 31 } } }, /more than 30 seconds after iat/],
    // exp ≤ iat + 30 with iat 60 s old means exp has passed too: either reason is a rejection.
    ['an iat 60 s old', { sign: { claims: { iat: now() - 60, exp: now() - 30 } } }, /expired|older than 30 seconds/],
    ['an iat a minute ahead', { sign: { claims: { iat: now() + 60, exp: now() + 80 } } }, 'iat claim is in the future'],
    ['a missing exp', { sign: { omit: ['exp'] } }, 'exp claim is missing'],
    ['a missing jti', { sign: { omit: ['jti'] } }, 'jti claim is missing'],
    ['no Authorization header', { authorization: null }, 'Missing or malformed Authorization header'],
    ['a Basic Authorization header', { authorization: 'Basic dXNlcjpwYXNz' }, 'Missing or malformed Authorization header'],
  ];

  it.each(rejected)('rejects %s with 401 INVALID_SIGNATURE', async (_what, options, message) => {
    const reply = await call('GET', uri, options);

    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ code: 'INVALID_SIGNATURE', message: expect.stringMatching(message) });
  });

  it('rejects a body that does not match the signed hash', async () => {
    const body = JSON.stringify({ name: 'Tampered', currency: 'USD' });
    const token = await signToken('POST', '/v1/accounts', JSON.stringify({ name: 'Original', currency: 'USD' }));
    const res = await request(`${baseUrl}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });

    expect(res.statusCode).toBe(401);
    expect(await res.body.json()).toEqual({
      code: 'INVALID_SIGNATURE',
      message: 'body_sha256 claim does not match the request body',
    });
  });

  it('rejects a jti reused within 60 s, after accepting it once', async () => {
    const jti = randomUUID();

    const first = await call('GET', '/v1/cardholders?limit=1', { sign: { claims: { jti } } });
    const second = await call('GET', '/v1/cardholders?limit=1', { sign: { claims: { jti } } });

    expect(first.status).toBe(200);
    expect(second.status).toBe(401);
    expect(second.body.code).toBe('INVALID_SIGNATURE');
  });

  it('says what failed without echoing the token', async () => {
    const token = await signToken('GET', '/v1/cards', '');
    const res = await request(`${baseUrl}/v1/cards?limit=2`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.body.text();

    expect(res.statusCode).toBe(401);
    expect(JSON.parse(text).message).toBe('uri claim does not match the request');
    expect(text).not.toContain(token.split('.')[2]);
  });
});

// ---- Lists

describe('utgl sandbox lists', () => {
  it('walks every transaction newest first with no duplicate and no gap', async () => {
    const seen: UtglTransaction[] = [];
    let cursor: string | null = null;
    do {
      const uri: string = `/v1/transactions?limit=37${cursor ? `&starting_after=${cursor}` : ''}`;
      const reply = await call('GET', uri);
      expect(reply.status).toBe(200);
      const page = reply.body.data as UtglTransaction[];
      expect(reply.body.next_cursor).toBe(reply.body.has_more ? page[page.length - 1]!.id : null);
      seen.push(...page);
      cursor = reply.body.next_cursor;
    } while (cursor);

    const ids = seen.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([...sandbox.store.transactions.keys()].sort());
    expectNewestFirst(seen);
  });

  it('answers 20 items by default', async () => {
    const reply = await call('GET', '/v1/cardholders');

    expect(reply.body.data).toHaveLength(20);
    expect(reply.body.has_more).toBe(true);
    expect(reply.body.next_cursor).toBe(reply.body.data[19].id);
  });

  it('orders accounts newest first by their camelCase createdAt', async () => {
    const reply = await call('GET', '/v1/accounts?limit=100');

    expect(reply.body.data).toHaveLength(sandbox.store.accounts.size);
    expectNewestFirst(reply.body.data);
  });

  it('filters transactions by card and cards by cardholder', async () => {
    const card = [...sandbox.store.cards.values()].find((c) =>
      [...sandbox.store.transactions.values()].some((t) => t.card_id === c.id),
    )!;
    const expected = [...sandbox.store.transactions.values()].filter((t) => t.card_id === card.id);

    const byCard = await call('GET', `/v1/transactions?card_id=${card.id}&limit=100`);
    const byHolder = await call('GET', `/v1/cards?cardholder_id=${card.cardholder_id}&limit=100`);

    expect(byCard.body.data.map((t: UtglTransaction) => t.id).sort()).toEqual(expected.map((t) => t.id).sort());
    expect(byHolder.body.data.length).toBeGreaterThan(0);
    expect(byHolder.body.data.every((c: UtglCard) => c.cardholder_id === card.cardholder_id)).toBe(true);
  });

  it.each(['0', '101', 'abc', '2.5', '-1'])('rejects limit=%s with 400 INVALID_PARAMETERS', async (limit) => {
    const reply = await call('GET', `/v1/cardholders?limit=${limit}`);

    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'INVALID_PARAMETERS', details: { field: 'limit' } });
  });

  it('rejects an unknown starting_after id', async () => {
    const reply = await call('GET', '/v1/cards?starting_after=card_doesnotexist');

    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'INVALID_PARAMETERS', details: { field: 'starting_after' } });
  });

  it('returns a batch of cards by ids, omitting unknown ones', async () => {
    const ids = [...sandbox.store.cards.keys()].slice(0, 3);

    const reply = await call('GET', `/v1/cards?ids=${[ids[2], 'card_unknown', ids[0], ids[1]].join(',')}`);

    expect(reply.status).toBe(200);
    expect(reply.body.data.map((c: UtglCard) => c.id)).toEqual([ids[2], ids[0], ids[1]]);
    expect(reply.body.has_more).toBe(false);
    expect(reply.body.next_cursor).toBeNull();
  });

  it('rejects a batch of more than 100 ids', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `card_${i}`).join(',');

    const reply = await call('GET', `/v1/cards?ids=${ids}`);

    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'INVALID_PARAMETERS', details: { field: 'ids' } });
  });

  it('requires a reference to list transfers', async () => {
    const reply = await call('GET', '/v1/transfers');

    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'INVALID_PARAMETERS', details: { field: 'reference', reason: 'required' } });
  });

  it('finds a card by reference, and none for an unknown reference', async () => {
    const card = [...sandbox.store.cards.values()][5]!;

    const found = await call('GET', `/v1/cards?reference=${card.reference}`);
    const missing = await call('GET', '/v1/cards?reference=no-such-reference');

    expect(found.body).toEqual({ data: [card], has_more: false, next_cursor: null });
    expect(missing.body).toEqual({ data: [], has_more: false, next_cursor: null });
  });
});

// ---- Reads and card writes

describe('utgl sandbox cards and cardholders', () => {
  it('answers 404 INVALID_CARD_ACCOUNT for an unknown card', async () => {
    const reply = await call('GET', '/v1/cards/card_0000000000000000');

    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ code: 'INVALID_CARD_ACCOUNT', message: 'The card account is invalid or does not exist.' });
  });

  it('answers 404 NOT_FOUND for an unknown cardholder and an unknown route', async () => {
    const cardholder = await call('GET', '/v1/cardholders/ch_0000000000000000');
    const route = await call('GET', '/v1/nothing-here');

    expect(cardholder.status).toBe(404);
    expect(cardholder.body.code).toBe('NOT_FOUND');
    expect(route.status).toBe(404);
    expect(route.body.code).toBe('NOT_FOUND');
  });

  it('refuses to change a lost card with 409 CONFLICT', async () => {
    const card = cardWithStatus('lost');

    const reply = await call('PATCH', `/v1/cards/${card.id}`, { body: { status: 'active' } });

    expect(reply.status).toBe(409);
    expect(reply.body.code).toBe('CONFLICT');
    expect(sandbox.store.cards.get(card.id)!.status).toBe('lost');
  });

  it('refuses to change an expired card', async () => {
    const reply = await call('PATCH', `/v1/cards/${cardWithStatus('expired').id}`, { body: { status: 'frozen' } });

    expect(reply.status).toBe(409);
    expect(reply.body.code).toBe('CONFLICT');
  });

  it('freezes an active card and unfreezes it', async () => {
    const card = cardWithStatus('active');

    const frozen = await call('PATCH', `/v1/cards/${card.id}`, { body: { status: 'frozen', reason: 'travel' } });
    const active = await call('PATCH', `/v1/cards/${card.id}`, { body: { status: 'active' } });

    expect(frozen.status).toBe(200);
    expect(frozen.body.status).toBe('frozen');
    expect(active.body.status).toBe('active');
  });

  it('rejects a status outside the PATCH enum', async () => {
    const reply = await call('PATCH', `/v1/cards/${cardWithStatus('active').id}`, { body: { status: 'expired' } });

    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'INVALID_PARAMETERS', details: { field: 'status' } });
  });

  it('creates a cardholder pending KYC and validates required fields', async () => {
    const good = await call('POST', '/v1/cardholders', {
      body: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', reference: 'cust-ada' },
    });
    const missing = await call('POST', '/v1/cardholders', {
      body: { first_name: 'Ada', last_name: 'Lovelace', reference: 'cust-ada-2' },
    });

    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({
      id: expect.stringMatching(/^ch_/),
      phone: null,
      status: 'active',
      kyc_status: 'pending',
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      code: 'INVALID_PARAMETERS',
      message: 'Validation failed',
      details: { field: 'email', reason: 'required' },
    });
  });

  it('rejects malformed JSON with 400 INVALID_PARAMETERS', async () => {
    const body = '{"first_name": ';
    const token = await signToken('POST', '/v1/cardholders', body);
    const res = await request(`${baseUrl}/v1/cardholders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });

    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { code: string }).code).toBe('INVALID_PARAMETERS');
  });

  it('creates an account with a zero balance and a camelCase createdAt', async () => {
    const reply = await call('POST', '/v1/accounts', { body: { name: 'Travel', currency: 'EUR' } });

    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ balance: '0.00', currency: 'EUR', status: 'active', cardholder_id: null });
    expect(reply.body.createdAt).toEqual(expect.any(String));
    expect(reply.body).not.toHaveProperty('created_at');
  });

  it('issues a card whose last4 ends a Luhn-valid PAN, and refuses its reference again', async () => {
    const account = accounts().find((a) => a.cardholder_id !== null)!;
    const body = {
      account_id: account.id,
      cardholder_id: account.cardholder_id,
      reference: `ref-${randomUUID()}`,
      type: 'virtual',
    };

    const created = await call('POST', '/v1/cards', { body });
    const sensitive = await call('GET', `/v1/cards/${created.body.id}/sensitive`);
    const again = await call('POST', '/v1/cards', { body });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ brand: 'VISA', status: 'active', type: 'virtual', account_id: account.id });
    expect(sensitive.body.pan.slice(-4)).toBe(created.body.last4);
    expect(luhnValid(sensitive.body.pan)).toBe(true);
    expect(sensitive.body).toMatchObject({ exp_month: created.body.exp_month, exp_year: created.body.exp_year });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ code: 'INVALID_PARAMETERS', message: 'A card with this reference already exists' });
  });

  it('refuses a card on an unknown account or for an unknown cardholder', async () => {
    const account = accounts()[0]!;
    const card = (accountId: string, cardholderId: string | null) => ({
      account_id: accountId,
      cardholder_id: cardholderId,
      reference: `r-${randomUUID()}`,
      type: 'physical',
    });

    const unknownAccount = await call('POST', '/v1/cards', { body: card('acc_nope', account.cardholder_id) });
    const unknownHolder = await call('POST', '/v1/cards', { body: card(account.id, 'ch_nope') });

    expect(unknownAccount.status).toBe(400);
    expect(unknownAccount.body.code).toBe('INVALID_ACCOUNT');
    expect(unknownHolder.status).toBe(400);
    expect(unknownHolder.body).toMatchObject({ code: 'INVALID_PARAMETERS', details: { field: 'cardholder_id' } });
  });
});

function luhnValid(pan: string): boolean {
  let sum = 0;
  [...pan].reverse().forEach((ch, i) => {
    let d = Number(ch);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  });
  return sum % 10 === 0;
}

// ---- Transfers and idempotency

describe('utgl sandbox transfers', () => {
  it('refuses a transfer above the balance with 400 INSUFFICIENT_BALANCE and moves nothing', async () => {
    const { source, destination } = accountPair();
    const [before, destBefore] = [source.balance, destination.balance];

    const reply = await call('POST', '/v1/transfers', {
      body: transferBody(source, destination, amountOf(cents(before) + 1n)),
      idempotencyKey: randomUUID(),
    });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: 'INSUFFICIENT_BALANCE', message: INSUFFICIENT_BALANCE_MESSAGE });
    expect(await balanceOf(source.id)).toBe(before);
    expect(await balanceOf(destination.id)).toBe(destBefore);
  });

  it('moves exact amounts and records a completed transfer and a transfer transaction', async () => {
    const { source, destination } = accountPair();
    const [sourceBefore, destBefore] = [cents(source.balance), cents(destination.balance)];

    const first = await call('POST', '/v1/transfers', { body: transferBody(source, destination, '0.10') });
    const second = await call('POST', '/v1/transfers', { body: transferBody(source, destination, '0.2') });

    expect(first.status).toBe(201);
    expect(second.body).toMatchObject({ amount: '0.20', currency: source.currency, status: 'completed' });
    expect(await balanceOf(source.id)).toBe(amountOf(sourceBefore - 30n));
    expect(await balanceOf(destination.id)).toBe(amountOf(destBefore + 30n));
    const lookup = await call('GET', `/v1/transfers?reference=${first.body.reference}`);
    expect(lookup.body.data).toEqual([first.body]);
    const byId = await call('GET', `/v1/transfers/${second.body.id}`);
    expect(byId.body).toEqual(second.body);
    const latest = await call('GET', `/v1/transactions?account_id=${source.id}&limit=1`);
    expect(latest.body.data[0]).toMatchObject({ type: 'transfer', amount: '0.20', merchant: null, card_id: null });
  });

  it('funds a card by crediting its account', async () => {
    const { source } = accountPair();
    const card = [...sandbox.store.cards.values()].find((c) => {
      const account = sandbox.store.accounts.get(c.account_id)!;
      return c.status === 'active' && account.currency === source.currency && account.id !== source.id;
    })!;
    const cardAccountBefore = cents(sandbox.store.accounts.get(card.account_id)!.balance);

    const reply = await call('POST', '/v1/transfers', {
      body: {
        source_account_id: source.id,
        destination_card_id: card.id,
        amount: '12.34',
        currency: source.currency,
        reference: `t-${randomUUID()}`,
      },
    });

    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ destination_card_id: card.id, destination_account_id: null });
    expect(await balanceOf(card.account_id)).toBe(amountOf(cardAccountBefore + 1234n));
  });

  it.each([['-5.00'], ['0.00'], ['1.234'], ['abc'], [5]])('rejects amount %p as not positive', async (amount) => {
    const { source, destination } = accountPair();

    const reply = await call('POST', '/v1/transfers', { body: { ...transferBody(source, destination, '1.00'), amount } });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      code: 'INVALID_PARAMETERS',
      message: 'Validation failed',
      details: { field: 'amount', reason: 'must_be_positive' },
    });
  });

  it('rejects a currency other than the source account’s', async () => {
    const { source, destination } = accountPair();
    const other = source.currency === 'USD' ? 'EUR' : 'USD';

    const body = { ...transferBody(source, destination, '1.00'), currency: other };

    const reply = await call('POST', '/v1/transfers', { body });

    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'INVALID_PARAMETERS', details: { field: 'currency' } });
  });

  it('answers 409 to a reused transfer reference without moving money', async () => {
    const { source, destination } = accountPair();
    const body = transferBody(source, destination, '1.00');
    await call('POST', '/v1/transfers', { body });
    const balance = await balanceOf(source.id);

    const again = await call('POST', '/v1/transfers', { body });

    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INVALID_PARAMETERS');
    expect(await balanceOf(source.id)).toBe(balance);
  });

  it('replays a POST with the same key and body, moving money once', async () => {
    const { source, destination } = accountPair();
    const before = cents(source.balance);
    const body = transferBody(source, destination, '3.33');
    const idempotencyKey = randomUUID();

    const first = await call('POST', '/v1/transfers', { body, idempotencyKey });
    const replay = await call('POST', '/v1/transfers', { body, idempotencyKey });

    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(await balanceOf(source.id)).toBe(amountOf(before - 333n));
  });

  it('replays a stored error even once the request would succeed', async () => {
    const { source, destination } = accountPair();
    const body = transferBody(destination, source, amountOf(cents(destination.balance) + 100n));
    const idempotencyKey = randomUUID();

    const first = await call('POST', '/v1/transfers', { body, idempotencyKey });
    await call('POST', '/v1/transfers', { body: transferBody(source, destination, '2.00') });
    const replay = await call('POST', '/v1/transfers', { body, idempotencyKey });

    expect(first.body.code).toBe('INSUFFICIENT_BALANCE');
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual(first.body);
  });

  it('answers 409 when a key is reused with a different body', async () => {
    const { source, destination } = accountPair();
    const idempotencyKey = randomUUID();
    await call('POST', '/v1/transfers', { body: transferBody(source, destination, '1.00'), idempotencyKey });
    const balance = await balanceOf(source.id);

    const reply = await call('POST', '/v1/transfers', { body: transferBody(source, destination, '1.00'), idempotencyKey });

    expect(reply.status).toBe(409);
    expect(reply.body).toEqual({ code: 'INVALID_PARAMETERS', message: 'Idempotency key reused with a different body' });
    expect(await balanceOf(source.id)).toBe(balance);
  });
});

// ---- Seeded data

describe('utgl sandbox seed', () => {
  const snapshot = (store: UtglStore) => ({
    cardholders: [...store.cardholders.values()],
    accounts: [...store.accounts.values()],
    cards: [...store.cards.values()],
    sensitive: [...store.cardSensitive.entries()],
    transfers: [...store.transfers.values()],
    transactions: [...store.transactions.values()],
  });

  it('is identical for the same seed, ids included, and differs for another seed', () => {
    const options = { accessKey: ACCESS_KEY, publicKeyPem: PUBLIC_KEY_PEM, seed: 7 };

    const a = createUtglSandbox(options).store;
    const b = createUtglSandbox(options).store;
    const c = seededUtglStore(8);

    expect(snapshot(a)).toEqual(snapshot(b));
    expect([...c.cards.keys()]).not.toEqual([...a.cards.keys()]);
  });

  it('has the required counts and variety', () => {
    const store = seededUtglStore();
    const values = <T, K extends keyof T>(map: Map<string, T>, key: K) => new Set([...map.values()].map((v) => v[key]));

    expect(store.cardholders.size).toBeGreaterThanOrEqual(24);
    expect(store.accounts.size).toBeGreaterThanOrEqual(14);
    expect(store.cards.size).toBeGreaterThanOrEqual(36);
    expect(store.transactions.size).toBeGreaterThanOrEqual(360);
    expect(values(store.cardholders, 'kyc_status')).toEqual(new Set(['pending', 'approved', 'rejected']));
    expect(values(store.cardholders, 'status')).toEqual(new Set(['active', 'inactive']));
    expect(values(store.accounts, 'currency')).toEqual(new Set(['USD', 'EUR']));
    expect([...store.accounts.values()].filter((a) => a.cardholder_id === null).length).toBeGreaterThanOrEqual(2);
    expect(values(store.cards, 'status')).toEqual(new Set(['active', 'frozen', 'lost', 'stolen', 'closed', 'expired']));
    expect(values(store.cards, 'type')).toEqual(new Set(['virtual', 'physical']));
    expect(values(store.transactions, 'type')).toEqual(new Set(['purchase', 'refund', 'transfer', 'fee']));
    expect(values(store.transactions, 'status')).toEqual(new Set(['pending', 'posted', 'declined', 'reversed']));
  });

  it('keeps merchants on purchases and refunds only, expired cards in the past and ids prefixed', () => {
    const store = seededUtglStore();
    const epoch = new Date(SEED_EPOCH);

    for (const t of store.transactions.values()) {
      expect(t.merchant === null).toBe(t.type !== 'purchase' && t.type !== 'refund');
      expect(t.id).toMatch(/^txn_[0-9a-f]{16}$/);
      expect(Date.parse(t.created_at)).toBeLessThan(SEED_EPOCH);
    }
    for (const card of store.cards.values()) {
      const expiresBeforeEpoch =
        card.exp_year < epoch.getUTCFullYear() ||
        (card.exp_year === epoch.getUTCFullYear() && card.exp_month <= epoch.getUTCMonth());
      expect(expiresBeforeEpoch).toBe(card.status === 'expired');
      expect(card.id).toMatch(/^card_[0-9a-f]{16}$/);
    }
    for (const account of store.accounts.values()) expect(account.balance).toMatch(/^\d+\.\d{2}$/);
  });
});
