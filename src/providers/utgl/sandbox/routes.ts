/**
 * utgl's HTTP routes, speaking shared/providers/utgl.md: the JSON error objects, cursor
 * lists (`starting_after`), the cardholder, account, card, transfer and transaction
 * endpoints, and the 24-hour idempotency of POSTs.
 */
import { toCents } from '../../../sandbox/money.js';
import { AnswerError, answeringErrors, raise, type SyncHandler } from '../../../sandbox/answers.js';
import { readJsonObject, type JsonObject } from '../../../sandbox/body.js';
import { newestFirst, type SortKey } from '../../../sandbox/paging.js';
import { ExpiringMap, sha256Hex } from './auth.js';
import type { Route, SandboxRequest, SandboxResponse } from '../../../sandbox/server.js';
import {
  CURRENCIES,
  type NewAccount,
  type NewCard,
  type NewCardholder,
  POSITIVE_AMOUNT,
  type UtglAccount,
  UtglStore,
} from './store.js';

// ---------------------------------------------------------------------------------------
// Errors and responses.

interface ErrorDetails {
  field: string;
  reason: string;
}

/** A contract error; thrown anywhere in a handler and turned into its JSON body. */
export class UtglError extends AnswerError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
  }

  toResponse(): SandboxResponse {
    const body: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.details) body.details = this.details;
    return { status: this.status, body };
  }
}

const INSUFFICIENT_BALANCE_MESSAGE =
  'The funding account has insufficient balance to complete the transfer. Create a Transfer to fund the source account.';
const INVALID_CARD_ACCOUNT_MESSAGE = 'The card account is invalid or does not exist.';

function invalidParameter(field: string, reason: string): UtglError {
  return new UtglError(400, 'INVALID_PARAMETERS', 'Validation failed', { field, reason });
}

function unknownCard(): UtglError {
  return new UtglError(404, 'INVALID_CARD_ACCOUNT', INVALID_CARD_ACCOUNT_MESSAGE);
}

function notFound(what: string, id: string): UtglError {
  return new UtglError(404, 'NOT_FOUND', `No such ${what}: ${id}`);
}

function json(status: number, body: unknown): SandboxResponse {
  // A copy: later writes to the store must not change a response (or a stored replay).
  return { status, body: structuredClone(body) };
}

// ---------------------------------------------------------------------------------------
// Request reading and validation.

type Body = JsonObject;

function readJsonBody(req: SandboxRequest): Body {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(contentType)) {
    throw new UtglError(400, 'INVALID_PARAMETERS', 'Content-Type must be application/json');
  }
  const body = readJsonObject(req);
  if (body === 'not-object') throw new UtglError(400, 'INVALID_PARAMETERS', 'The request body must be a JSON object');
  // An empty body is no more JSON than a malformed one.
  if (typeof body === 'string') throw new UtglError(400, 'INVALID_PARAMETERS', 'The request body is not well-formed JSON');
  return body;
}

function requiredString(body: Body, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || value === '') throw invalidParameter(field, 'required');
  if (typeof value !== 'string') throw invalidParameter(field, 'must_be_string');
  return value;
}

function optionalString(body: Body, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value === '') throw invalidParameter(field, 'must_be_string');
  return value;
}

function oneOf<T extends string>(body: Body, field: string, values: readonly T[]): T {
  const value = requiredString(body, field);
  if (!(values as readonly string[]).includes(value)) throw invalidParameter(field, 'invalid_value');
  return value as T;
}

function positiveCents(body: Body, field: string): bigint {
  const value = body[field];
  if (typeof value !== 'string' || !POSITIVE_AMOUNT.test(value) || toCents(value) <= 0n) {
    throw invalidParameter(field, 'must_be_positive');
  }
  return toCents(value);
}

// ---------------------------------------------------------------------------------------
// Lists: newest first, `starting_after` resumes after the item with that id.

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const MAX_BATCH_IDS = 100;

interface ListBody<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

interface PageQuery {
  limit: number;
  startingAfter: string | null;
}

function readPage(query: URLSearchParams): PageQuery {
  const raw = query.get('limit');
  let limit = DEFAULT_LIMIT;
  if (raw !== null) {
    if (!/^\d+$/.test(raw)) throw invalidParameter('limit', 'must_be_an_integer');
    limit = Number(raw);
    if (limit < 1 || limit > MAX_LIMIT) throw invalidParameter('limit', 'must_be_between_1_and_100');
  }
  return { limit, startingAfter: query.get('starting_after') };
}

/**
 * The anchor is looked up in the whole collection, not the filtered list, and the page
 * resumes after its position in the order, as a cursor over (timestamp, id) would.
 */
function paginate<T extends { id: string }>(
  items: Iterable<T>,
  page: PageQuery,
  sortKey: (item: T) => SortKey,
  lookup: (id: string) => T | undefined,
): ListBody<T> {
  let ordered = [...items].sort((a, b) => newestFirst(sortKey(a), sortKey(b)));
  if (page.startingAfter !== null) {
    const anchor = lookup(page.startingAfter);
    if (!anchor) throw invalidParameter('starting_after', 'unknown_id');
    const anchorKey = sortKey(anchor);
    ordered = ordered.filter((item) => newestFirst(sortKey(item), anchorKey) > 0);
  }
  const data = ordered.slice(0, page.limit);
  const hasMore = ordered.length > page.limit;
  return { data, has_more: hasMore, next_cursor: hasMore ? data[data.length - 1]!.id : null };
}

function single<T>(found: T | undefined): ListBody<T> {
  return { data: found ? [found] : [], has_more: false, next_cursor: null };
}

const byCreatedAt = (item: { id: string; created_at: string }): SortKey => ({ at: item.created_at, id: item.id });
const byAccountCreatedAt = (item: UtglAccount): SortKey => ({ at: item.createdAt, id: item.id });

function filterBy<T>(items: Iterable<T>, query: URLSearchParams, fields: ReadonlyArray<keyof T & string>): T[] {
  const wanted = fields.flatMap((field) => {
    const value = query.get(field);
    return value === null ? [] : [[field, value] as const];
  });
  return [...items].filter((item) => wanted.every(([field, value]) => item[field] === value));
}

/** `ids` and `reference` are lookups, not lists: mixing them with list parameters is an error. */
function assertOnlyParameter(query: URLSearchParams, name: string): void {
  for (const key of query.keys()) {
    if (key !== name) throw invalidParameter(key, `cannot_be_combined_with_${name}`);
  }
}

// ---------------------------------------------------------------------------------------
// Routes.

/** Synchronous on purpose (see the file comment). */
type Handler = SyncHandler;

interface UtglRoute {
  method: 'GET' | 'POST' | 'PATCH';
  pattern: string;
  handler: Handler;
}

function cardholderRoutes(store: UtglStore): UtglRoute[] {
  const find = (id: string) => store.cardholders.get(id) ?? raise(notFound('cardholder', id));
  return [
    {
      method: 'POST',
      pattern: '/v1/cardholders',
      handler: (req) => {
        const body = readJsonBody(req);
        const email = requiredString(body, 'email');
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw invalidParameter('email', 'invalid_format');
        const input: NewCardholder = {
          first_name: requiredString(body, 'first_name'),
          last_name: requiredString(body, 'last_name'),
          email,
          phone: optionalString(body, 'phone'),
          reference: requiredString(body, 'reference'),
        };
        return json(201, store.addCardholder(input));
      },
    },
    { method: 'GET', pattern: '/v1/cardholders/:id', handler: (req) => json(200, find(req.params.id!)) },
    {
      method: 'GET',
      pattern: '/v1/cardholders',
      handler: (req) => {
        const page = readPage(req.query);
        return json(200, paginate(store.cardholders.values(), page, byCreatedAt, (id) => store.cardholders.get(id)));
      },
    },
  ];
}

function accountRoutes(store: UtglStore): UtglRoute[] {
  const find = (id: string) => store.accounts.get(id) ?? raise(notFound('account', id));
  return [
    {
      method: 'POST',
      pattern: '/v1/accounts',
      handler: (req) => {
        const body = readJsonBody(req);
        const input: NewAccount = {
          name: requiredString(body, 'name'),
          currency: oneOf(body, 'currency', CURRENCIES),
          cardholder_id: optionalString(body, 'cardholder_id'),
        };
        if (input.cardholder_id !== null && !store.cardholders.has(input.cardholder_id)) {
          throw invalidParameter('cardholder_id', 'unknown_cardholder');
        }
        return json(201, store.addAccount(input));
      },
    },
    { method: 'GET', pattern: '/v1/accounts/:id', handler: (req) => json(200, find(req.params.id!)) },
    {
      method: 'GET',
      pattern: '/v1/accounts',
      handler: (req) => {
        const accounts = filterBy(store.accounts.values(), req.query, ['cardholder_id']);
        return json(200, paginate(accounts, readPage(req.query), byAccountCreatedAt, (id) => store.accounts.get(id)));
      },
    },
  ];
}

function createCard(store: UtglStore, req: SandboxRequest): SandboxResponse {
  const body = readJsonBody(req);
  const input: NewCard = {
    account_id: requiredString(body, 'account_id'),
    cardholder_id: requiredString(body, 'cardholder_id'),
    reference: requiredString(body, 'reference'),
    type: oneOf(body, 'type', ['virtual', 'physical'] as const),
  };
  if (!store.accounts.has(input.account_id)) {
    throw new UtglError(400, 'INVALID_ACCOUNT', 'The account is invalid or does not exist.');
  }
  if (!store.cardholders.has(input.cardholder_id)) throw invalidParameter('cardholder_id', 'unknown_cardholder');
  if (store.cardByReference(input.reference)) {
    throw new UtglError(409, 'INVALID_PARAMETERS', 'A card with this reference already exists');
  }
  return json(201, store.issueCard(input));
}

function listCards(store: UtglStore, query: URLSearchParams): SandboxResponse {
  const ids = query.get('ids');
  if (ids !== null) {
    assertOnlyParameter(query, 'ids');
    const wanted = [...new Set(ids.split(',').map((id) => id.trim()).filter(Boolean))];
    if (wanted.length > MAX_BATCH_IDS) throw invalidParameter('ids', 'at_most_100_ids');
    const found = wanted.flatMap((id) => store.cards.get(id) ?? []);
    return json(200, { data: found, has_more: false, next_cursor: null });
  }
  const reference = query.get('reference');
  if (reference !== null) {
    assertOnlyParameter(query, 'reference');
    return json(200, single(store.cardByReference(reference)));
  }
  const cards = filterBy(store.cards.values(), query, ['cardholder_id', 'account_id']);
  return json(200, paginate(cards, readPage(query), byCreatedAt, (id) => store.cards.get(id)));
}

const PATCHABLE_CARD_STATUSES = ['active', 'frozen', 'lost', 'stolen', 'closed'] as const;

function updateCardStatus(store: UtglStore, req: SandboxRequest): SandboxResponse {
  const card = store.cards.get(req.params.id!) ?? raise(unknownCard());
  const body = readJsonBody(req);
  const status = oneOf(body, 'status', PATCHABLE_CARD_STATUSES);
  optionalString(body, 'reason');
  if (UtglStore.isTerminal(card.status)) {
    throw new UtglError(409, 'CONFLICT', `The card is ${card.status}; its status can no longer change`);
  }
  card.status = status;
  return json(200, card);
}

function cardRoutes(store: UtglStore): UtglRoute[] {
  const find = (id: string) => store.cards.get(id) ?? raise(unknownCard());
  return [
    { method: 'POST', pattern: '/v1/cards', handler: (req) => createCard(store, req) },
    { method: 'GET', pattern: '/v1/cards/:id', handler: (req) => json(200, find(req.params.id!)) },
    { method: 'GET', pattern: '/v1/cards', handler: (req) => listCards(store, req.query) },
    { method: 'PATCH', pattern: '/v1/cards/:id', handler: (req) => updateCardStatus(store, req) },
    {
      method: 'GET',
      pattern: '/v1/cards/:id/sensitive',
      handler: (req) => json(200, store.cardSensitive.get(find(req.params.id!).id)),
    },
  ];
}

/** The account a transfer credits: the destination account, or the destination card's. */
function creditedAccount(store: UtglStore, accountId: string | null, cardId: string | null): UtglAccount {
  if (cardId !== null) {
    const card = store.cards.get(cardId);
    if (!card || UtglStore.isTerminal(card.status)) {
      throw new UtglError(400, 'INVALID_CARD_ACCOUNT', INVALID_CARD_ACCOUNT_MESSAGE);
    }
    return store.accounts.get(card.account_id)!;
  }
  return (
    store.accounts.get(accountId!) ??
    raise(new UtglError(400, 'INVALID_ACCOUNT', 'The destination account is invalid or does not exist.'))
  );
}

function createTransfer(store: UtglStore, req: SandboxRequest): SandboxResponse {
  const body = readJsonBody(req);
  const sourceId = requiredString(body, 'source_account_id');
  const destinationAccountId = optionalString(body, 'destination_account_id');
  const destinationCardId = optionalString(body, 'destination_card_id');
  if ((destinationAccountId === null) === (destinationCardId === null)) {
    throw invalidParameter('destination_account_id', 'exactly_one_of_destination_account_id_or_destination_card_id');
  }
  const cents = positiveCents(body, 'amount');
  const currency = requiredString(body, 'currency');
  const reference = requiredString(body, 'reference');
  // Before any balance check: a resent transfer that already happened must read as a
  // duplicate, not as "insufficient balance" because the first one already debited.
  if (store.transferByReference(reference)) {
    throw new UtglError(409, 'INVALID_PARAMETERS', 'A transfer with this reference already exists');
  }
  const source =
    store.accounts.get(sourceId) ??
    raise(new UtglError(400, 'INVALID_ACCOUNT', 'The source account is invalid or does not exist.'));
  const credited = creditedAccount(store, destinationAccountId, destinationCardId);
  if (credited.id === source.id) throw invalidParameter('destination_account_id', 'same_as_source');
  if (currency !== source.currency) throw invalidParameter('currency', 'does_not_match_source_account');
  if (credited.currency !== source.currency) throw invalidParameter('currency', 'does_not_match_destination_account');
  if (toCents(source.balance) < cents) throw new UtglError(400, 'INSUFFICIENT_BALANCE', INSUFFICIENT_BALANCE_MESSAGE);
  const transfer = store.addTransfer({
    reference,
    source,
    credited,
    destination_account_id: destinationAccountId,
    destination_card_id: destinationCardId,
    cents,
  });
  return json(201, transfer);
}

function transferRoutes(store: UtglStore): UtglRoute[] {
  return [
    { method: 'POST', pattern: '/v1/transfers', handler: (req) => createTransfer(store, req) },
    {
      method: 'GET',
      pattern: '/v1/transfers/:id',
      handler: (req) => {
        const id = req.params.id!;
        return json(200, store.transfers.get(id) ?? raise(notFound('transfer', id)));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/transfers',
      handler: (req) => {
        const reference = req.query.get('reference');
        if (reference === null || reference === '') throw invalidParameter('reference', 'required');
        return json(200, single(store.transferByReference(reference)));
      },
    },
  ];
}

function transactionRoutes(store: UtglStore): UtglRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/v1/transactions',
      handler: (req) => {
        const transactions = filterBy(store.transactions.values(), req.query, ['account_id', 'card_id']);
        return json(200, paginate(transactions, readPage(req.query), byCreatedAt, (id) => store.transactions.get(id)));
      },
    },
  ];
}

/**
 * Every route, answering the errors its handler throws; a POST also honours Idempotency-Key
 * and the injected internal failures.
 */
export function utglRoutes(store: UtglStore, accessKey: string): Route[] {
  const idempotencyStore = new ExpiringMap<StoredResponse>(IDEMPOTENCY_TTL_MS);
  return [
    ...cardholderRoutes(store),
    ...accountRoutes(store),
    ...cardRoutes(store),
    ...transferRoutes(store),
    ...transactionRoutes(store),
  ].map((route): Route => {
    const handler = answeringErrors(route.handler);
    if (route.method !== 'POST') return { ...route, handler };
    return { ...route, handler: idempotent(failingInternally(handler, store, route.pattern), accessKey, idempotencyStore) };
  });
}

// ---------------------------------------------------------------------------------------
// Idempotency: a POST's response is stored under access key + Idempotency-Key for 24 h.

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

interface StoredResponse {
  /** Method, path and body hash of the request that first used the key. */
  fingerprint: string;
  response: SandboxResponse;
}

function idempotent(handler: Handler, accessKey: string, stored: ExpiringMap<StoredResponse>): Handler {
  return (req) => {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') return handler(req);
    const slot = `${accessKey}\u0000${key}`;
    const fingerprint = `${req.method} ${req.path} ${sha256Hex(req.body)}`;
    const previous = stored.get(slot);
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        return new UtglError(409, 'INVALID_PARAMETERS', 'Idempotency key reused with a different body').toResponse();
      }
      return structuredClone(previous.response);
    }
    const response = handler(req);
    stored.set(slot, { fingerprint, response: structuredClone(response) });
    return response;
  };
}

/** Answers a UtglInternalFailure instead of running the route (inside the idempotency layer). */
function failingInternally(handler: Handler, store: UtglStore, pattern: string): Handler {
  return (req) => {
    const failure = store.takeInternalFailure(req.method, pattern, req.path);
    if (!failure) return handler(req);
    const code = failure.status === 500 ? 'INTERNAL_ERROR' : 'SERVICE_UNAVAILABLE';
    return new UtglError(failure.status, code, 'The service is temporarily unavailable').toResponse();
  };
}

