/**
 * The baas simulator over real HTTPS with mutual TLS: the handshake it demands, the API key,
 * the envelope, exact paging, the compliance lifecycle and its field lock, card states, exact
 * money, OTP listeners, and seeded data that is the same on every start.
 */
import tls from 'node:tls';
import { Client } from 'undici';
import { SEED_EPOCH } from '../../../../src/sandbox/random.js';
import { generateBaasPki, generateForeignClient, type BaasPki } from '../../../../src/providers/baas/certificates.js';
import {
  BAAS_DEFAULT_LIMIT,
  OTP_LISTENER_TTL_MS,
  type BaasCard,
  type BaasCardholder,
  type BaasComplianceStatus,
  type BaasTransaction,
} from '../../../../src/providers/baas/sandbox/store.js';
import { type BaasStore, createBaasSandbox, type BaasSandbox } from '../../../../src/providers/baas/sandbox/index.js';
import { seededBaasStore } from '../../../../src/providers/baas/sandbox/seed.js';

const API_KEY = 'baas-test-key';

let pki: BaasPki;
let sandbox: BaasSandbox;
let baseUrl: string;
let client: Client;
let now = SEED_EPOCH;

beforeAll(async () => {
  pki = generateBaasPki();
  sandbox = createBaasSandbox({
    apiKey: API_KEY,
    tls: { ca: pki.ca.cert, cert: pki.server.cert, key: pki.server.key },
    clock: () => now,
  });
  baseUrl = await sandbox.server.start();
  client = new Client(baseUrl, { connect: { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key, rejectUnauthorized: true } });
});

afterAll(async () => {
  await client.close();
  await sandbox.server.stop();
});

afterEach(() => {
  sandbox.store.ipAllowlistEmpty = false;
  sandbox.server.resetRequests();
});

interface Reply {
  status: number;
  /** Parsed JSON; `any` keeps assertions on wire shapes short. */
  body: any;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function call(method: Method, path: string, options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await client.request({
    method,
    path,
    headers: { 'x-api-key': API_KEY, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: payload,
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

const get = (path: string) => call('GET', path);
const post = (path: string, body?: unknown) => call('POST', path, { body });
const patch = (path: string, body: unknown) => call('PATCH', path, { body });

const cardholders = () => [...sandbox.store.cardholders.values()];
const cards = () => [...sandbox.store.cards.values()];
const transactions = () => [...sandbox.store.transactions.values()];

/** A seeded cardholder in `status` that no other test has touched. */
const claimed = new Set<string>();
function claimCardholder(status: BaasComplianceStatus): BaasCardholder {
  const found = cardholders().find((c) => c.complianceStatus === status && !claimed.has(c.id));
  if (!found) throw new Error(`no unclaimed ${status} cardholder`);
  claimed.add(found.id);
  return found;
}
function claimCard(match: (card: BaasCard) => boolean): BaasCard {
  const found = cards().find((c) => match(c) && !claimed.has(c.id));
  if (!found) throw new Error('no unclaimed card');
  claimed.add(found.id);
  return found;
}

const newCardholder = (overrides: Record<string, unknown> = {}) => ({
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  phone: '+15551230000',
  dateOfBirth: '1990-12-10',
  address: { line1: '12 Analytical Row', city: 'London', postalCode: 'N1 9GU', country: 'GB' },
  ...overrides,
});

async function handshake(options: tls.ConnectionOptions): Promise<{ secure: boolean; answered: boolean; error?: string }> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve) => {
    let answered = false;
    let error: string | undefined;
    const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ...options });
    socket.on('secureConnect', () => socket.write(`GET /cardholders HTTP/1.1\r\nHost: x\r\nX-API-Key: ${API_KEY}\r\n\r\n`));
    socket.on('data', () => {
      answered = true;
      socket.destroy();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
    socket.on('close', () => resolve({ secure: socket.authorized, answered, error }));
  });
}

describe('mutual TLS', () => {
  it('serves a client holding a certificate from the program CA, over a certificate valid for 127.0.0.1', async () => {
    const result = await handshake({ ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key });
    expect(result).toMatchObject({ secure: true, answered: true });
  });

  it('refuses a client without a certificate before any HTTP is read', async () => {
    const result = await handshake({ ca: pki.ca.cert });
    expect(result.answered).toBe(false);
    expect(sandbox.server.requests).toHaveLength(0);
  });

  it('refuses a client certificate signed by another CA before any HTTP is read', async () => {
    const foreign = generateForeignClient();
    const result = await handshake({ ca: pki.ca.cert, cert: foreign.client.cert, key: foreign.client.key });
    expect(result.answered).toBe(false);
    expect(sandbox.server.requests).toHaveLength(0);
  });

  it('presents a server certificate that a client trusting another CA rejects', async () => {
    const foreign = generateForeignClient();
    const result = await handshake({ ca: foreign.ca.cert, cert: pki.client.cert, key: pki.client.key });
    expect(result.answered).toBe(false);
    expect(result.error).toBe('SELF_SIGNED_CERT_IN_CHAIN');
  });
});

describe('authentication and the envelope', () => {
  const path = () => `/cardholders/${cardholders()[0]!.id}`;

  it('answers a wrong X-API-Key with 401 in the error envelope', async () => {
    const res = await call('GET', path(), { headers: { 'x-api-key': 'nope' } });
    expect(res).toEqual({ status: 401, body: { status: 'error', message: 'Invalid API key' } });
  });

  it('answers a missing X-API-Key with 401', async () => {
    const res = await client.request({ method: 'GET', path: path() });
    expect(res.statusCode).toBe(401);
    expect(await res.body.json()).toEqual({ status: 'error', message: 'Invalid API key' });
  });

  it('answers every request with 403 "No authorized IPs configured" while the allowlist is empty', async () => {
    sandbox.store.ipAllowlistEmpty = true;
    for (const res of [await get(path()), await post('/cards', {}), await get('/nowhere')]) {
      expect(res).toEqual({ status: 403, body: { status: 'error', message: 'No authorized IPs configured' } });
    }
  });

  it('wraps an object in {status:"success", data} with exactly the contract fields', async () => {
    const holder = cardholders()[0]!;
    const res = await get(path());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'success', data: holder });
    expect(Object.keys(res.body.data).sort()).toEqual(
      ['address', 'complianceStatus', 'createdAt', 'dateOfBirth', 'email', 'firstName', 'id', 'lastName', 'phone'],
    );
  });

  it('shapes wallets and cards as the contract does, with balances as decimal strings', async () => {
    const card = cards()[0]!;
    const cardRes = await get(`/cards/${card.id}`);
    expect(Object.keys(cardRes.body.data).sort()).toEqual(
      ['blockReason', 'brand', 'cardholderId', 'createdAt', 'expiryMonth', 'expiryYear', 'id', 'last4', 'status', 'type', 'walletId'],
    );
    expect(cardRes.body.data.brand).toBe('MASTERCARD');
    const walletRes = await get(`/wallets/${card.walletId}`);
    expect(Object.keys(walletRes.body.data).sort()).toEqual(['availableBalance', 'cardholderId', 'createdAt', 'currency', 'id', 'ledgerBalance']);
    expect(walletRes.body.data.availableBalance).toMatch(/^\d+\.\d{2}$/);
  });

  it.each([
    ['cardholder', '/cardholders/00000000-0000-4000-8000-000000000000', 'Cardholder not found'],
    ['wallet', '/wallets/00000000-0000-4000-8000-000000000000', 'Wallet not found'],
    ['card', '/cards/00000000-0000-4000-8000-000000000000', 'Card not found'],
  ])('answers an unknown %s id with 404', async (_what, url, message) => {
    expect(await get(url)).toEqual({ status: 404, body: { status: 'error', message } });
  });

  it('answers an unknown route with a 404 in the envelope', async () => {
    const res = await get('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body.status).toBe('error');
  });
});

describe('lists', () => {
  it(`pages with page/limit (default ${BAAS_DEFAULT_LIMIT}) and meta {page, limit, total}`, async () => {
    const res = await get('/cards');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('success');
    expect(res.body.meta).toEqual({ page: 1, limit: BAAS_DEFAULT_LIMIT, total: sandbox.store.cards.size });
    expect(res.body.data).toHaveLength(BAAS_DEFAULT_LIMIT);
  });

  it('walks every card exactly once, newest first, 7 at a time', async () => {
    const seen: Array<{ id: string; createdAt: string }> = [];
    for (let page = 1; ; page += 1) {
      const res = await get(`/cards?page=${page}&limit=7`);
      expect(res.body.meta).toEqual({ page, limit: 7, total: sandbox.store.cards.size });
      seen.push(...res.body.data);
      if (res.body.data.length < 7) break;
    }
    expect(seen).toHaveLength(sandbox.store.cards.size);
    expect(new Set(seen.map((c) => c.id)).size).toBe(seen.length);
    const times = seen.map((c) => c.createdAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('answers a page past the end with an empty list and the total', async () => {
    const res = await get('/cardholders?page=99&limit=100');
    expect(res.body).toEqual({ status: 'success', data: [], meta: { page: 99, limit: 100, total: sandbox.store.cardholders.size } });
  });

  it.each([
    ['limit=101', 'limit'],
    ['limit=0', 'limit'],
    ['page=0', 'page'],
    ['page=x', 'page'],
  ])('rejects %s with a 422 naming the field', async (query, field) => {
    const res = await get(`/wallets?${query}`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ status: 'error', errors: [{ field, message: expect.any(String) }] });
  });

  it('narrows cardholders by complianceStatus, and rejects an unknown one', async () => {
    const res = await get('/cardholders?complianceStatus=under_review&limit=100');
    const expected = cardholders().filter((c) => c.complianceStatus === 'under_review').length;
    expect(res.body.meta.total).toBe(expected);
    expect(res.body.data.every((c: BaasCardholder) => c.complianceStatus === 'under_review')).toBe(true);
    expect((await get('/cardholders?complianceStatus=pending')).status).toBe(422);
  });

  it("narrows wallets and cards to a cardholder's or a wallet's", async () => {
    const card = cards()[0]!;
    const wallets = await get(`/wallets?cardholderId=${card.cardholderId}&limit=100`);
    expect(wallets.body.data.map((w: { id: string }) => w.id).sort()).toEqual(
      [...sandbox.store.wallets.values()].filter((w) => w.cardholderId === card.cardholderId).map((w) => w.id).sort(),
    );
    const byWallet = await get(`/cards?walletId=${card.walletId}&limit=100`);
    expect(byWallet.body.meta.total).toBe(cards().filter((c) => c.walletId === card.walletId).length);
    const byHolder = await get(`/cards?cardholderId=${card.cardholderId}&limit=100`);
    expect(byHolder.body.meta.total).toBe(cards().filter((c) => c.cardholderId === card.cardholderId).length);
    expect((await get('/cards?cardholderId=nobody')).body.meta.total).toBe(0);
  });

  it('lists transactions by card, wallet, reference and time window', async () => {
    const card = cards()[0]!;
    const byCard = await get(`/cards/transactions?cardId=${card.id}&limit=100`);
    expect(byCard.body.meta.total).toBe(transactions().filter((t) => t.cardId === card.id).length);
    const byWallet = await get(`/cards/transactions?walletId=${card.walletId}&limit=100`);
    const ofWallet = transactions().filter((t) => t.walletId === card.walletId);
    expect(byWallet.body.meta.total).toBe(ofWallet.length);
    const sample = ofWallet[0]!;
    const byReference = await get(`/cards/transactions?reference=${sample.reference}`);
    expect(byReference.body.data.map((t: BaasTransaction) => t.id)).toContain(sample.id);
    const from = '2026-09-01T00:00:00Z';
    const to = '2026-09-30T23:59:59Z';
    const windowed = await get(`/cards/transactions?from=${from}&to=${to}&limit=100`);
    const inWindow = transactions().filter((t) => t.createdAt >= '2026-09-01T00:00:00.000Z' && t.createdAt <= '2026-09-30T23:59:59.000Z');
    expect(windowed.body.meta.total).toBe(inWindow.length);
    expect((await get('/cards/transactions?from=yesterday')).status).toBe(422);
  });
});

describe('cardholders and the compliance lifecycle', () => {
  it('creates a cardholder as a draft', async () => {
    const res = await post('/cardholders', newCardholder());
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ ...newCardholder(), complianceStatus: 'draft', createdAt: new Date(now).toISOString() });
    expect(sandbox.store.cardholders.get(res.body.data.id)).toBeDefined();
  });

  it('reports every invalid field of a new cardholder in one 422', async () => {
    const res = await post('/cardholders', newCardholder({ email: 'not-an-email', firstName: 'x'.repeat(51), address: { line1: '1 Road', city: 'Paris', postalCode: '75001', country: 'France' } }));
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['address.country', 'email', 'firstName']);
  });

  it('answers a body that is not JSON, or a field of the wrong type, with 400', async () => {
    expect((await call('POST', '/cardholders', { raw: '{"firstName": ' })).status).toBe(400);
    const wrongType = await post('/cardholders', newCardholder({ phone: 5551230000 }));
    expect(wrongType).toEqual({ status: 400, body: { status: 'error', message: "Field 'phone' must be a string" } });
  });

  it('moves draft → submitted on submit, and refuses a second submit with 409', async () => {
    const holder = claimCardholder('draft');
    const res = await post(`/cardholders/${holder.id}/submit`);
    expect(res.body.data.complianceStatus).toBe('submitted');
    const again = await post(`/cardholders/${holder.id}/submit`);
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/draft/);
  });

  it('advances the review only through the sandbox control, step by step', async () => {
    const holder = claimCardholder('submitted');
    expect(() => sandbox.store.advanceCompliance(holder.id, 'approved')).toThrow(/cannot go from submitted to approved/);
    sandbox.store.advanceCompliance(holder.id, 'under_review');
    expect((await get(`/cardholders/${holder.id}`)).body.data.complianceStatus).toBe('under_review');
    // Reads never move it on by themselves.
    expect((await get(`/cardholders/${holder.id}`)).body.data.complianceStatus).toBe('under_review');
    sandbox.store.advanceCompliance(holder.id, 'rejected');
    expect((await get(`/cardholders/${holder.id}`)).body.data.complianceStatus).toBe('rejected');
  });

  it.each(['under_review', 'approved'] as const)('refuses with 409 to change a locked field while %s', async (status) => {
    const holder = claimCardholder(status);
    const res = await patch(`/cardholders/${holder.id}`, { lastName: 'Byron', email: 'new@example.com' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      status: 'error',
      message: `Cannot change lastName: firstName, lastName and dateOfBirth are locked while the cardholder's complianceStatus is ${status}`,
    });
    expect(sandbox.store.cardholders.get(holder.id)!.email).not.toBe('new@example.com');
  });

  it('lets unlocked fields (and locked ones left unchanged) be edited while approved', async () => {
    const holder = claimCardholder('approved');
    const res = await patch(`/cardholders/${holder.id}`, { firstName: holder.firstName, email: 'fresh@example.com', address: { city: 'Lyon' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ email: 'fresh@example.com', address: { ...holder.address, city: 'Lyon' } });
  });

  it('lets a draft cardholder change any field, and refuses fields that are not editable', async () => {
    const holder = claimCardholder('draft');
    expect((await patch(`/cardholders/${holder.id}`, { firstName: 'Augusta', dateOfBirth: '1985-01-02' })).body.data).toMatchObject({
      firstName: 'Augusta',
      dateOfBirth: '1985-01-02',
    });
    const res = await patch(`/cardholders/${holder.id}`, { complianceStatus: 'approved' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'complianceStatus', message: 'is not a field that can be changed' }]);
  });
});

describe('cards', () => {
  it('issues a card to an approved cardholder on their wallet', async () => {
    const wallet = [...sandbox.store.wallets.values()][0]!;
    const res = await post('/cards', { cardholderId: wallet.cardholderId, walletId: wallet.id, type: 'virtual' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ cardholderId: wallet.cardholderId, walletId: wallet.id, type: 'virtual', status: 'active', blockReason: null });
    expect(res.body.data.last4).toMatch(/^\d{4}$/);
  });

  it('refuses with 403 to issue a card to a cardholder who is not approved', async () => {
    const holder = claimCardholder('under_review');
    const wallet = (await post('/wallets', { cardholderId: holder.id, currency: 'EUR' })).body.data;
    const res = await post('/cards', { cardholderId: holder.id, walletId: wallet.id, type: 'physical' });
    expect(res).toEqual({
      status: 403,
      body: { status: 'error', message: 'Compliance restriction: cards can only be issued to approved cardholders (complianceStatus is under_review)' },
    });
  });

  it('freezes and unfreezes an active card', async () => {
    const card = claimCard((c) => c.status === 'active');
    expect((await post(`/cards/${card.id}/freeze`, { reason: 'travel' })).body.data.status).toBe('frozen');
    expect((await post(`/cards/${card.id}/unfreeze`)).body.data.status).toBe('active');
  });

  it('blocks a card for good: it cannot be unfrozen, frozen or blocked again (409)', async () => {
    const card = claimCard((c) => c.status === 'frozen');
    const blocked = await post(`/cards/${card.id}/block`, { reason: 'stolen', note: 'bag snatched' });
    expect(blocked.body.data).toMatchObject({ status: 'blocked', blockReason: 'stolen' });
    const unfreeze = await post(`/cards/${card.id}/unfreeze`);
    expect(unfreeze).toEqual({ status: 409, body: { status: 'error', message: 'A blocked (stolen) card cannot be unfrozen' } });
    expect((await post(`/cards/${card.id}/freeze`)).status).toBe(409);
    expect((await post(`/cards/${card.id}/block`, { reason: 'lost' })).status).toBe(409);
  });

  it('rejects a block reason outside lost/stolen/fraud with 422', async () => {
    const card = claimCard((c) => c.status === 'active');
    const res = await post(`/cards/${card.id}/block`, { reason: 'bored' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'reason', message: 'must be one of lost, stolen, fraud' }]);
  });

  it('reveals secure details only on their own endpoint, matching the card', async () => {
    const card = cards()[1]!;
    const res = await get(`/cards/${card.id}/secure-details`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data).sort()).toEqual(['cvv', 'expiryMonth', 'expiryYear', 'pan']);
    expect(res.body.data.pan.endsWith(card.last4)).toBe(true);
    const listed = JSON.stringify((await get('/cards?limit=100')).body);
    expect(listed).not.toContain(res.body.data.pan);
  });
});

describe('money', () => {
  const walletOf = (currency: string) => [...sandbox.store.wallets.values()].find((w) => w.currency === currency && !claimed.has(w.id))!;

  it('adds deposits in exact cents (0.10 + 0.20 = 0.30)', async () => {
    const wallet = walletOf('USD');
    claimed.add(wallet.id);
    const before = sandbox.store.wallet(wallet.id)!;
    await post(`/wallets/${wallet.id}/bank-deposit`, { amount: '0.10', currency: 'USD', reference: 'dep-1' });
    const res = await post(`/wallets/${wallet.id}/bank-deposit`, { amount: '0.2', currency: 'USD', reference: 'dep-2' });
    expect(res.body.data).toMatchObject({ kind: 'deposit', amount: '0.20', status: 'settled', walletId: wallet.id, cardId: null });
    const after = (await get(`/wallets/${wallet.id}`)).body.data;
    const cents = (s: string) => BigInt(s.replace('.', ''));
    expect(cents(after.availableBalance) - cents(before.availableBalance)).toBe(30n);
    expect(cents(after.ledgerBalance) - cents(before.ledgerBalance)).toBe(30n);
  });

  it("answers a deposit beyond the Program's funding with 422 insufficient_funds", async () => {
    const card = claimCard((c) => c.status === 'active');
    const currency = sandbox.store.wallets.get(card.walletId)!.currency;
    sandbox.store.setProgramFunding(currency, '5.00');
    try {
      const res = await post(`/cards/${card.id}/bank-deposit`, { amount: '5.01', currency, reference: 'too-much' });
      expect(res).toEqual({ status: 422, body: { status: 'error', message: 'Insufficient funds', code: 'insufficient_funds' } });
      const ok = await post(`/cards/${card.id}/bank-deposit`, { amount: '5.00', currency, reference: 'exactly' });
      expect(ok.body.data).toMatchObject({ cardId: card.id, walletId: card.walletId, amount: '5.00' });
    } finally {
      sandbox.store.setProgramFunding(currency, '1000000.00');
    }
  });

  it('transfers exactly, recording both legs under one reference, and refuses more than is available', async () => {
    const [from, to] = [...sandbox.store.wallets.values()].filter((w) => w.currency === 'EUR' && !claimed.has(w.id));
    claimed.add(from!.id).add(to!.id);
    const available = sandbox.store.wallet(from!.id)!.availableBalance;
    const tooMuch = await post('/wallets/transfer', { fromWalletId: from!.id, toWalletId: to!.id, amount: '999999.99', currency: 'EUR', reference: 'big' });
    expect(tooMuch).toEqual({ status: 422, body: { status: 'error', message: 'Insufficient funds', code: 'insufficient_funds' } });
    const res = await post('/wallets/transfer', { fromWalletId: from!.id, toWalletId: to!.id, amount: available, currency: 'EUR', reference: 'all-of-it' });
    expect(res.body.data).toMatchObject({ amount: available, status: 'settled', reference: 'all-of-it' });
    expect(sandbox.store.wallet(from!.id)!.availableBalance).toBe('0.00');
    const legs = (await get('/cards/transactions?reference=all-of-it')).body.data.map((t: BaasTransaction) => t.kind).sort();
    expect(legs).toEqual(['transfer_in', 'transfer_out']);
  });

  it('rejects malformed amounts and a currency other than the wallet\'s with 422 naming the field', async () => {
    const wallet = walletOf('EUR');
    const res = await post(`/wallets/${wallet.id}/bank-deposit`, { amount: '1.005', currency: 'USD', reference: 'x' });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['amount', 'currency']);
    const negative = await post(`/wallets/${wallet.id}/bank-deposit`, { amount: '-3.00', currency: 'EUR', reference: 'x' });
    expect(negative.body.errors[0].field).toBe('amount');
    const typed = await post(`/wallets/${wallet.id}/bank-deposit`, { amount: 3, currency: 'EUR', reference: 'x' });
    expect(typed.status).toBe(400);
  });
});

describe('OTP listeners', () => {
  it('opens a 10-minute listener that delivers a passcode, then expires to 404', async () => {
    const card = cards()[2]!;
    const opened = (await post(`/cards/${card.id}/otp-listeners`)).body.data;
    expect(opened.expiresAt).toBe(new Date(now + OTP_LISTENER_TTL_MS).toISOString());
    expect((await get(`/otp/${opened.token}`)).body.data).toEqual({ otp: null, receivedAt: null });
    expect(sandbox.store.deliverOtp(card.id, '123456')).toBe(1);
    expect((await get(`/otp/${opened.token}`)).body.data).toEqual({ otp: '123456', receivedAt: new Date(now).toISOString() });
    now += OTP_LISTENER_TTL_MS;
    try {
      expect((await get(`/otp/${opened.token}`)).status).toBe(404);
      expect((await call('DELETE', `/otp/${opened.token}`)).status).toBe(404);
    } finally {
      now = SEED_EPOCH;
    }
  });

  it('deletes a listener, after which its token is 404', async () => {
    const card = cards()[3]!;
    const { token } = (await post(`/cards/${card.id}/otp-listeners`)).body.data;
    expect(await call('DELETE', `/otp/${token}`)).toEqual({ status: 200, body: { status: 'success', data: null } });
    expect((await get(`/otp/${token}`)).status).toBe(404);
    expect((await get('/otp/never-issued')).status).toBe(404);
  });
});

describe('seeded data', () => {
  const tally = <T>(items: T[], key: (item: T) => string) =>
    items.reduce<Record<string, number>>((acc, item) => ({ ...acc, [key(item)]: (acc[key(item)] ?? 0) + 1 }), {});
  const fresh = seededBaasStore();

  it('holds 24 cardholders across every compliance state', () => {
    expect(tally([...fresh.cardholders.values()], (c) => c.complianceStatus)).toEqual({
      draft: 3,
      submitted: 3,
      under_review: 3,
      rejected: 3,
      approved: 12,
    });
  });

  it('holds 18 wallets in USD and EUR, all owned by approved cardholders', () => {
    const wallets = [...fresh.wallets.values()];
    expect(wallets).toHaveLength(18);
    expect(new Set(wallets.map((w) => w.currency))).toEqual(new Set(['USD', 'EUR']));
    expect(wallets.every((w) => fresh.cardholders.get(w.cardholderId)!.complianceStatus === 'approved')).toBe(true);
  });

  it('holds 36 cards across active, frozen, expired and every block reason', () => {
    expect(tally([...fresh.cards.values()], (c) => (c.blockReason ? `${c.status}:${c.blockReason}` : c.status))).toEqual({
      active: 20,
      frozen: 4,
      expired: 3,
      'blocked:lost': 3,
      'blocked:stolen': 3,
      'blocked:fraud': 3,
    });
  });

  it('holds 358 transactions of every kind and status, each on its card\'s wallet', () => {
    const all = [...fresh.transactions.values()];
    expect(all).toHaveLength(358);
    expect(Object.keys(tally(all, (t) => t.kind)).sort()).toEqual(['deposit', 'fee', 'purchase', 'refund', 'transfer_in', 'transfer_out']);
    expect(Object.keys(tally(all, (t) => t.status)).sort()).toEqual(['declined', 'pending', 'reversed', 'settled']);
    for (const t of all) {
      if (t.cardId) expect(fresh.cards.get(t.cardId)!.walletId).toBe(t.walletId);
      expect(t.amount).toMatch(/^\d+\.\d{2}$/);
    }
  });

  it('keeps balances that equal their transactions, computed in cents, and never negative', () => {
    for (const id of fresh.wallets.keys()) {
      let ledger = 0n;
      let available = 0n;
      for (const t of fresh.transactions.values()) {
        if (t.walletId !== id) continue;
        const cents = BigInt(t.amount.replace('.', ''));
        const credit = ['deposit', 'refund', 'transfer_in'].includes(t.kind);
        if (t.status === 'settled') {
          ledger += credit ? cents : -cents;
          available += credit ? cents : -cents;
        } else if (t.status === 'pending' && !credit) {
          available -= cents;
        }
      }
      const wallet = fresh.wallet(id)!;
      expect(BigInt(wallet.ledgerBalance.replace('.', ''))).toBe(ledger);
      expect(BigInt(wallet.availableBalance.replace('.', ''))).toBe(available);
      expect(available >= 0n).toBe(true);
    }
  });

  it('is the same on every start with the same seed, and different with another', () => {
    const again = seededBaasStore();
    const dump = (s: BaasStore) =>
      JSON.stringify([[...s.cardholders.values()], [...s.wallets.keys()].map((id) => s.wallet(id)), [...s.cards.values()], [...s.transactions.values()]]);
    expect(dump(again)).toBe(dump(fresh));
    expect(dump(seededBaasStore({ seed: 8 }))).not.toBe(dump(fresh));
  });

  it('dates every card after its wallet and every transaction after its card', () => {
    for (const card of fresh.cards.values()) {
      expect(card.createdAt > fresh.wallets.get(card.walletId)!.createdAt).toBe(true);
      for (const t of fresh.transactions.values()) if (t.cardId === card.id) expect(t.createdAt > card.createdAt).toBe(true);
    }
  });
});
