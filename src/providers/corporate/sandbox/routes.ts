/**
 * corporate's HTTP side, speaking shared/providers/corporate.md: the plain `{error}` checks,
 * the decrypted payload's validation, the handlers and the encrypted answers.
 */
import { formatCents, toCents } from '../../../sandbox/money.js';
import { jsonBody } from '../../../sandbox/body.js';
import { newestFirstBy, pageOf, type SortKey } from '../../../sandbox/paging.js';
import { header, type Route, type SandboxRequest, type SandboxResponse } from '../../../sandbox/server.js';
import { open, seal } from '../envelope.js';
import {
  CORPORATE_ERROR_SLUGS,
  CORPORATE_PLAIN_ERRORS,
  type CorporateErrorSlug,
  type CorporatePlainError,
} from '../contract.js';
import {
  AMOUNT,
  CORPORATE_PRODUCTS,
  type CorporateCard,
  type CorporateCardStatus,
  type CorporateKyc,
  type CorporateKycStatus,
  type CorporateOrder,
  type CorporateProduct,
  CorporateStore,
  type CorporateUser,
  TIMESTAMP_WINDOW_US,
} from './store.js';

// ---------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------
// Errors: the standard (encrypted) error object, thrown by handlers.

/** The provider's human-readable text per slug (docs/corporate.txt, "Common error slugs"). */
const SLUG_TEXT: Record<CorporateErrorSlug, string> = {
  invalid_request: 'Invalid request',
  invalid_amount: 'Amount is invalid or negative.',
  idempotency_key_required: 'Missing Idempotency-Key header for mutation.',
  insufficient_funds: 'Master balance is too low for the operation.',
  user_not_found: 'User with the given external_user_id does not exist.',
  card_not_found: 'Card with the given card_id does not exist.',
  cardholder_not_found: 'Cardholder not found for external_user_id.',
  order_not_found: 'Order with the given order_id does not exist.',
  external_user_id_exists: 'A user with this external_user_id already exists.',
  cardholder_already_exists: 'A cardholder already exists for this user.',
  card_not_active: 'Card is not in active status for this operation.',
  card_user_mismatch: 'Card does not belong to the specified user.',
  internal_error: 'Unhandled server error.',
  provider_error: 'External card provider returned an error.',
  topup_attempts_exceeded: 'Maximum retry attempts exceeded. Try again later.',
};

export class CorporateSandboxError extends Error {
  constructor(
    readonly slug: CorporateErrorSlug,
    detail?: string,
  ) {
    super(detail ? `${SLUG_TEXT[slug].replace(/\.$/, '')}: ${detail}` : SLUG_TEXT[slug]);
  }

  get status(): number {
    return CORPORATE_ERROR_SLUGS[this.slug];
  }
}

const invalid = (detail: string) => new CorporateSandboxError('invalid_request', detail);

// ---------------------------------------------------------------------------------------
// Request reading and validation (the decrypted payload).

type Payload = Record<string, unknown>;

function requiredString(payload: Payload, field: string): string {
  const value = payload[field];
  if (value === undefined || value === null || value === '') throw invalid(`${field} is required`);
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  return value;
}

/** A positive decimal amount with at most two decimals, in cents. */
function amountCents(payload: Payload, field: string, required: boolean): bigint | null {
  const value = payload[field];
  if (value === undefined || value === null) {
    if (required) throw invalid(`${field} is required`);
    return null;
  }
  if (typeof value !== 'string' || !AMOUNT.test(value) || toCents(value) <= 0n) {
    throw new CorporateSandboxError('invalid_amount', `${field} must be a positive decimal string such as "25.00"`);
  }
  return toCents(value);
}

function positiveInt(payload: Payload, field: string, fallback: number, max?: number): number {
  const value = payload[field];
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw invalid(`${field} must be a positive integer`);
  if (max !== undefined && n > max) throw invalid(`${field} must be at most ${max}`);
  return n;
}

export const CORPORATE_DEFAULT_PER_PAGE = 20;
export const CORPORATE_MAX_PER_PAGE = 100;

interface ListAnswer<T> {
  items: T[];
  page: number;
  per_page: number;
  total: number;
}

/** Newest first (created_at, then id, both descending), page-numbered from 1. */
function listOf<T>(items: readonly T[], payload: Payload, key: (item: T) => SortKey): ListAnswer<T> {
  const page = positiveInt(payload, 'page', 1);
  const perPage = positiveInt(payload, 'per_page', CORPORATE_DEFAULT_PER_PAGE, CORPORATE_MAX_PER_PAGE);
  const ordered = [...items].sort(newestFirstBy(key));
  return { items: pageOf(ordered, page, perPage), page, per_page: perPage, total: ordered.length };
}

// ---------------------------------------------------------------------------------------
// Handlers. Each returns the `data` of a success or throws a CorporateSandboxError.

interface Call {
  payload: Payload;
  req: SandboxRequest;
}

type Handler = (store: CorporateStore, call: Call) => unknown;

function userOf(store: CorporateStore, payload: Payload): CorporateUser {
  const id = requiredString(payload, 'external_user_id');
  const user = store.users.get(id);
  if (!user) throw new CorporateSandboxError('user_not_found');
  return user;
}

/** The card named by `external_user_id` + `card_id`, checked to be that user's. */
function cardOf(store: CorporateStore, payload: Payload): CorporateCard {
  const user = userOf(store, payload);
  const card = store.cards.get(requiredString(payload, 'card_id'));
  if (!card) throw new CorporateSandboxError('card_not_found');
  if (card.external_user_id !== user.external_user_id) throw new CorporateSandboxError('card_user_mismatch');
  return card;
}

function productOf(payload: Payload): CorporateProduct {
  const id = requiredString(payload, 'product_id');
  const product = CORPORATE_PRODUCTS.find((p) => p.product_id === id);
  if (!product) throw invalid(`product_id ${id} is not a card product of this account`);
  return product;
}

function idempotencyKey(req: SandboxRequest): string {
  const raw = req.headers['idempotency-key'];
  const key = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!key) throw new CorporateSandboxError('idempotency_key_required');
  return `${req.path}\n${key}`;
}

/** The original order of a retried create/top-up, as it stands now. */
function replayed(store: CorporateStore, key: string): CorporateOrder | undefined {
  const orderId = store.idempotency.get(key);
  return orderId === undefined ? undefined : store.orders.get(orderId)?.order;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const createUser: Handler = (store, { payload }) => {
  const externalUserId = requiredString(payload, 'external_user_id');
  const email = requiredString(payload, 'email');
  if (!EMAIL.test(email)) throw invalid('email is not a valid address');
  const firstName = requiredString(payload, 'first_name');
  const lastName = requiredString(payload, 'last_name');
  if (store.users.has(externalUserId)) throw new CorporateSandboxError('external_user_id_exists');
  return store.addUser({ external_user_id: externalUserId, email, first_name: firstName, last_name: lastName });
};

const createCardholder: Handler = (store, { payload }) => {
  const user = userOf(store, payload);
  const product = productOf(payload);
  const rawKyc = payload.kyc;
  if (typeof rawKyc !== 'object' || rawKyc === null || Array.isArray(rawKyc)) throw invalid('kyc is required');
  const k = rawKyc as Payload;
  const kyc: CorporateKyc = {
    first_name: requiredString(k, 'first_name'),
    last_name: requiredString(k, 'last_name'),
    date_of_birth: requiredString(k, 'date_of_birth'),
    country: requiredString(k, 'country'),
    id_document_number: requiredString(k, 'id_document_number'),
  };
  if (!DATE.test(kyc.date_of_birth) || Number.isNaN(Date.parse(kyc.date_of_birth))) throw invalid('kyc.date_of_birth must be YYYY-MM-DD');
  if (!/^[A-Z]{2}$/.test(kyc.country)) throw invalid('kyc.country must be an ISO 3166 alpha-2 code');
  if (store.cardholders.has(user.external_user_id)) throw new CorporateSandboxError('cardholder_already_exists');
  const document = kyc.id_document_number.toUpperCase();
  const status: CorporateKycStatus = document.startsWith('REJECT') ? 'rejected' : document.startsWith('PEND') ? 'pending' : 'approved';
  return store.addCardholder(user.external_user_id, product.product_id, kyc, status);
};

const getCardholder: Handler = (store, { payload }) => {
  const user = userOf(store, payload);
  const cardholder = store.cardholders.get(user.external_user_id);
  if (!cardholder) throw new CorporateSandboxError('cardholder_not_found');
  return cardholder;
};

const createCard: Handler = (store, { payload, req }) => {
  const key = idempotencyKey(req);
  const original = replayed(store, key);
  if (original) return original;
  const user = userOf(store, payload);
  if (!store.cardholders.has(user.external_user_id)) throw new CorporateSandboxError('cardholder_not_found');
  const product = productOf(payload);
  const initial = amountCents(payload, 'initial_amount', false);
  if (initial !== null && initial > store.masterCents) throw new CorporateSandboxError('insufficient_funds');
  const now = store.nowIso();
  const order = store.addOrder(
    {
      type: 'card_issue',
      status: 'pending',
      card_id: null,
      amount: initial === null ? null : formatCents(initial),
      failure_reason: null,
      created_at: now,
      updated_at: now,
    },
    user.external_user_id,
    product.product_id,
  );
  store.idempotency.set(key, order.order_id);
  return order;
};

const topupCard: Handler = (store, { payload, req }) => {
  const key = idempotencyKey(req);
  // Before any check: a retried top-up that already went through must not read as
  // "insufficient funds" because the first one already debited the master wallet.
  const original = replayed(store, key);
  if (original) return original;
  const card = cardOf(store, payload);
  const cents = amountCents(payload, 'amount', true)!;
  if (card.status !== 'active') throw new CorporateSandboxError('card_not_active');
  if (store.cardProviderDown) throw new CorporateSandboxError('topup_attempts_exceeded');
  if (cents > store.masterCents) throw new CorporateSandboxError('insufficient_funds');
  const now = store.nowIso();
  const order = store.addOrder(
    { type: 'topup', status: 'pending', card_id: card.card_id, amount: formatCents(cents), failure_reason: null, created_at: now, updated_at: now },
    card.external_user_id,
    null,
  );
  store.idempotency.set(key, order.order_id);
  return order;
};

const getOrder: Handler = (store, { payload }) => {
  const order = store.advanceOrder(requiredString(payload, 'order_id'));
  if (!order) throw new CorporateSandboxError('order_not_found');
  return order;
};

function changeStatus(from: CorporateCardStatus, to: CorporateCardStatus): Handler {
  return (store, { payload }) => {
    const card = cardOf(store, payload);
    if (card.status === to) return card; // a repeated request changes nothing
    if (card.status !== from) throw new CorporateSandboxError('card_not_active');
    // The status is confirmed by the card provider behind corporate.
    if (store.cardProviderDown) throw new CorporateSandboxError('provider_error');
    card.status = to;
    return card;
  };
}

const listCards: Handler = (store, { payload }) => {
  const hasUser = payload.external_user_id !== undefined && payload.external_user_id !== null;
  const owner = hasUser ? userOf(store, payload).external_user_id : undefined;
  const cards = [...store.cards.values()].filter((c) => owner === undefined || c.external_user_id === owner);
  return listOf(cards, payload, (c) => ({ at: c.created_at, id: c.card_id }));
};

const ROUTES: ReadonlyArray<readonly [string, Handler]> = [
  ['/users/create', createUser],
  ['/users/get', (store, { payload }) => userOf(store, payload)],
  ['/users/list', (store, { payload }) => listOf([...store.users.values()], payload, (u) => ({ at: u.created_at, id: u.external_user_id }))],
  ['/card-products/list', () => CORPORATE_PRODUCTS],
  ['/cardholders/create', createCardholder],
  ['/cardholders/get', getCardholder],
  ['/cards/create', createCard],
  ['/orders/get', getOrder],
  ['/cards/get', (store, { payload }) => cardOf(store, payload)],
  ['/cards/list', listCards],
  ['/cards/sensitive', (store, { payload }) => store.sensitive.get(cardOf(store, payload).card_id)],
  ['/cards/topup', topupCard],
  ['/cards/freeze', changeStatus('active', 'frozen')],
  ['/cards/unfreeze', changeStatus('frozen', 'active')],
  [
    '/cards/transactions',
    (store, { payload }) => listOf(store.transactionsOf(cardOf(store, payload).card_id), payload, (t) => ({ at: t.created_at, id: t.transaction_id })),
  ],
  ['/master-wallet/deposit-address', (store) => ({ network: 'TRC20', currency: 'USDT', address: store.depositAddress })],
  ['/master-wallet/balance', (store) => ({ currency: 'USDT', available: formatCents(store.masterCents) })],
];

export const CORPORATE_PATHS = ROUTES.map(([path]) => `/api/v1${path}`);
/**
 * The routes and the checks before them: the plain checks (key, access, envelope, timestamp,
 * replay), then each handler's answer, encrypted.
 */
export function corporateHttp(
  store: CorporateStore,
  apiKey: string,
  key: Uint8Array,
): { routes: Route[]; authenticate: (req: SandboxRequest) => SandboxResponse | undefined } {
    /** The decrypted payload of each accepted request, handed from `authenticate` to its route. */
  const payloads = new WeakMap<SandboxRequest, Payload>();
  const encrypted = (status: number, body: object): SandboxResponse => ({ status, body: seal(body, key) });

  const authenticate = (req: SandboxRequest): SandboxResponse | undefined => {
    if (header(req, 'api-key') !== apiKey) return plain('API key not found');
    if (store.accessDenied) return plain('You do not have access to this API.');
    const body = jsonBody(req);
    const raw = typeof body === 'object' && body !== null ? (body as { encrypted?: unknown }).encrypted : undefined;
    if (raw === undefined || raw === null || raw === '') return plain('Encrypted payload not found');
    const opened = open(body, key);
    if (!opened.ok) return plain('Invalid encrypted payload format');
    const timestamp = parseRequestTimestamp(opened.payload.request_timestamp);
    if (typeof timestamp === 'string') return plain(timestamp);
    const nowUs = BigInt(Math.floor(store.now())) * 1000n;
    const skew = timestamp > nowUs ? timestamp - nowUs : nowUs - timestamp;
    if (skew > TIMESTAMP_WINDOW_US) return plain('Request timestamp outside allowed window');
    if (!store.remember(apiKey, req.path, timestamp)) return plain('Duplicate request detected');
    const { request_timestamp: _ts, ...fields } = opened.payload;
    payloads.set(req, fields);
    return undefined;
  };

  const routes: Route[] = ROUTES.map(([path, handler]) => ({
    method: 'POST',
    pattern: `/api/v1${path}`,
    handler: (req) => {
      const payload = payloads.get(req) ?? {};
      try {
        return encrypted(200, { success: true, data: handler(store, { payload, req }) });
      } catch (error) {
        const failure = error instanceof CorporateSandboxError ? error : new CorporateSandboxError('internal_error');
        return encrypted(failure.status, { success: false, error: failure.message, error_slug: failure.slug });
      }
    },
  }));

  return { routes, authenticate };
}

function plain(error: CorporatePlainError): SandboxResponse {
  return { status: CORPORATE_PLAIN_ERRORS[error], body: { error } };
}

/** `request_timestamp` as µs, or the plain error it deserves. */
export function parseRequestTimestamp(value: unknown): bigint | CorporatePlainError {
  if (value === undefined || value === null || value === '') return 'Request timestamp not found in encrypted payload';
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return BigInt(value);
  return 'Invalid timestamp format';
}


/** An encrypted standard error body, as the provider sends it (for fault injection). */
export function sealedError(slug: CorporateErrorSlug, key: Uint8Array, message = SLUG_TEXT[slug]): { status: number; body: object } {
  return { status: CORPORATE_ERROR_SLUGS[slug], body: seal({ success: false, error: message, error_slug: slug }, key) };
}
