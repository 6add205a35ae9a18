/**
 * ledger's HTTP routes, speaking the reference's paths and error bodies (docs/ledger.txt):
 * bearer key and tenant checks, customers, cards, history and balances.
 */
import { header, type Route, type SandboxRequest, type SandboxResponse } from '../../../sandbox/server.js';
import { isNonEmptyString, readJsonObject, type JsonObject } from '../../../sandbox/body.js';
import { integerParam, pageOf } from '../../../sandbox/paging.js';
import {
  CARD_STATUS_CODES,
  type CardStatusText,
  type ChainType,
  isoDate,
  LEDGER_CARD_PRODUCT,
  LEDGER_DEFAULT_PAGE_SIZE,
  LEDGER_MAX_PAGE_SIZE,
  LEDGER_TOKEN_SYMBOL,
  type LedgerCard,
  type LedgerStore,
  type LedgerTransaction,
  type WalletRef,
} from './store.js';

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

type Json = JsonObject;

export function failure(status: number, type: string, message: string): SandboxResponse {
  return { status, body: { errors: [{ type, message }] } };
}

/** A few of the reference's bodies carry the text under `error` rather than `message`. */
function failureWithErrorKey(status: number, type: string, error: string): SandboxResponse {
  return { status, body: { errors: [{ type, error }] } };
}

const detailsNotFound = (): SandboxResponse => failure(400, 'Not found', 'Details not found, Please make sure details are correct.');
const cardNotFound = (): SandboxResponse => failure(400, 'Not found', 'Card Details Not Found');
const invalidInput = (message: string): SandboxResponse => failure(400, 'catch', message);
const filterError = (message: string): SandboxResponse => failure(400, 'filterError', message);

export function authenticate(options: { apiKey: string; tenantId: string }): (req: SandboxRequest) => SandboxResponse | undefined {
  return (req) => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '')?.[1];
    if (bearer !== options.apiKey) return failure(401, 'API Key', 'Invalid API Key');
    const tenant = header(req, 'x-tenant-id');
    if (!tenant) return failure(400, 'Tenant', 'Tenant Id is missing in Headers');
    if (tenant !== options.tenantId) return failure(403, 'Access control', 'Access denied for this resource');
    return undefined;
  };
}

/** The body as a JSON object; an empty body is `{}` so that field validation reports it. */
function readBody(req: SandboxRequest): { body: Json } | { error: SandboxResponse } {
  const body = readJsonObject(req);
  if (body === 'empty') return { body: {} };
  return typeof body === 'string' ? { error: invalidInput('Invalid JSON body') } : { body };
}

function walletRef(get: (key: keyof WalletRef) => unknown): WalletRef {
  const ref: WalletRef = {};
  for (const key of ['walletAddress', 'nameSpace', 'customNameSpace'] as const) {
    const value = get(key);
    if (typeof value === 'string' && value !== '') ref[key] = value;
  }
  return ref;
}

const queryRef = (req: SandboxRequest): WalletRef => walletRef((key) => req.query.get(key));
const bodyRef = (body: Json): WalletRef => walletRef((key) => body[key]);

function isIsoDate(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && isoDate(ms) === value;
}

// --- customers ---

function customerDetails(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const customer = store.customer(req.params.customerAccountId ?? '');
  if (!customer) return failure(404, 'No data available', 'There is no such customer account in the given tenant id');
  const wallets = store.walletsOf(customer.customerAccountId).map(({ customerAccountId: _owner, ...wallet }) => wallet);
  const { idBadgeLogs, infoBadge, ...profile } = customer;
  return {
    status: 200,
    body: { message: 'Customer details fetched successfully', data: [{ ...profile, wallets, idBadgeLogs, infoBadge }] },
  };
}

// --- cards ---

function cardView(card: LedgerCard) {
  const { cardNumber, cardHolderName, expiryDate, cvv, cardType, status, statusCode } = card;
  return { cardNumber, cardHolderName, expiryDate, cvv, cardType, status, statusCode };
}

function cardDetails(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const wallet = store.findWallet(queryRef(req));
  const card = wallet && store.cardOf(wallet);
  if (!card) return detailsNotFound();
  return { status: 200, body: { message: 'Card details fetched successfully', data: cardView(card) } };
}

function eligibleCards(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  if (!store.findWallet(queryRef(req))) return detailsNotFound();
  return { status: 200, body: { message: 'Select available product options', data: [LEDGER_CARD_PRODUCT] } };
}

function requestCard(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const read = readBody(req);
  if ('error' in read) return read.error;
  const { body } = read;
  if (!isNonEmptyString(body.cardProductId)) return invalidInput('"cardProductId" must be a non-empty string');
  if (!isNonEmptyString(body.tokenSymbol)) return invalidInput('"tokenSymbol" must be a non-empty string');
  const wallet = store.findWallet(bodyRef(body));
  if (!wallet) return detailsNotFound();
  if (store.cardOf(wallet)) return failure(400, 'Duplicate', 'Card already exists for this wallet');
  if (body.cardProductId !== LEDGER_CARD_PRODUCT.cardProductId || body.tokenSymbol !== LEDGER_TOKEN_SYMBOL) {
    return detailsNotFound();
  }
  const card = store.issueCard(wallet, body.cardProductId);
  return { status: 201, body: { message: 'Debit card issued successfully', data: cardView(card) } };
}

type CardAction = 'block' | 'unblock' | 'lost' | 'stolen';

const ACTION_TARGET: Record<CardAction, CardStatusText> = {
  block: 'Temporary block',
  unblock: 'Active',
  lost: 'Lost',
  stolen: 'Stolen',
};
const TERMINAL_STATUSES: ReadonlySet<CardStatusText> = new Set(['Lost', 'Stolen', 'Expired']);
// block-unblock toggles only the customer's own temporary block: issuer-imposed statuses
// (Restricted, Decline all) and terminal ones are out of its reach.
const TOGGLEABLE_STATUSES: ReadonlySet<CardStatusText> = new Set(['Active', 'Temporary block']);

/** The status an action leads to, or undefined when the card's status forbids it. */
export function cardTransition(
  card: Pick<LedgerCard, 'status' | 'statusCode'>,
  action: CardAction,
): { status: CardStatusText; statusCode: number } | undefined {
  const target = ACTION_TARGET[action];
  // Repeating an action is harmless (a retried request) and keeps the card's own code (1140 …).
  if (card.status === target) return { status: card.status, statusCode: card.statusCode };
  const allowed = action === 'block' || action === 'unblock' ? TOGGLEABLE_STATUSES.has(card.status) : !TERMINAL_STATUSES.has(card.status);
  return allowed ? { status: target, statusCode: CARD_STATUS_CODES[target] } : undefined;
}

function applyCardAction(store: LedgerStore, body: Json, action: CardAction): SandboxResponse {
  const wallet = store.findWallet(bodyRef(body));
  const card = wallet && store.cardOf(wallet);
  if (!card) return cardNotFound();
  const next = cardTransition(card, action);
  if (!next) return invalidInput(`Card status cannot be changed from ${card.status}`);
  card.status = next.status;
  card.statusCode = next.statusCode;
  return { status: 200, body: { message: 'Card status updated successfully', data: next } };
}

function blockUnblock(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const read = readBody(req);
  if ('error' in read) return read.error;
  const { body } = read;
  if (typeof body.block !== 'boolean') return invalidInput('"block" must be a boolean');
  if (!isNonEmptyString(body.reason)) return invalidInput('"reason" must be a non-empty string');
  return applyCardAction(store, body, body.block ? 'block' : 'unblock');
}

function report(store: LedgerStore, req: SandboxRequest, action: 'lost' | 'stolen'): SandboxResponse {
  const read = readBody(req);
  if ('error' in read) return read.error;
  const { body } = read;
  if (!isNonEmptyString(body.reason)) return invalidInput('"reason" must be a non-empty string');
  if (!isIsoDate(body.reportDate)) return invalidInput('"reportDate" must be a date in YYYY-MM-DD format');
  return applyCardAction(store, body, action);
}

// --- transactions ---

export interface HistoryQuery {
  /** Inclusive bounds in epoch seconds. */
  from?: number;
  to?: number;
  sort: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

/** Seconds at the start of a `mm/dd/yyyy` day (UTC), or undefined when it is not a real date. */
function parseUsDate(text: string): number | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  if (!m) return undefined;
  const [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return ms / 1000;
}

/** The history filters, or the message of the filterError they deserve. */
export function parseHistoryQuery(query: URLSearchParams, chain: ChainType): HistoryQuery | string {
  const fail = (detail: string) => `Error in ${chain === 'on-chain' ? 'fetchOnChainTransactionHistory' : 'fetchOffChainTransactionHistory'}: ${detail}`;
  const bounds: { from?: number; to?: number } = {};
  for (const [key, field] of [['startdate', 'from'], ['enddate', 'to']] as const) {
    const text = query.get(key);
    if (text === null || text === '') continue;
    const seconds = parseUsDate(text);
    if (seconds === undefined) return fail(`${key} must be a date in mm/dd/yyyy format`);
    bounds[field] = field === 'to' ? seconds + 86_399 : seconds;
  }
  if (bounds.from !== undefined && bounds.to !== undefined && bounds.from > bounds.to) {
    return 'Start date can not be greater than the End date';
  }
  const sort = query.get('sort') || 'desc';
  if (sort !== 'asc' && sort !== 'desc') return fail('sort can only be asc || desc');
  const page = integerParam(query.get('page'), 1, 1);
  if (page === undefined) return fail('page must be a positive integer');
  const offset = integerParam(query.get('offset'), LEDGER_DEFAULT_PAGE_SIZE, 1);
  if (offset === undefined) return fail('offset must be a positive integer');
  return { ...bounds, sort, page, pageSize: Math.min(offset, LEDGER_MAX_PAGE_SIZE) };
}

/** Filters, orders (timestamp, then trxId, both in the requested direction) and pages. */
export function historyPage(items: readonly LedgerTransaction[], q: HistoryQuery): LedgerTransaction[] {
  const direction = q.sort === 'asc' ? 1 : -1;
  const compare = (a: LedgerTransaction, b: LedgerTransaction) =>
    direction * (Number(a.timestamp) - Number(b.timestamp) || (a.trxId < b.trxId ? -1 : a.trxId > b.trxId ? 1 : 0));
  const matching = items.filter(
    (t) => (q.from === undefined || Number(t.timestamp) >= q.from) && (q.to === undefined || Number(t.timestamp) <= q.to),
  );
  return pageOf(matching.sort(compare), q.page, q.pageSize);
}

function transactionHistory(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const identifier = req.params.identifier ?? '';
  const chain = req.params.type;
  if (chain !== 'on-chain' && chain !== 'off-chain') return filterError('type can only be on-chain || off-chain');
  const wallet = store.walletByIdentifier(identifier);
  if (!wallet) return failureWithErrorKey(400, 'Transaction error', `No address found for namespace ${identifier}`);
  const query = parseHistoryQuery(req.query, chain);
  if (typeof query === 'string') return filterError(query);
  return { status: 200, body: { data: historyPage(store.history(wallet, chain), query) } };
}

function balance(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const identifier = req.params.identifier ?? '';
  const wallet = store.walletByIdentifier(identifier);
  if (!wallet) return failureWithErrorKey(400, 'Client error', `Unable to fetch balance for address ${identifier}`);
  return { status: 200, body: { data: { accountBalance: store.balanceOf(wallet) } } };
}

export function ledgerRoutes(store: LedgerStore): Route[] {
  const route = (method: string, pattern: string, handle: (store: LedgerStore, req: SandboxRequest) => SandboxResponse): Route => ({
    method,
    pattern,
    handler: (req) => handle(store, req),
  });
  return [
    route('GET', '/tenant/customer/customer-full-details/:customerAccountId', customerDetails),
    route('GET', '/cards/details', cardDetails),
    route('GET', '/cards/eligible-cards', eligibleCards),
    route('PATCH', '/cards/block-unblock', blockUnblock),
    route('POST', '/cards/report/lost', (s, req) => report(s, req, 'lost')),
    route('POST', '/cards/report/stolen', (s, req) => report(s, req, 'stolen')),
    route('POST', '/cards/request-card', requestCard),
    route('GET', '/transactions/identifier/:identifier/type/:type/history', transactionHistory),
    route('GET', '/transactions/:identifier/balance', balance),
  ];
}

