import { request } from 'undici';
import {
  IP_NOT_ALLOWED_XML,
  PUSHPULL_RULES,
  PUSHPULL_SEED_COUNTS,
  UNKNOWN_OUTCOME_AMOUNT,
  type PushpullAccount,
  type PushpullTransaction,
} from '../../../../src/providers/pushpull/sandbox/store.js';
import { PLANTED_TRANSACTIONS, seededPushpullStore } from '../../../../src/providers/pushpull/sandbox/seed.js';
import {
  type PushpullStore,
  createPushpullSandbox,
  type PushpullSandbox,
} from '../../../../src/providers/pushpull/sandbox/index.js';

const CLIENT_ID = 'cp-unit';
const TOKEN = 'tok_unit_pushpull';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** The simulator's clock, moved by hand: polling, blocking, settlement and ages are exact. */
let clockMs = 1_800_000_000_000;
const advance = (ms: number) => (clockMs += ms);

let sandbox: PushpullSandbox;
let store: PushpullStore;
let baseUrl: string;
/** Seeded accounts (the tests create more); the newest holds the planted JPY/BHD transactions. */
let seeded: Set<string>;
let plantedAccountId: string;

beforeAll(async () => {
  sandbox = createPushpullSandbox({ clientId: CLIENT_ID, token: TOKEN, now: () => clockMs });
  store = sandbox.store;
  seeded = new Set(store.accounts.keys());
  plantedAccountId = store.listedAccounts()[0]!.account_id;
  baseUrl = await sandbox.server.start();
});

afterAll(async () => {
  await sandbox.server.stop();
});

afterEach(() => {
  store.unblockAll();
  store.resetPolling();
  store.ipAllowed = true;
  store.ipDeniedStatus = 403;
  store.client.status = 'active';
  store.forceUnknownOutcome = false;
  store.deniedOperations.clear();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON when the answer is JSON; the assertions check its shape. */
  body: any;
}

interface CallOptions {
  body?: unknown;
  /** Sent exactly as given (for unpacked or non-JSON bodies). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Overrides the content type of a body (null: none). */
  contentType?: string | null;
}

const p = (relative = '') => `/v1/clients/${CLIENT_ID}${relative}`;

async function call(method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH', path: string, options: CallOptions = {}): Promise<Reply> {
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  const res = await request(`${baseUrl}${path}`, {
    method,
    headers: { ...(payload !== undefined && contentType ? { 'content-type': contentType } : {}), ...(options.headers ?? AUTH) },
    body: payload,
  });
  const text = await res.body.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, body };
}

const get = (path: string, options?: CallOptions) => call('GET', path, options);
const post = (path: string, body: unknown, options?: CallOptions) => call('POST', path, { ...options, body });

const claimed = new Set<string>();
/** A listed (active) seeded account matching `predicate` that no other test has touched. */
function freshAccount(predicate: (a: PushpullAccount) => boolean = () => true): PushpullAccount {
  const account = store
    .listedAccounts()
    .find((a) => seeded.has(a.account_id) && a.account_id !== plantedAccountId && !claimed.has(a.account_id) && predicate(a));
  if (!account) throw new Error('no unclaimed account matches');
  claimed.add(account.account_id);
  return account;
}

const deletedAccount = () => [...store.accounts.values()].find((a) => a.status === 'deleted')!;
const anyTransaction = (predicate: (t: PushpullTransaction) => boolean = () => true) => [...store.transactions.values()].find(predicate)!;
const unknownTransactionId = (i: number) => `txn_${i.toString(16).padStart(16, 'f')}`;
let referenceCounter = 0;
const newReference = () => `ref-unit-${++referenceCounter}`;

function luhn(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

describe('the transport rules', () => {
  it('answers a wrong bearer token with 401', async () => {
    const res = await get(p('/accounts'), { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ EC: 'Unauthorized', EM: expect.stringMatching(/Bearer Token/) });
  });

  it('answers a missing Authorization header with 401', async () => {
    expect((await get(p('/accounts'), { headers: {} })).status).toBe(401);
  });

  it('answers an unknown ClientID with 404', async () => {
    const res = await get('/v1/clients/someone-else/accounts');
    expect(res.status).toBe(404);
    expect(res.body.EM).toMatch(/ClientID/);
  });

  it('answers an unknown URL under the client with 404', async () => {
    const res = await get(p('/wallets'));
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ EC: 'NotFound', EM: 'The URL is invalid' });
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const res = await call('PUT', p(`/accounts/${freshAccount().account_id}`), { body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, DELETE');
    expect(res.body.EC).toBe('MethodNotAllowed');
  });

  it('answers a body that is not application/json with 415', async () => {
    const res = await call('POST', p('/cards/query'), { rawBody: '{"card_number":"4111111111111111"}', contentType: 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.body.EM).toBe('Content-type must be application/json');
  });

  it('answers a body that is not packed (contains a newline) with 400', async () => {
    const res = await call('POST', p('/cards/query'), { rawBody: JSON.stringify({ card_number: '4111111111111111' }, null, 2) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ EC: 'MalformedBody', EM: expect.stringMatching(/packed/) });
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await call('POST', p('/cards/query'), { rawBody: 'card_number=4111' });
    expect(res.status).toBe(400);
    expect(res.body.EM).toMatch(/malformed/);
  });

  it('answers more than 40 header lines with 431', async () => {
    const headers: Record<string, string> = { ...AUTH };
    for (let i = 0; i < 40; i += 1) headers[`x-extra-${i}`] = 'x';
    const res = await get(p('/accounts'), { headers });
    expect(res.status).toBe(431);
    expect(res.body.EC).toBe('HeaderFieldsTooLarge');
  });

  it('answers more than 8 KiB of headers with 431', async () => {
    const res = await get(p('/accounts'), { headers: { ...AUTH, 'x-big': 'a'.repeat(8 * 1024) } });
    expect(res.status).toBe(431);
  });

  it('accepts 40 header lines in 8 KiB', async () => {
    const headers: Record<string, string> = { ...AUTH };
    // undici adds host and connection: 40 lines in all.
    for (let i = 0; i < 37; i += 1) headers[`x-extra-${i}`] = 'x';
    expect((await get(p('/accounts'), { headers })).status).toBe(200);
  });

  it.each([
    ['a script tag in the body', { holder_name: '<script>alert(1)</script>' }],
    ['a NUL character in the body', { holder_name: 'a\u0000b' }],
  ])('has its WAF answer %s with 406', async (_what, body) => {
    const res = await post(p('/accounts'), body);
    expect(res.status).toBe(406);
    expect(res.body.EC).toBe('WAFRejected');
  });

  it('has its WAF answer a script tag in the URL with 406', async () => {
    const res = await get(p(`/transactions/${encodeURIComponent('<script>')}`));
    expect(res.status).toBe(406);
  });

  it('answers every request with the XML IPNotAllowed body (403) while the IP is not allowed', async () => {
    store.ipAllowed = false;
    const res = await get(p());
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.text).toBe(IP_NOT_ALLOWED_XML);
  });

  it('can answer the IP refusal with a 500 in XML, as the doc says it sometimes does', async () => {
    store.ipAllowed = false;
    store.ipDeniedStatus = 500;
    const res = await get(p('/accounts'));
    expect(res.status).toBe(500);
    expect(res.text).toBe(IP_NOT_ALLOWED_XML);
  });

  it('answers 403 with "Permission" in EM for an operation the client may not use', async () => {
    store.deniedOperations.add('ListAccounts');
    const res = await get(p('/accounts'));
    expect(res.status).toBe(403);
    expect(res.body.EM).toMatch(/Permission/);
  });

  it('answers 423 to everything but RetrieveClient while the client is locked', async () => {
    store.client.status = 'locked';
    const list = await get(p('/accounts'));
    expect(list.status).toBe(423);
    expect(list.body).toEqual({ EC: 'Locked', EM: expect.stringMatching(/ClientID is locked/) });
    const create = await post(p('/transactions'), { reference_id: newReference(), account_id: freshAccount().account_id, type: 'push', amount: 100, currency: 'USD' });
    expect(create.status).toBe(423);
    const client = await get(p());
    expect(client.status).toBe(200);
    expect(client.body.status).toBe('locked');
  });
});

describe('the client', () => {
  it('answers RetrieveClient with its limits and what it used over 24 hours', async () => {
    const res = await get(p());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      client_id: CLIENT_ID,
      name: expect.any(String),
      status: 'active',
      transaction_limit: 500_000,
      daily_limit: 2_000_000,
      daily_used: store.dailyUsed(),
    });
  });
});

describe('accounts', () => {
  it('lists active accounts newest first, 20 by default, with offset, limit and total', async () => {
    const res = await get(p('/accounts'));
    expect(res.status).toBe(200);
    const listed = store.listedAccounts();
    expect(res.body).toMatchObject({ offset: 0, limit: 20, total: listed.length });
    expect(res.body.accounts.map((a: PushpullAccount) => a.account_id)).toEqual(listed.slice(0, 20).map((a) => a.account_id));
    const times = res.body.accounts.map((a: PushpullAccount) => a.created_at);
    expect(times).toEqual([...times].sort().reverse());
    expect(res.body.accounts.every((a: PushpullAccount) => a.status === 'active')).toBe(true);
  });

  it('walks every listed account exactly once, page after page', async () => {
    const ids: string[] = [];
    let total = Infinity;
    for (let offset = 0; offset < total; offset += 7) {
      const res = await get(p(`/accounts?offset=${offset}&limit=7`));
      total = res.body.total;
      ids.push(...res.body.accounts.map((a: PushpullAccount) => a.account_id));
    }
    expect(ids).toEqual(store.listedAccounts().map((a) => a.account_id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers an empty page past the end', async () => {
    const res = await get(p('/accounts?offset=1000&limit=5'));
    expect(res.body).toEqual({ accounts: [], offset: 1000, limit: 5, total: store.listedAccounts().length });
  });

  it.each(['limit=101', 'limit=0', 'offset=-1', 'offset=abc'])('answers %s with 400', async (query) => {
    const res = await get(p(`/accounts?${query}`));
    expect(res.status).toBe(400);
    expect(res.body.EC).toBe('InvalidParameters');
  });

  it('never sends a card number: only its last four digits', async () => {
    const res = await get(p('/accounts?limit=100'));
    for (const account of res.body.accounts as PushpullAccount[]) {
      const number = store.cardNumberOf(account.account_id)!;
      expect(account.last4).toBe(number.slice(-4));
      expect(res.text.includes(number)).toBe(false);
      expect(Object.keys(account).sort()).toEqual(
        ['account_id', 'brand', 'created_at', 'exp_month', 'exp_year', 'holder_name', 'last4', 'pull_enabled', 'push_enabled', 'reference_id', 'status'],
      );
    }
  });

  it('answers RetrieveAccount with the account', async () => {
    const account = freshAccount();
    const res = await get(p(`/accounts/${account.account_id}`));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(account);
  });

  it('answers a malformed AccountID with 400 and an unknown one with 404', async () => {
    const bad = await get(p('/accounts/not-an-id'));
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ EC: 'InvalidResourceID', EM: 'The ResourceID is invalid' });
    const unknown = await get(p('/accounts/acct_0000000000000000'));
    expect(unknown.status).toBe(404);
  });

  it('answers a seeded deleted account with 410 and does not list it', async () => {
    const deleted = deletedAccount();
    expect((await get(p(`/accounts/${deleted.account_id}`))).status).toBe(410);
    const list = await get(p('/accounts?limit=100'));
    expect(list.body.accounts.some((a: PushpullAccount) => a.account_id === deleted.account_id)).toBe(false);
  });

  it('deletes an account: then RetrieveAccount is 410, and deleting again is 410', async () => {
    const account = freshAccount();
    const del = await call('DELETE', p(`/accounts/${account.account_id}`));
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ account_id: account.account_id, status: 'deleted' });
    const read = await get(p(`/accounts/${account.account_id}`));
    expect(read.status).toBe(410);
    expect(read.body.EC).toBe('Gone');
    expect((await call('DELETE', p(`/accounts/${account.account_id}`))).status).toBe(410);
  });

  it('creates an account and answers it with the last four digits only', async () => {
    const number = luhn('411111222233334');
    const res = await post(p('/accounts'), { reference_id: newReference(), card_number: number, exp_month: 4, exp_year: 2030, holder_name: 'Grace Hopper' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ last4: number.slice(-4), brand: 'VISA', status: 'active', holder_name: 'Grace Hopper' });
    expect(res.body.account_id).toMatch(/^acct_[0-9a-f]{16}$/);
    expect(res.text.includes(number)).toBe(false);
  });

  it('answers a reused account reference with 409', async () => {
    const reference = newReference();
    const body = { reference_id: reference, card_number: luhn('411111555566667'), exp_month: 1, exp_year: 2031, holder_name: 'Alan Turing' };
    expect((await post(p('/accounts'), body)).status).toBe(200);
    expect((await post(p('/accounts'), body)).status).toBe(409);
  });

  it('answers a duplicate card with 409 under ?RejectDuplicateCard=true, and accepts it otherwise', async () => {
    const seeded = freshAccount();
    const card_number = store.cardNumberOf(seeded.account_id)!;
    const body = () => ({ reference_id: newReference(), card_number, exp_month: seeded.exp_month, exp_year: seeded.exp_year, holder_name: seeded.holder_name });
    const rejected = await post(p('/accounts?RejectDuplicateCard=true'), body());
    expect(rejected.status).toBe(409);
    expect(rejected.body.EC).toBe('DuplicateCard');
    expect((await post(p('/accounts'), body())).status).toBe(200);
  });

  it('answers an invalid card number with 400', async () => {
    const res = await post(p('/accounts'), { reference_id: newReference(), card_number: '4111111111111112', exp_month: 1, exp_year: 2030, holder_name: 'X' });
    expect(res.status).toBe(400);
    expect(res.body.EM).toMatch(/card_number/);
  });

  it('answers QueryCard with the enrolled card\'s directions, without echoing the number', async () => {
    const account = freshAccount((a) => a.push_enabled !== a.pull_enabled);
    const number = store.cardNumberOf(account.account_id)!;
    const res = await post(p('/cards/query'), { card_number: number });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ brand: account.brand, issuer_country: 'US', push_enabled: account.push_enabled, pull_enabled: account.pull_enabled });
    expect(res.text.includes(number)).toBe(false);
  });
});

describe('reading transactions', () => {
  it("lists an account's ten transactions newest first, with paging", async () => {
    const account = freshAccount();
    const all = await get(p(`/accounts/${account.account_id}/transactions?limit=100`));
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(PUSHPULL_SEED_COUNTS.transactionsPerAccount);
    const times = all.body.transactions.map((t: PushpullTransaction) => t.created_at);
    expect(times).toEqual([...times].sort().reverse());
    const second = await get(p(`/accounts/${account.account_id}/transactions?offset=4&limit=4`));
    expect(second.body).toMatchObject({ offset: 4, limit: 4, total: 10 });
    expect(second.body.transactions).toEqual(all.body.transactions.slice(4, 8));
  });

  it("answers a deleted account's transactions with 410 and an unknown account's with 404", async () => {
    expect((await get(p(`/accounts/${deletedAccount().account_id}/transactions`))).status).toBe(410);
    expect((await get(p('/accounts/acct_0000000000000000/transactions'))).status).toBe(404);
  });

  it('keeps amounts in minor units: JPY 1200 is 1200 yen, BHD 1250 is 1.250 dinars', async () => {
    const res = await get(p(`/accounts/${plantedAccountId}/transactions?limit=100`));
    const byCurrency = (c: string) => res.body.transactions.find((t: PushpullTransaction) => t.currency === c && t.amount === PLANTED_TRANSACTIONS.find((x) => x.currency === c)!.amount);
    expect(byCurrency('JPY')).toMatchObject({ amount: 1200, type: 'push', status: 'completed' });
    expect(byCurrency('BHD')).toMatchObject({ amount: 1250, type: 'pull', status: 'completed' });
  });

  it('answers RetrieveTransaction with the transaction, a malformed id with 400, an unknown one with 404', async () => {
    const t = anyTransaction();
    const res = await get(p(`/transactions/${t.transaction_id}`));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(t);
    expect((await get(p('/transactions/nope'))).status).toBe(400);
    const missing = await get(p(`/transactions/${unknownTransactionId(1)}`));
    expect(missing.status).toBe(404);
    expect(missing.body.EM).toMatch(/TransactionID/);
  });

  it('answers RetrieveByReference for a reference younger than 24 hours', async () => {
    const recent = anyTransaction((t) => store.worldNow() - Date.parse(t.created_at) < 20 * 3_600_000);
    const res = await get(p(`/transactions?reference_id=${recent.reference_id}`));
    expect(res.status).toBe(200);
    expect(res.body.transaction_id).toBe(recent.transaction_id);
  });

  it('answers RetrieveByReference with 421 once the reference is older than 24 hours', async () => {
    const old = anyTransaction((t) => store.worldNow() - Date.parse(t.created_at) > PUSHPULL_RULES.referenceLookupMs);
    const res = await get(p(`/transactions?reference_id=${old.reference_id}`));
    expect(res.status).toBe(421);
    expect(res.body.EM).toMatch(/use AccountID or TransactionID/);
  });

  it('answers RetrieveByReference with 404 for an unknown reference and 400 without one', async () => {
    expect((await get(p('/transactions?reference_id=never-used'))).status).toBe(404);
    expect((await get(p('/transactions'))).status).toBe(400);
  });

  it('answers the sixth read of one transaction in 10 s with 429 (do not poll), and serves it again after Retry-After', async () => {
    const t = anyTransaction((x) => x.status === 'completed');
    for (let i = 0; i < PUSHPULL_RULES.pollReads; i += 1) {
      expect((await get(p(`/transactions/${t.transaction_id}`))).status).toBe(200);
      advance(1_000);
    }
    const polled = await get(p(`/transactions/${t.transaction_id}`));
    expect(polled.status).toBe(429);
    expect(polled.body).toEqual({ EC: 'Polling', EM: expect.stringMatching(/Please do not poll/) });
    expect(polled.headers['retry-after']).toBe('5');
    // Another transaction is not affected.
    expect((await get(p(`/transactions/${anyTransaction((x) => x !== t).transaction_id}`))).status).toBe(200);
    advance(5_000);
    expect((await get(p(`/transactions/${t.transaction_id}`))).status).toBe(200);
  });

  it('counts reads by reference towards the polling limit', async () => {
    const t = anyTransaction((x) => store.worldNow() - Date.parse(x.created_at) < 20 * 3_600_000);
    for (let i = 0; i < 3; i += 1) await get(p(`/transactions/${t.transaction_id}`));
    for (let i = 0; i < 2; i += 1) expect((await get(p(`/transactions?reference_id=${t.reference_id}`))).status).toBe(200);
    expect((await get(p(`/transactions?reference_id=${t.reference_id}`))).status).toBe(429);
  });
});

describe('creating transactions', () => {
  const create = (account: PushpullAccount, type: 'push' | 'pull', amount: number, currency = 'USD', reference = newReference()) =>
    post(p('/transactions'), { reference_id: reference, account_id: account.account_id, type, amount, currency });
  const both = () => freshAccount((a) => a.push_enabled && a.pull_enabled);

  it('completes a push at once (200)', async () => {
    const res = await create(both(), 'push', 1_500);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'push', amount: 1_500, currency: 'USD', status: 'completed' });
    expect(res.body.transaction_id).toMatch(/^txn_[0-9a-f]{16}$/);
  });

  it('answers a pull 201 pending, and completes it when its batch has run', async () => {
    const res = await create(both(), 'pull', 2_000, 'EUR');
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending');
    const id = res.body.transaction_id;
    expect((await get(p(`/transactions/${id}`))).body.status).toBe('pending');
    advance(PUSHPULL_RULES.pendingSettleMs);
    expect((await get(p(`/transactions/${id}`))).body.status).toBe('completed');
  });

  it(`answers 207 with an unknown transaction for the amount ${UNKNOWN_OUTCOME_AMOUNT}`, async () => {
    const res = await create(both(), 'push', UNKNOWN_OUTCOME_AMOUNT);
    expect(res.status).toBe(207);
    expect(res.body.status).toBe('unknown');
    expect((await get(p(`/transactions/${res.body.transaction_id}`))).body.status).toBe('unknown');
  });

  it('answers 207 for any amount while forceUnknownOutcome is set', async () => {
    store.forceUnknownOutcome = true;
    expect((await create(both(), 'push', 999)).status).toBe(207);
  });

  it('answers a reused reference_id with 409', async () => {
    const account = both();
    const reference = newReference();
    expect((await create(account, 'push', 100, 'USD', reference)).status).toBe(200);
    const again = await create(account, 'push', 100, 'USD', reference);
    expect(again.status).toBe(409);
    expect(again.body.EM).toMatch(/ReferenceID has already been used/);
  });

  it('answers a push to a card that cannot receive pushes with 422 Destination Disabled', async () => {
    const res = await create(freshAccount((a) => !a.push_enabled), 'push', 100);
    expect(res.status).toBe(422);
    expect(res.body.EM).toMatch(/Destination Disabled/);
  });

  it('answers a pull from a card that cannot be pulled from with 422 Source Disabled', async () => {
    const res = await create(freshAccount((a) => !a.pull_enabled), 'pull', 100);
    expect(res.status).toBe(422);
    expect(res.body.EM).toMatch(/Source Disabled/);
  });

  it('answers an amount over the transaction limit with 422 Transaction Limit, converting JPY at its exponent', async () => {
    const account = both();
    const usd = await create(account, 'push', 500_001);
    expect(usd.status).toBe(422);
    expect(usd.body.EM).toMatch(/Transaction Limit/);
    // 1,000,000 yen (exponent 0) is about USD 6,700: over the USD 5,000 limit.
    expect((await create(account, 'push', 1_000_000, 'JPY')).status).toBe(422);
    expect((await create(account, 'push', 500_000, 'JPY')).status).toBe(200);
  });

  it('answers over the 24-hour rolling limit with 429 and a Retry-After, and frees it 24 hours later', async () => {
    const saved = store.client.daily_limit;
    try {
      store.client.daily_limit = store.dailyUsed() + 1_000;
      const account = both();
      expect((await create(account, 'push', 800)).status).toBe(200);
      const over = await create(account, 'push', 300);
      expect(over.status).toBe(429);
      expect(over.body).toEqual({ EC: 'DailyLimit', EM: 'Over your Daily (24-hour rolling) Limit' });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      advance(PUSHPULL_RULES.dailyWindowMs);
      store.client.daily_limit = store.dailyUsed() + 1_000;
      expect((await create(account, 'push', 300)).status).toBe(200);
    } finally {
      store.client.daily_limit = saved;
    }
  });

  it('answers a transaction on a deleted account with 410 and on an unknown one with 404', async () => {
    expect((await create(deletedAccount(), 'push', 100)).status).toBe(410);
    const res = await post(p('/transactions'), { reference_id: newReference(), account_id: 'acct_0000000000000000', type: 'push', amount: 1, currency: 'USD' });
    expect(res.status).toBe(404);
  });

  it.each([
    ['a fractional amount', { amount: 10.5 }],
    ['an amount as a string', { amount: '100' }],
    ['an unsupported currency', { currency: 'XXX' }],
    ['an unknown type', { type: 'transfer' }],
  ])('answers %s with 400', async (_what, override) => {
    const res = await post(p('/transactions'), { reference_id: newReference(), account_id: freshAccount().account_id, type: 'push', amount: 100, currency: 'USD', ...override });
    expect(res.status).toBe(400);
    expect(res.body.EC).toBe('InvalidParameters');
  });
});

describe('the automatic IP block', () => {
  it('blocks the caller with the XML 403 after a spike of 404s on transaction reads, for the cool-down', async () => {
    for (let i = 0; i < PUSHPULL_RULES.blockErrors; i += 1) {
      expect((await get(p(`/transactions/${unknownTransactionId(100 + i)}`))).status).toBe(404);
    }
    const blocked = await get(p());
    expect(blocked.status).toBe(403);
    expect(blocked.headers['content-type']).toBe('application/xml');
    expect(blocked.text).toBe(IP_NOT_ALLOWED_XML);
    advance(PUSHPULL_RULES.blockCoolDownMs - 1);
    expect((await get(p())).status).toBe(403);
    advance(1);
    expect((await get(p())).status).toBe(200);
  });

  it('blocks after a spike of 409s on creates', async () => {
    const account = freshAccount((a) => a.push_enabled);
    const reference = newReference();
    const body = { reference_id: reference, account_id: account.account_id, type: 'push', amount: 100, currency: 'USD' };
    expect((await post(p('/transactions'), body)).status).toBe(200);
    for (let i = 0; i < PUSHPULL_RULES.blockErrors; i += 1) expect((await post(p('/transactions'), body)).status).toBe(409);
    expect((await get(p('/accounts'))).status).toBe(403);
  });

  it('does not block when the errors are a minority of the traffic', async () => {
    for (let i = 0; i < 25; i += 1) expect((await get(p('/accounts?limit=1'))).status).toBe(200);
    for (let i = 0; i < PUSHPULL_RULES.blockErrors; i += 1) await get(p(`/transactions/${unknownTransactionId(200 + i)}`));
    expect((await get(p())).status).toBe(200);
  });

  it('forgets errors older than the window', async () => {
    for (let i = 0; i < PUSHPULL_RULES.blockErrors - 1; i += 1) await get(p(`/transactions/${unknownTransactionId(300 + i)}`));
    advance(PUSHPULL_RULES.blockWindowMs);
    await get(p(`/transactions/${unknownTransactionId(399)}`));
    expect((await get(p())).status).toBe(200);
  });
});

describe('the seeded data', () => {
  const fresh = (seed?: number) => seededPushpullStore({ clientId: 'x', token: 'y', seed, now: () => 0 });

  it('holds 36 card accounts (4 deleted) and 360 transactions', () => {
    const s = fresh();
    expect(s.accounts.size).toBe(PUSHPULL_SEED_COUNTS.accounts);
    expect([...s.accounts.values()].filter((a) => a.status === 'deleted')).toHaveLength(PUSHPULL_SEED_COUNTS.deletedAccounts);
    expect(s.listedAccounts()).toHaveLength(32);
    expect(s.transactions.size).toBe(PUSHPULL_SEED_COUNTS.transactions);
    expect(PUSHPULL_SEED_COUNTS.accounts).toBeGreaterThanOrEqual(32);
    expect(PUSHPULL_SEED_COUNTS.transactions).toBeGreaterThanOrEqual(320);
  });

  it('mixes push/pull-enabled cards, types, statuses and currencies', () => {
    const s = fresh();
    const accounts = [...s.accounts.values()];
    expect(accounts.some((a) => a.push_enabled && a.pull_enabled)).toBe(true);
    expect(accounts.some((a) => a.push_enabled && !a.pull_enabled)).toBe(true);
    expect(accounts.some((a) => !a.push_enabled && a.pull_enabled)).toBe(true);
    const transactions = [...s.transactions.values()];
    expect(new Set(transactions.map((t) => t.type))).toEqual(new Set(['push', 'pull']));
    expect(new Set(transactions.map((t) => t.status))).toEqual(new Set(['completed', 'pending', 'failed', 'unknown']));
    expect(new Set(transactions.map((t) => t.currency))).toEqual(new Set(['USD', 'EUR', 'JPY', 'BHD']));
    expect(transactions.every((t) => Number.isSafeInteger(t.amount) && t.amount > 0)).toBe(true);
    // Directions follow the card: no push to a push-disabled card, no pull from a pull-disabled one.
    for (const t of transactions) {
      const a = s.accounts.get(t.account_id)!;
      expect(t.type === 'push' ? a.push_enabled : a.pull_enabled).toBe(true);
    }
  });

  it('is deterministic: the same seed gives the same data, another seed other data', () => {
    const json = (s: PushpullStore) => JSON.stringify([[...s.accounts.values()], [...s.transactions.values()]]);
    expect(json(fresh())).toBe(json(fresh()));
    expect(json(fresh(7))).not.toBe(json(fresh()));
    expect(fresh().cardNumberOf(fresh().listedAccounts()[0]!.account_id)).toMatch(/^\d{16}$/);
  });

  it('dates every seeded object before the seed epoch, some transactions within a day of it and most older', () => {
    const s = fresh();
    const ages = [...s.transactions.values()].map((t) => s.worldNow() - Date.parse(t.created_at));
    expect(ages.every((a) => a > 0)).toBe(true);
    expect(ages.filter((a) => a < PUSHPULL_RULES.referenceLookupMs).length).toBeGreaterThanOrEqual(10);
    expect(ages.filter((a) => a > PUSHPULL_RULES.referenceLookupMs).length).toBeGreaterThan(300);
  });
});
