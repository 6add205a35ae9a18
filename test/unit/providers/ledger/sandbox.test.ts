import { request } from 'undici';
import {
  LEDGER_CARD_PRODUCT,
  LEDGER_DEFAULT_PAGE_SIZE,
  type CardStatusText,
  type LedgerTransaction,
  type LedgerWallet,
} from '../../../../src/providers/ledger/sandbox/store.js';
import { createLedgerSandbox, type LedgerSandbox } from '../../../../src/providers/ledger/sandbox/index.js';
import { seededLedgerStore } from '../../../../src/providers/ledger/sandbox/seed.js';

const API_KEY = 'ledger-test-key';
const TENANT = 'acme';
const AUTH = { authorization: `Bearer ${API_KEY}`, 'x-tenant-id': TENANT };

let sandbox: LedgerSandbox;
let baseUrl: string;

beforeAll(async () => {
  sandbox = createLedgerSandbox({ apiKey: API_KEY, tenantId: TENANT });
  baseUrl = await sandbox.server.start();
});

afterAll(async () => {
  await sandbox.server.stop();
});

interface Reply {
  status: number;
  /** Parsed JSON; `any` keeps the assertions on wire shapes short. */
  body: any;
}

async function call(
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await request(`${baseUrl}${path}`, {
    method,
    headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...(options.headers ?? AUTH) },
    body: payload,
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

const get = (path: string, headers?: Record<string, string>) => call('GET', path, { headers });
const qs = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** A seeded wallet whose card is in `status`, and that no other test has touched. */
const claimed = new Set<string>();
function walletWithCard(status: CardStatusText): LedgerWallet {
  const wallet = sandbox.store.wallets.find(
    (w) => !claimed.has(w.domainNamespace) && sandbox.store.cardOf(w)?.status === status,
  );
  if (!wallet) throw new Error(`no unclaimed wallet with a ${status} card`);
  claimed.add(wallet.domainNamespace);
  return wallet;
}

function walletWithoutCard(): LedgerWallet {
  const wallet = sandbox.store.wallets.find((w) => !claimed.has(w.domainNamespace) && !sandbox.store.cardOf(w));
  if (!wallet) throw new Error('no unclaimed wallet without a card');
  claimed.add(wallet.domainNamespace);
  return wallet;
}

function isLuhnValid(pan: string): boolean {
  let sum = 0;
  [...pan].reverse().forEach((ch, i) => {
    let d = Number(ch);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  });
  return sum % 10 === 0;
}

/** Descending by timestamp, then by trxId. */
function isDescending(items: LedgerTransaction[]): boolean {
  return items.every((t, i) => {
    const prev = items[i - 1];
    if (!prev) return true;
    const dt = Number(prev.timestamp) - Number(t.timestamp);
    return dt > 0 || (dt === 0 && prev.trxId > t.trxId);
  });
}

const historyPath = (identifier: string, type: string, params: Record<string, string> = {}) =>
  `/transactions/identifier/${encodeURIComponent(identifier)}/type/${type}/history?${qs(params)}`;

describe('authentication', () => {
  const customerPath = () => `/tenant/customer/customer-full-details/${sandbox.customerIds[0]}`;

  it('answers a wrong bearer key with 401 API Key', async () => {
    const res = await get(customerPath(), { authorization: 'Bearer nope', 'x-tenant-id': TENANT });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ errors: [{ type: 'API Key', message: 'Invalid API Key' }] });
  });

  it('answers a missing Authorization header with 401 API Key', async () => {
    const res = await get(customerPath(), { 'x-tenant-id': TENANT });
    expect(res.status).toBe(401);
    expect(res.body.errors[0].type).toBe('API Key');
  });

  it('answers a missing tenant header with 400 Tenant Id is missing', async () => {
    const res = await get(customerPath(), { authorization: `Bearer ${API_KEY}` });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ type: 'Tenant', message: 'Tenant Id is missing in Headers' }] });
  });

  it('answers another tenant with 403 Access control', async () => {
    const res = await get(customerPath(), { authorization: `Bearer ${API_KEY}`, 'x-tenant-id': 'someone-else' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ errors: [{ type: 'Access control', message: 'Access denied for this resource' }] });
  });

  it('answers an unknown route with 404 No data found', async () => {
    const res = await get('/cards/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ errors: [{ type: 'fetch', message: 'No data found' }] });
  });
});

describe('customer full details', () => {
  it('returns the customer with its wallets, exactly one primary', async () => {
    const customer = sandbox.store.customers[0]!;
    const res = await get(`/tenant/customer/customer-full-details/${customer.customerAccountId}`);
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Customer details fetched successfully');
    expect(res.body.data).toHaveLength(1);
    const data = res.body.data[0];
    expect(data).toMatchObject({
      customerAccountId: customer.customerAccountId,
      domainNamespace: `${TENANT}.${customer.firstName}${customer.lastName}.ul`.toLowerCase().replace(/-/g, ''),
      firstName: customer.firstName,
      lastName: customer.lastName,
      kycStatus: customer.kycStatus,
      accountStatus: customer.accountStatus,
      accountAddress: customer.accountAddress,
    });
    expect(Object.keys(data)).toEqual(
      expect.arrayContaining(['address', 'latLong', 'documents', 'tenant_customer_notes', 'idBadgeLogs', 'infoBadge']),
    );
    const wallets = data.wallets as Array<Record<string, unknown>>;
    expect(wallets).toHaveLength(sandbox.store.walletsOf(customer.customerAccountId).length);
    for (const wallet of wallets) {
      expect(Object.keys(wallet).sort()).toEqual(
        ['accountAddress', 'customNamespace', 'domainNamespace', 'isGlobal', 'isPrimary', 'namespaceProvider', 'tenantName'],
      );
      expect(wallet.accountAddress).toMatch(/^0x[0-9a-f]{40}$/);
    }
    const primaries = wallets.filter((w) => w.isPrimary);
    expect(primaries).toHaveLength(1);
    expect(primaries[0]!.accountAddress).toBe(customer.accountAddress);
  });

  it('answers an unknown customer with 404 No data available', async () => {
    const res = await get('/tenant/customer/customer-full-details/00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      errors: [{ type: 'No data available', message: 'There is no such customer account in the given tenant id' }],
    });
  });
});

describe('card details', () => {
  it('returns the card with its status code, by any one wallet identifier', async () => {
    const wallet = sandbox.store.wallets.find((w) => w.customNamespace && sandbox.store.cardOf(w)?.status === 'Active')!;
    const card = sandbox.store.cardOf(wallet)!;
    const byNamespace = await get(`/cards/details?${qs({ nameSpace: wallet.domainNamespace })}`);
    expect(byNamespace.status).toBe(200);
    expect(byNamespace.body).toEqual({
      message: 'Card details fetched successfully',
      data: {
        cardNumber: card.cardNumber,
        cardHolderName: card.cardHolderName,
        expiryDate: card.expiryDate,
        cvv: card.cvv,
        cardType: 'VISA',
        status: 'Active',
        statusCode: 1000,
      },
    });
    expect(byNamespace.body.data.expiryDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const byAddress = await get(`/cards/details?${qs({ walletAddress: wallet.accountAddress.toUpperCase().replace('0X', '0x') })}`);
    const byCustom = await get(`/cards/details?${qs({ customNameSpace: wallet.customNamespace! })}`);
    expect(byAddress.body).toEqual(byNamespace.body);
    expect(byCustom.body).toEqual(byNamespace.body);
  });

  it('reports a seeded lost card with its alternative code', async () => {
    const wallet = sandbox.store.wallets.find((w) => sandbox.store.cardOf(w)?.statusCode === 1140)!;
    const res = await get(`/cards/details?${qs({ nameSpace: wallet.domainNamespace })}`);
    expect(res.body.data).toMatchObject({ status: 'Lost', statusCode: 1140 });
  });

  const notFound = { errors: [{ type: 'Not found', message: 'Details not found, Please make sure details are correct.' }] };

  it('answers a wallet without a card with 400 Not found', async () => {
    const wallet = sandbox.store.wallets.find((w) => !sandbox.store.cardOf(w))!;
    const res = await get(`/cards/details?${qs({ nameSpace: wallet.domainNamespace })}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(notFound);
  });

  it('answers an unknown wallet, or no identifier at all, with 400 Not found', async () => {
    const unknown = await get(`/cards/details?${qs({ walletAddress: `0x${'1'.repeat(40)}` })}`);
    const none = await get('/cards/details');
    expect([unknown.status, none.status]).toEqual([400, 400]);
    expect(unknown.body).toEqual(notFound);
    expect(none.body).toEqual(notFound);
  });

  it('answers identifiers naming two different wallets with 400 Not found', async () => {
    const [a, b] = sandbox.store.wallets.filter((w) => sandbox.store.cardOf(w));
    const res = await get(`/cards/details?${qs({ nameSpace: a!.domainNamespace, walletAddress: b!.accountAddress })}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(notFound);
  });
});

describe('card status changes', () => {
  const statusOf = async (wallet: LedgerWallet) =>
    (await get(`/cards/details?${qs({ nameSpace: wallet.domainNamespace })}`)).body.data;

  it('blocks a card temporarily and unblocks it again', async () => {
    const wallet = walletWithCard('Active');
    const block = await call('PATCH', '/cards/block-unblock', {
      body: { block: true, reason: 'User requested temporary block', nameSpace: wallet.domainNamespace },
    });
    expect(block.status).toBe(200);
    expect(block.body).toEqual({
      message: 'Card status updated successfully',
      data: { status: 'Temporary block', statusCode: 1005 },
    });
    expect(await statusOf(wallet)).toMatchObject({ status: 'Temporary block', statusCode: 1005 });

    const unblock = await call('PATCH', '/cards/block-unblock', {
      body: { block: false, reason: 'Found it', walletAddress: wallet.accountAddress },
    });
    expect(unblock.status).toBe(200);
    expect(unblock.body.data).toEqual({ status: 'Active', statusCode: 1000 });
    expect(await statusOf(wallet)).toMatchObject({ status: 'Active', statusCode: 1000 });
  });

  it('reports a card lost and then refuses to unblock it', async () => {
    const wallet = walletWithCard('Active');
    const lost = await call('POST', '/cards/report/lost', {
      body: { reason: 'User reported', reportDate: '2026-09-30', nameSpace: wallet.domainNamespace },
    });
    expect(lost.status).toBe(200);
    expect(lost.body).toEqual({ message: 'Card status updated successfully', data: { status: 'Lost', statusCode: 1041 } });

    const unblock = await call('PATCH', '/cards/block-unblock', {
      body: { block: false, reason: 'Found it', nameSpace: wallet.domainNamespace },
    });
    expect(unblock.status).toBe(400);
    expect(unblock.body).toEqual({ errors: [{ type: 'catch', message: 'Card status cannot be changed from Lost' }] });
    expect(await statusOf(wallet)).toMatchObject({ status: 'Lost', statusCode: 1041 });
  });

  it('reports a temporarily blocked card stolen', async () => {
    const wallet = walletWithCard('Temporary block');
    const res = await call('POST', '/cards/report/stolen', {
      body: { reason: 'Pickpocket', reportDate: '2026-09-29', nameSpace: wallet.domainNamespace },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ status: 'Stolen', statusCode: 1043 });
  });

  it('does not let block-unblock lift a restriction the issuer imposed', async () => {
    const wallet = walletWithCard('Restricted');
    const res = await call('PATCH', '/cards/block-unblock', {
      body: { block: false, reason: 'Please', nameSpace: wallet.domainNamespace },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toEqual({ type: 'catch', message: 'Card status cannot be changed from Restricted' });
  });

  it('answers a status change for a wallet without a card with 400 Card Details Not Found', async () => {
    const wallet = sandbox.store.wallets.find((w) => !sandbox.store.cardOf(w) && !claimed.has(w.domainNamespace))!;
    const res = await call('PATCH', '/cards/block-unblock', {
      body: { block: true, reason: 'x', nameSpace: wallet.domainNamespace },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ type: 'Not found', message: 'Card Details Not Found' }] });
  });

  it('rejects a block flag that is not a boolean, a missing reason, and a bad report date', async () => {
    const nameSpace = sandbox.store.cards[0]!.walletNamespace;
    const badBlock = await call('PATCH', '/cards/block-unblock', { body: { block: 'yes', reason: 'x', nameSpace } });
    const noReason = await call('PATCH', '/cards/block-unblock', { body: { block: true, nameSpace } });
    const badDate = await call('POST', '/cards/report/lost', { body: { reason: 'x', reportDate: '2026-02-30', nameSpace } });
    for (const res of [badBlock, noReason, badDate]) {
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].type).toBe('catch');
    }
    expect(badBlock.body.errors[0].message).toMatch(/block/);
    expect(noReason.body.errors[0].message).toMatch(/reason/);
    expect(badDate.body.errors[0].message).toMatch(/reportDate/);
  });

  it('rejects a malformed JSON body', async () => {
    const res = await call('PATCH', '/cards/block-unblock', { rawBody: '{"block": tru' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ type: 'catch', message: 'Invalid JSON body' }] });
  });
});

describe('card issuance', () => {
  it('lists the eligible product for a wallet', async () => {
    const wallet = sandbox.store.wallets[0]!;
    const res = await get(`/cards/eligible-cards?${qs({ nameSpace: wallet.domainNamespace })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Select available product options', data: [LEDGER_CARD_PRODUCT] });
  });

  it('issues a card to a wallet without one, once', async () => {
    const wallet = walletWithoutCard();
    const body = { walletAddress: wallet.accountAddress, cardProductId: LEDGER_CARD_PRODUCT.cardProductId, tokenSymbol: 'USBC' };
    const issued = await call('POST', '/cards/request-card', { body });
    expect(issued.status).toBe(201);
    expect(issued.body.message).toBe('Debit card issued successfully');
    expect(issued.body.data).toMatchObject({ cardType: 'VISA', status: 'Active', statusCode: 1000 });
    expect(isLuhnValid(issued.body.data.cardNumber)).toBe(true);

    const details = await get(`/cards/details?${qs({ nameSpace: wallet.domainNamespace })}`);
    expect(details.body.data).toEqual(issued.body.data);

    const again = await call('POST', '/cards/request-card', { body });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ errors: [{ type: 'Duplicate', message: 'Card already exists for this wallet' }] });
  });

  it('answers an unknown product with 400 Not found', async () => {
    const wallet = walletWithoutCard();
    const res = await call('POST', '/cards/request-card', {
      body: { nameSpace: wallet.domainNamespace, cardProductId: 'no-such-product', tokenSymbol: 'USBC' },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].type).toBe('Not found');
    expect(sandbox.store.cardOf(wallet)).toBeUndefined();
  });
});

describe('transaction history', () => {
  /** The wallet with the longest on-chain history. */
  const busiest = () =>
    [...sandbox.store.wallets].sort((a, b) => sandbox.store.history(b, 'on-chain').length - sandbox.store.history(a, 'on-chain').length)[0]!;

  it('walks every on-chain item exactly once, newest first, page by page', async () => {
    const wallet = busiest();
    const expected = sandbox.store.history(wallet, 'on-chain');
    expect(expected.length).toBeGreaterThan(7);
    const seen: LedgerTransaction[] = [];
    for (let page = 1; ; page += 1) {
      const res = await get(historyPath(wallet.accountAddress, 'on-chain', { page: String(page), offset: '3' }));
      expect(res.status).toBe(200);
      const items = res.body.data as LedgerTransaction[];
      expect(items.length).toBeLessThanOrEqual(3);
      if (items.length === 0) break;
      seen.push(...items);
    }
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen.map((t) => t.trxId)).size).toBe(expected.length);
    expect(seen.map((t) => t.trxId).sort()).toEqual(expected.map((t) => t.trxId).sort());
    expect(isDescending(seen)).toBe(true);
  });

  it('returns items shaped exactly like the reference', async () => {
    const wallet = busiest();
    const res = await get(historyPath(wallet.domainNamespace, 'on-chain'));
    const item = res.body.data[0];
    expect(Object.keys(item)).toEqual([
      'trxId', 'blockHash', 'blockNumber', 'amount', 'paymentType', 'from', 'to', 'tokenSymbol',
      'fromNamespace', 'toNamespace', 'fromCustomNamespace', 'toCustomNamespace', 'status',
      'timestamp', 'isError', 'revertReason', 'navigationURL',
    ]);
    expect(item.amount).toMatch(/^\d+$/);
    expect(item.timestamp).toMatch(/^\d+$/);
    expect(item.tokenSymbol).toBe('USBC');
  });

  it('pages by 12 when no offset is given, and sorts ascending on request', async () => {
    const wallet = busiest();
    const all = sandbox.store.history(wallet, 'on-chain');
    const firstPage = await get(historyPath(wallet.accountAddress, 'on-chain'));
    expect(firstPage.body.data).toHaveLength(Math.min(all.length, LEDGER_DEFAULT_PAGE_SIZE));
    const desc = await get(historyPath(wallet.accountAddress, 'on-chain', { offset: '100' }));
    const asc = await get(historyPath(wallet.accountAddress, 'on-chain', { offset: '100', sort: 'asc' }));
    expect(asc.body.data).toEqual([...desc.body.data].reverse());
  });

  it('keeps on-chain (the address) and off-chain (the card) histories apart', async () => {
    const wallet = walletWithCard('Active');
    const onChain = (await get(historyPath(wallet.accountAddress, 'on-chain', { offset: '100' }))).body.data as LedgerTransaction[];
    const offChain = (await get(historyPath(wallet.domainNamespace, 'off-chain', { offset: '100' }))).body.data as LedgerTransaction[];
    expect(onChain).toHaveLength(sandbox.store.history(wallet, 'on-chain').length);
    expect(offChain).toHaveLength(sandbox.store.history(wallet, 'off-chain').length);
    expect(offChain.length).toBeGreaterThan(0);
    const onIds = new Set(onChain.map((t) => t.trxId));
    expect(offChain.some((t) => onIds.has(t.trxId))).toBe(false);
    // Any identifier of the wallet names the same history.
    const viaNamespace = (await get(historyPath(wallet.domainNamespace, 'on-chain', { offset: '100' }))).body.data;
    expect(viaNamespace).toEqual(onChain);
  });

  it('filters by an inclusive mm/dd/yyyy date range', async () => {
    const wallet = busiest();
    const all = sandbox.store.history(wallet, 'on-chain');
    const day = new Date(Number(all[0]!.timestamp) * 1000);
    const mmddyyyy = `${String(day.getUTCMonth() + 1).padStart(2, '0')}/${String(day.getUTCDate()).padStart(2, '0')}/${day.getUTCFullYear()}`;
    const res = await get(historyPath(wallet.accountAddress, 'on-chain', { startdate: mmddyyyy, enddate: mmddyyyy, offset: '100' }));
    expect(res.status).toBe(200);
    const dayStart = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()) / 1000;
    const expected = all.filter((t) => Number(t.timestamp) >= dayStart && Number(t.timestamp) < dayStart + 86_400);
    expect(res.body.data.map((t: LedgerTransaction) => t.trxId).sort()).toEqual(expected.map((t) => t.trxId).sort());
    expect(res.body.data.length).toBeGreaterThan(0);
  });

  it('answers a start date after the end date, or a malformed date, with a filterError', async () => {
    const wallet = busiest();
    const reversed = await get(historyPath(wallet.accountAddress, 'on-chain', { startdate: '09/02/2026', enddate: '09/01/2026' }));
    expect(reversed.status).toBe(400);
    expect(reversed.body).toEqual({
      errors: [{ type: 'filterError', message: 'Start date can not be greater than the End date' }],
    });
    const malformed = await get(historyPath(wallet.accountAddress, 'on-chain', { startdate: '2026-09-01' }));
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].type).toBe('filterError');
  });

  it('answers a type other than on-chain or off-chain with a filterError', async () => {
    const res = await get(historyPath(busiest().accountAddress, 'sideways'));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ type: 'filterError', message: 'type can only be on-chain || off-chain' }] });
  });

  it('answers an unknown identifier under the error key, not message', async () => {
    const res = await get(historyPath('john.ul', 'on-chain'));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ type: 'Transaction error', error: 'No address found for namespace john.ul' }] });
  });
});

describe('balance', () => {
  it('returns the wallet balance as an 18-decimal integer string, by any identifier', async () => {
    const wallet = sandbox.store.wallets[1]!;
    const res = await get(`/transactions/${wallet.domainNamespace}/balance`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { accountBalance: sandbox.store.balanceOf(wallet) } });
    expect(res.body.data.accountBalance).toMatch(/^\d+$/);
    const byAddress = await get(`/transactions/${wallet.accountAddress}/balance`);
    expect(byAddress.body).toEqual(res.body);
  });

  it('equals the completed credits less the completed debits', () => {
    const wallet = sandbox.store.wallets[2]!;
    const settled = [...sandbox.store.history(wallet, 'on-chain'), ...sandbox.store.history(wallet, 'off-chain')]
      .filter((t) => t.status === 'Completed')
      .reduce((sum, t) => sum + (t.paymentType === 'credit' ? BigInt(t.amount) : -BigInt(t.amount)), 0n);
    expect(sandbox.store.balanceOf(wallet)).toBe(settled.toString());
  });

  it('answers an unknown identifier with 400 Client error under the error key', async () => {
    const address = `0x${'9'.repeat(40)}`;
    const res = await get(`/transactions/${address}/balance`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ type: 'Client error', error: `Unable to fetch balance for address ${address}` }] });
  });
});

describe('seeded data', () => {
  const store = seededLedgerStore(TENANT, 2);

  it('is identical for the same seed, ids included, and different for another', () => {
    expect(seededLedgerStore(TENANT, 2)).toEqual(store);
    expect(seededLedgerStore(TENANT, 3).customers[0]!.customerAccountId).not.toBe(store.customers[0]!.customerAccountId);
  });

  it('exposes the seeded customer ids for the gateway directory', () => {
    expect(createLedgerSandbox({ apiKey: 'k', tenantId: TENANT }).customerIds).toEqual(
      store.customers.map((c) => c.customerAccountId),
    );
  });

  it('holds the required numbers of customers, wallets, cards and transactions', () => {
    expect(store.customers.length).toBeGreaterThanOrEqual(22);
    expect(store.wallets.length).toBeGreaterThanOrEqual(34);
    expect(store.cards.length).toBeGreaterThanOrEqual(32);
    expect(store.cards.length).toBeLessThan(store.wallets.length);
    expect(store.transactions.length).toBeGreaterThanOrEqual(320);
  });

  it('gives every customer 1 to 3 wallets, exactly one primary, and unique namespaces', () => {
    for (const customer of store.customers) {
      const wallets = store.walletsOf(customer.customerAccountId);
      expect(wallets.length).toBeGreaterThanOrEqual(1);
      expect(wallets.length).toBeLessThanOrEqual(3);
      expect(wallets.filter((w) => w.isPrimary)).toHaveLength(1);
      expect(customer.domainNamespace).toMatch(new RegExp(`^${TENANT}\\.[a-z]+\\.ul$`));
    }
    expect(new Set(store.wallets.map((w) => w.domainNamespace)).size).toBe(store.wallets.length);
    expect(store.wallets.some((w) => w.customNamespace === null)).toBe(true);
    expect(store.wallets.some((w) => w.customNamespace !== null)).toBe(true);
    expect(new Set(store.customers.map((c) => c.kycStatus))).toEqual(new Set(['PENDING', 'ACCEPTED', 'REJECTED']));
  });

  it('spreads card statuses, mostly Active, with Luhn PANs and 3-digit CVVs', () => {
    const statuses = new Set(store.cards.map((c) => c.status));
    expect(statuses).toEqual(new Set(['Active', 'Temporary block', 'Decline all', 'Lost', 'Stolen', 'Expired', 'Restricted']));
    expect(store.cards.filter((c) => c.status === 'Active').length).toBeGreaterThan(store.cards.length / 2);
    for (const card of store.cards) {
      expect(isLuhnValid(card.cardNumber)).toBe(true);
      expect(card.cvv).toMatch(/^\d{3}$/);
    }
    expect(new Set(store.cards.map((c) => c.walletNamespace)).size).toBe(store.cards.length);
  });

  it('gives every wallet on-chain history and every carded wallet off-chain history, all in the past', () => {
    for (const wallet of store.wallets) {
      expect(store.history(wallet, 'on-chain').length).toBeGreaterThan(0);
      expect(store.history(wallet, 'off-chain').length > 0).toBe(store.cardOf(wallet) !== undefined);
    }
    const now = Date.UTC(2026, 9, 1, 12) / 1000;
    for (const { transaction: t } of store.transactions) {
      expect(Number(t.timestamp)).toBeLessThanOrEqual(now);
      expect(t.isError).toBe(t.status === 'Failed' ? '1' : '0');
      expect(t.amount).toMatch(/^[1-9]\d*$/);
    }
    const statuses = new Set(store.transactions.map((r) => r.transaction.status));
    expect(statuses).toEqual(new Set(['Completed', 'Pending', 'Failed']));
    expect(store.transactions.some((r) => BigInt(r.transaction.amount) % 10n ** 18n !== 0n)).toBe(true);
  });
});
