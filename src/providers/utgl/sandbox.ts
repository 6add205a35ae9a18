/**
 * utgl's simulator: the contract in shared/providers/utgl.md over the shared SandboxServer.
 * Every request must carry a fresh RS256 JWT bound to its path, method and body; POSTs honour
 * `Idempotency-Key`; the data is seeded, so the same seed always yields the same ids.
 *
 * Handlers are synchronous on purpose: an idempotency check, the write and the recording of
 * its response then happen in one turn of the event loop, so two concurrent requests with
 * the same key cannot both run the write.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { importSPKI, jwtVerify, type CryptoKey, type JWTHeaderParameters, type JWTPayload } from 'jose';
import {
  SandboxServer,
  type Route,
  type SandboxRequest,
  type SandboxResponse,
  type SandboxServerOptions,
} from '../../sandbox/server.js';
import {
  FIRST_NAMES,
  LAST_NAMES,
  MERCHANTS,
  SeededRandom,
  daysAgo,
  luhnPan,
  spread,
  weighted,
  type WeightTable,
} from '../../sandbox/random.js';
import { formatCents, toCents } from '../../sandbox/money.js';

// ---------------------------------------------------------------------------------------
// Records: the contract's JSON objects, exactly as sent.

export type UtglCardholderStatus = 'active' | 'inactive';
export type UtglKycStatus = 'pending' | 'approved' | 'rejected';
/** `expired` is never set through PATCH, but a card object may hold it. */
export type UtglCardStatus = 'active' | 'frozen' | 'lost' | 'stolen' | 'closed' | 'expired';
export type UtglCardType = 'virtual' | 'physical';
export type UtglTransferStatus = 'pending' | 'completed' | 'failed';
export type UtglTransactionType = 'purchase' | 'refund' | 'transfer' | 'fee';
export type UtglTransactionStatus = 'pending' | 'posted' | 'declined' | 'reversed';

export interface UtglCardholder {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  phone: string | null;
  reference: string;
  status: UtglCardholderStatus;
  kyc_status: UtglKycStatus;
  created_at: string;
}

export interface UtglAccount {
  id: string;
  name: string;
  currency: string;
  balance: string;
  status: 'active';
  cardholder_id: string | null;
  /** camelCase, unlike every other object: the provider's documented example is kept as is. */
  createdAt: string;
}

export interface UtglCard {
  id: string;
  account_id: string;
  cardholder_id: string;
  reference: string;
  type: UtglCardType;
  brand: 'VISA';
  last4: string;
  exp_month: number;
  exp_year: number;
  status: UtglCardStatus;
  created_at: string;
}

/** What `GET /v1/cards/{id}/sensitive` answers; kept apart from the card record. */
export interface UtglCardSensitive {
  pan: string;
  cvv: string;
  exp_month: number;
  exp_year: number;
}

export interface UtglTransfer {
  id: string;
  reference: string;
  source_account_id: string;
  destination_account_id: string | null;
  destination_card_id: string | null;
  amount: string;
  currency: string;
  status: UtglTransferStatus;
  created_at: string;
}

export interface UtglMerchant {
  name: string;
  mcc: string;
  country: string;
}

export interface UtglTransaction {
  id: string;
  account_id: string;
  card_id: string | null;
  type: UtglTransactionType;
  amount: string;
  currency: string;
  status: UtglTransactionStatus;
  merchant: UtglMerchant | null;
  created_at: string;
}

// ---------------------------------------------------------------------------------------
// Money: integer cents only (every supported currency has two minor digits).

const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;
const POSITIVE_AMOUNT = /^\d+(\.\d{1,2})?$/;

// ---------------------------------------------------------------------------------------
// The store: seeded data plus the writes the routes perform.

export const UTGL_SEED_COUNTS = {
  cardholders: 28,
  accounts: 16,
  cards: 40,
  transfers: 8,
  /** Besides the one `transfer` transaction each seeded transfer records. */
  transactions: 400,
} as const;

const VISA_BINS = ['453275', '476173', '424631', '414720'];
const CARD_VALIDITY_YEARS = 3;
const TERMINAL_CARD_STATUSES: ReadonlySet<UtglCardStatus> = new Set(['lost', 'stolen', 'closed', 'expired']);

export interface NewCardholder {
  first_name: string;
  last_name: string;
  email: string;
  phone: string | null;
  reference: string;
}

export interface NewAccount {
  name: string;
  currency: string;
  cardholder_id: string | null;
}

export interface NewCard {
  account_id: string;
  cardholder_id: string;
  reference: string;
  type: UtglCardType;
}

export interface NewTransfer {
  reference: string;
  source: UtglAccount;
  /** Where the money lands: the destination account, or the destination card's account. */
  credited: UtglAccount;
  destination_account_id: string | null;
  destination_card_id: string | null;
  cents: bigint;
}

/**
 * A platform failure *inside* utgl, after the Idempotency-Key was taken: the error answer is
 * stored under the key like any result, so resending the same key replays it (which is why
 * utgl.md resends after a 5xx with a new key, once a look-up found nothing). Unlike the
 * SandboxServer's injected faults, which answer before the route and store nothing.
 */
export interface UtglInternalFailure {
  method: 'POST';
  /** A route pattern (`/v1/cards`) or an exact path. */
  path: string;
  status: 500 | 502 | 503 | 504;
  /** Requests it answers; default 1. */
  times?: number;
}

export class UtglStore {
  readonly cardholders = new Map<string, UtglCardholder>();
  readonly accounts = new Map<string, UtglAccount>();
  readonly cards = new Map<string, UtglCard>();
  readonly cardSensitive = new Map<string, UtglCardSensitive>();
  readonly transfers = new Map<string, UtglTransfer>();
  readonly transactions = new Map<string, UtglTransaction>();
  /** Continues after seeding, so ids and PANs of created objects are deterministic too. */
  private readonly rng: SeededRandom;
  private readonly internalFailures: Array<Required<UtglInternalFailure>> = [];

  constructor(seed = 1) {
    this.rng = new SeededRandom(seed);
    seedStore(this, this.rng);
  }

  /** Makes the next matching POSTs fail inside utgl (see UtglInternalFailure); returns a remover. */
  failInternally(failure: UtglInternalFailure): () => void {
    const entry = { times: 1, ...failure };
    this.internalFailures.push(entry);
    return () => {
      const i = this.internalFailures.indexOf(entry);
      if (i >= 0) this.internalFailures.splice(i, 1);
    };
  }

  /** The failure this request meets, if any, counted down. */
  takeInternalFailure(method: string, pattern: string, path: string): UtglInternalFailure | undefined {
    const i = this.internalFailures.findIndex((f) => f.method === method && (f.path === pattern || f.path === path));
    if (i < 0) return undefined;
    const failure = this.internalFailures[i]!;
    failure.times -= 1;
    if (failure.times <= 0) this.internalFailures.splice(i, 1);
    return failure;
  }

  static isTerminal(status: UtglCardStatus): boolean {
    return TERMINAL_CARD_STATUSES.has(status);
  }

  id(prefix: 'ch' | 'acc' | 'card' | 'tr' | 'txn'): string {
    return `${prefix}_${this.rng.hex(16)}`;
  }

  cardByReference(reference: string): UtglCard | undefined {
    for (const card of this.cards.values()) if (card.reference === reference) return card;
    return undefined;
  }

  transferByReference(reference: string): UtglTransfer | undefined {
    for (const transfer of this.transfers.values()) if (transfer.reference === reference) return transfer;
    return undefined;
  }

  addCardholder(input: NewCardholder, createdAt = nowIso()): UtglCardholder {
    const cardholder: UtglCardholder = {
      id: this.id('ch'),
      ...input,
      status: 'active',
      kyc_status: 'pending',
      created_at: createdAt,
    };
    this.cardholders.set(cardholder.id, cardholder);
    return cardholder;
  }

  addAccount(input: NewAccount, createdAt = nowIso(), balance = '0.00'): UtglAccount {
    const account: UtglAccount = { id: this.id('acc'), ...input, balance, status: 'active', createdAt };
    this.accounts.set(account.id, account);
    return account;
  }

  issueCard(input: NewCard, createdAt = nowIso()): UtglCard {
    const issued = new Date(createdAt);
    return this.addCard(input, {
      status: 'active',
      createdAt,
      expMonth: issued.getUTCMonth() + 1,
      expYear: issued.getUTCFullYear() + CARD_VALIDITY_YEARS,
    });
  }

  addCard(
    input: NewCard,
    state: { status: UtglCardStatus; createdAt: string; expMonth: number; expYear: number },
  ): UtglCard {
    const pan = luhnPan(this.rng, this.rng.pick(VISA_BINS));
    const card: UtglCard = {
      id: this.id('card'),
      ...input,
      brand: 'VISA',
      last4: pan.slice(-4),
      exp_month: state.expMonth,
      exp_year: state.expYear,
      status: state.status,
      created_at: state.createdAt,
    };
    this.cards.set(card.id, card);
    const cvv = this.rng.digits(3);
    this.cardSensitive.set(card.id, { pan, cvv, exp_month: card.exp_month, exp_year: card.exp_year });
    return card;
  }

  addTransaction(input: Omit<UtglTransaction, 'id'>): UtglTransaction {
    const transaction: UtglTransaction = { id: this.id('txn'), ...input };
    this.transactions.set(transaction.id, transaction);
    return transaction;
  }

  /** Records a completed transfer; `moveMoney` is false only for seeded history. */
  addTransfer(input: NewTransfer, createdAt = nowIso(), moveMoney = true): UtglTransfer {
    if (moveMoney) {
      input.source.balance = formatCents(toCents(input.source.balance) - input.cents);
      input.credited.balance = formatCents(toCents(input.credited.balance) + input.cents);
    }
    const transfer: UtglTransfer = {
      id: this.id('tr'),
      reference: input.reference,
      source_account_id: input.source.id,
      destination_account_id: input.destination_account_id,
      destination_card_id: input.destination_card_id,
      amount: formatCents(input.cents),
      currency: input.source.currency,
      status: 'completed',
      created_at: createdAt,
    };
    this.transfers.set(transfer.id, transfer);
    this.addTransaction({
      account_id: input.source.id,
      card_id: null,
      type: 'transfer',
      amount: transfer.amount,
      currency: transfer.currency,
      status: 'posted',
      merchant: null,
      created_at: createdAt,
    });
    return transfer;
  }
}

function nowIso(): string {
  return new Date().toISOString();
}

// ---------------------------------------------------------------------------------------
// Seeding. Creation times follow the object graph (cardholders, then accounts, then cards,
// then money movements), all before the seed epoch.

const KYC_TABLE: WeightTable<UtglKycStatus> = [['approved', 70], ['pending', 20], ['rejected', 10]];
const CARDHOLDER_STATUS_TABLE: WeightTable<UtglCardholderStatus> = [['active', 85], ['inactive', 15]];
const CURRENCY_TABLE: WeightTable<string> = [['USD', 60], ['EUR', 40]];
const CARD_STATUS_TABLE: WeightTable<UtglCardStatus> = [
  ['active', 55], ['frozen', 10], ['lost', 6], ['stolen', 4], ['closed', 10], ['expired', 10],
];
const CARD_TYPE_TABLE: WeightTable<UtglCardType> = [['virtual', 60], ['physical', 40]];
const TRANSACTION_TYPE_TABLE: WeightTable<UtglTransactionType> = [
  ['purchase', 62], ['refund', 8], ['transfer', 14], ['fee', 16],
];
const TRANSACTION_STATUS_TABLES: Record<UtglTransactionType, WeightTable<UtglTransactionStatus>> = {
  purchase: [['posted', 68], ['pending', 14], ['declined', 12], ['reversed', 6]],
  refund: [['posted', 80], ['pending', 15], ['reversed', 5]],
  transfer: [['posted', 85], ['pending', 10], ['declined', 5]],
  fee: [['posted', 90], ['reversed', 10]],
};
/** Cents ranges per transaction type. */
const AMOUNT_RANGES: Record<UtglTransactionType, readonly [number, number]> = {
  purchase: [150, 45_000],
  refund: [150, 20_000],
  transfer: [1_000, 150_000],
  fee: [50, 500],
};

function seedStore(store: UtglStore, rng: SeededRandom): void {
  const cardholders = seedCardholders(store, rng);
  const accounts = seedAccounts(store, rng, cardholders);
  const cards = seedCards(store, rng, accounts, cardholders);
  seedTransfers(store, rng, accounts, cards);
  seedTransactions(store, rng, accounts, cards);
}

function emailLocalPart(first: string, last: string): string {
  return `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
}

function seedCardholders(store: UtglStore, rng: SeededRandom): UtglCardholder[] {
  const cardholders: UtglCardholder[] = [];
  for (let i = 0; i < UTGL_SEED_COUNTS.cardholders; i += 1) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const cardholder = store.addCardholder(
      {
        first_name: first,
        last_name: last,
        email: `${emailLocalPart(first, last)}${i}@example.com`,
        phone: rng.next() < 0.8 ? `+1555${rng.digits(7)}` : null,
        reference: `cust-${rng.hex(10)}`,
      },
      daysAgo(rng, 420, 540),
    );
    cardholder.kyc_status = spread(rng, i, KYC_TABLE);
    cardholder.status = cardholder.kyc_status === 'rejected' ? 'inactive' : spread(rng, i, CARDHOLDER_STATUS_TABLE);
    cardholders.push(cardholder);
  }
  return cardholders;
}

/** One wallet per cardholder for the first cardholders, plus a treasury per currency. */
function seedAccounts(store: UtglStore, rng: SeededRandom, cardholders: UtglCardholder[]): UtglAccount[] {
  const accounts: UtglAccount[] = [];
  const treasuries = ['USD', 'EUR'];
  const linked = UTGL_SEED_COUNTS.accounts - treasuries.length;
  for (let i = 0; i < linked; i += 1) {
    const holder = cardholders[i]!;
    const currency = spread(rng, i, CURRENCY_TABLE);
    const balance = formatCents(BigInt(rng.int(0, 2_500_000)));
    accounts.push(
      store.addAccount(
        { name: `${holder.first_name} ${holder.last_name} ${currency} wallet`, currency, cardholder_id: holder.id },
        daysAgo(rng, 360, 400),
        balance,
      ),
    );
  }
  for (const currency of treasuries) {
    const balance = formatCents(BigInt(rng.int(5_000_000, 50_000_000)));
    const input: NewAccount = { name: `Treasury ${currency}`, currency, cardholder_id: null };
    accounts.push(store.addAccount(input, daysAgo(rng, 380, 400), balance));
  }
  return accounts;
}

/** Expired cards expired before the seed epoch (2026-10); the others expire after it. */
function seededExpiry(rng: SeededRandom, status: UtglCardStatus): { expMonth: number; expYear: number } {
  return status === 'expired'
    ? { expMonth: rng.int(1, 12), expYear: rng.int(2024, 2025) }
    : { expMonth: rng.int(1, 12), expYear: rng.int(2027, 2030) };
}

function seedCards(
  store: UtglStore,
  rng: SeededRandom,
  accounts: UtglAccount[],
  cardholders: UtglCardholder[],
): UtglCard[] {
  const cards: UtglCard[] = [];
  for (let i = 0; i < UTGL_SEED_COUNTS.cards; i += 1) {
    // Every account gets at least one card; treasury cards go to any cardholder (employees).
    const account = i < accounts.length ? accounts[i]! : rng.pick(accounts);
    const cardholderId = account.cardholder_id ?? rng.pick(cardholders).id;
    const status = spread(rng, i, CARD_STATUS_TABLE);
    const input: NewCard = {
      account_id: account.id,
      cardholder_id: cardholderId,
      reference: `card-ref-${rng.hex(12)}`,
      type: spread(rng, i, CARD_TYPE_TABLE),
    };
    cards.push(store.addCard(input, { status, createdAt: daysAgo(rng, 200, 340), ...seededExpiry(rng, status) }));
  }
  return cards;
}

function seedTransfers(store: UtglStore, rng: SeededRandom, accounts: UtglAccount[], cards: UtglCard[]): void {
  for (let i = 0; i < UTGL_SEED_COUNTS.transfers; i += 1) {
    const source = accounts[i % accounts.length]!;
    const credited = rng.pick(accounts.filter((a) => a.currency === source.currency && a.id !== source.id));
    // Every other transfer funds a card (its account), when that account has a usable one.
    const card =
      i % 2 === 1 ? cards.find((c) => c.account_id === credited.id && !UtglStore.isTerminal(c.status)) : undefined;
    store.addTransfer(
      {
        reference: `transfer-ref-${rng.hex(12)}`,
        source,
        credited,
        destination_account_id: card ? null : credited.id,
        destination_card_id: card ? card.id : null,
        cents: BigInt(rng.int(1_000, 50_000)),
      },
      daysAgo(rng, 1, 180),
      false,
    );
  }
}

function seedTransactions(store: UtglStore, rng: SeededRandom, accounts: UtglAccount[], cards: UtglCard[]): void {
  for (let i = 0; i < UTGL_SEED_COUNTS.transactions; i += 1) {
    const type = weighted(rng, TRANSACTION_TYPE_TABLE);
    const withCard = type === 'purchase' || type === 'refund' || (type === 'fee' && rng.next() < 0.5);
    const card = withCard ? rng.pick(cards) : null;
    const account = card ? store.accounts.get(card.account_id)! : rng.pick(accounts);
    const [min, max] = AMOUNT_RANGES[type];
    const hasMerchant = type === 'purchase' || type === 'refund';
    store.addTransaction({
      account_id: account.id,
      card_id: card ? card.id : null,
      type,
      amount: formatCents(BigInt(rng.int(min, max))),
      currency: account.currency,
      status: weighted(rng, TRANSACTION_STATUS_TABLES[type]),
      merchant: hasMerchant ? { ...rng.pick(MERCHANTS) } : null,
      created_at: daysAgo(rng, 0, 180),
    });
  }
}

// ---------------------------------------------------------------------------------------
// Errors and responses.

interface ErrorDetails {
  field: string;
  reason: string;
}

/** A contract error; thrown anywhere in a handler and turned into its JSON body. */
class UtglError extends Error {
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

type Body = Record<string, unknown>;

function readJsonBody(req: SandboxRequest): Body {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(contentType)) {
    throw new UtglError(400, 'INVALID_PARAMETERS', 'Content-Type must be application/json');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new UtglError(400, 'INVALID_PARAMETERS', 'The request body is not well-formed JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UtglError(400, 'INVALID_PARAMETERS', 'The request body must be a JSON object');
  }
  return parsed as Body;
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

interface SortKey {
  at: string;
  id: string;
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

/** Negative when `a` comes first: later timestamp first, then the larger id. */
function newestFirst(a: SortKey, b: SortKey): number {
  if (a.at !== b.at) return a.at > b.at ? -1 : 1;
  if (a.id !== b.id) return a.id > b.id ? -1 : 1;
  return 0;
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
type Handler = (req: SandboxRequest) => SandboxResponse;

interface UtglRoute {
  method: 'GET' | 'POST' | 'PATCH';
  pattern: string;
  handler: Handler;
}

function guarded(handler: Handler): Handler {
  return (req) => {
    try {
      return handler(req);
    } catch (err) {
      if (err instanceof UtglError) return err.toResponse();
      throw err;
    }
  };
}

function cardholderRoutes(store: UtglStore): UtglRoute[] {
  const find = (id: string) => store.cardholders.get(id) ?? throwError(notFound('cardholder', id));
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
  const find = (id: string) => store.accounts.get(id) ?? throwError(notFound('account', id));
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
  const card = store.cards.get(req.params.id!) ?? throwError(unknownCard());
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
  const find = (id: string) => store.cards.get(id) ?? throwError(unknownCard());
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
    throwError(new UtglError(400, 'INVALID_ACCOUNT', 'The destination account is invalid or does not exist.'))
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
    throwError(new UtglError(400, 'INVALID_ACCOUNT', 'The source account is invalid or does not exist.'));
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
        return json(200, store.transfers.get(id) ?? throwError(notFound('transfer', id)));
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

function throwError(error: UtglError): never {
  throw error;
}

// ---------------------------------------------------------------------------------------
// Expiring entries (seen jtis, idempotency keys).

/**
 * A map whose entries live `ttlMs` after insertion. Every entry has the same lifetime and is
 * inserted once, so the Map's insertion order is expiry order: purging stops at the first
 * live entry, keeping the cost per request constant under load.
 */
class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, now = Date.now()): V | undefined {
    this.purge(now);
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
  }

  private purge(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Authentication: a fresh RS256 JWT per request, bound to the request.

const MAX_TOKEN_LIFETIME_S = 30;
const MAX_TOKEN_AGE_S = 30;
const CLOCK_SKEW_S = 5;
const JTI_WINDOW_MS = 60_000;

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function unauthorized(message: string): SandboxResponse {
  return { status: 401, body: { code: 'INVALID_SIGNATURE', message } };
}

/** jose's failures, named without echoing anything from the token. */
function joseFailure(err: unknown): string {
  switch ((err as { code?: string }).code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'JWT signature verification failed';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'JWT alg must be RS256';
    case 'ERR_JWT_EXPIRED':
      return 'JWT has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `JWT ${(err as { claim?: string }).claim ?? 'claim'} claim is invalid`;
    default:
      return 'JWT is malformed';
  }
}

/** The first way the verified token fails to match the request and the rules, if any. */
function claimFailure(
  header: JWTHeaderParameters,
  claims: JWTPayload,
  req: SandboxRequest,
  accessKey: string,
): string | undefined {
  const now = Date.now() / 1000;
  if (header.kid !== accessKey) return 'kid is not a known access key';
  if (claims.sub !== accessKey) return 'sub claim does not match the access key';
  if (claims.uri !== req.rawUrl) return 'uri claim does not match the request';
  if (claims.method !== req.method) return 'method claim does not match the request';
  if (claims.body_sha256 !== sha256Hex(req.body)) return 'body_sha256 claim does not match the request body';
  if (typeof claims.iat !== 'number') return 'iat claim is missing';
  if (typeof claims.exp !== 'number') return 'exp claim is missing';
  if (claims.exp - claims.iat > MAX_TOKEN_LIFETIME_S) return 'exp claim is more than 30 seconds after iat';
  if (now - claims.iat > MAX_TOKEN_AGE_S) return 'JWT is older than 30 seconds';
  if (claims.iat - now > CLOCK_SKEW_S) return 'iat claim is in the future';
  if (typeof claims.jti !== 'string' || claims.jti === '') return 'jti claim is missing';
  return undefined;
}

type Authenticate = NonNullable<SandboxServerOptions['authenticate']>;

function createAuthenticator(accessKey: string, publicKeyPem: string): Authenticate {
  // Parsed here so a bad key fails at construction, not on the first request; re-exported
  // as SPKI so a PKCS#1 public key works too.
  const publicKey = createPublicKey(publicKeyPem);
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new Error('utgl sandbox: publicKeyPem must be an RSA public key');
  }
  const spki = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let key: Promise<CryptoKey> | undefined;
  const seenJtis = new ExpiringMap<true>(JTI_WINDOW_MS);

  return async (req) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return unauthorized('Missing or malformed Authorization header');
    key ??= importSPKI(spki, 'RS256');
    let verified;
    try {
      verified = await jwtVerify(match[1]!, await key, { algorithms: ['RS256'], clockTolerance: CLOCK_SKEW_S });
    } catch (err) {
      return unauthorized(joseFailure(err));
    }
    const failure = claimFailure(verified.protectedHeader, verified.payload, req, accessKey);
    if (failure) return unauthorized(failure);
    const jti = verified.payload.jti!;
    if (seenJtis.get(jti)) return unauthorized('jti has already been used');
    seenJtis.set(jti, true);
    return undefined;
  };
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

// ---------------------------------------------------------------------------------------
// The sandbox.

export interface UtglSandboxOptions {
  /** The only access key the sandbox accepts (as `kid` and `sub`). */
  accessKey: string;
  /** SPKI PEM of the integrator's RSA public key. */
  publicKeyPem: string;
  seed?: number;
  baseLatencyMs?: number;
}

export interface UtglSandbox {
  server: SandboxServer;
  store: UtglStore;
}

export function createUtglSandbox(options: UtglSandboxOptions): UtglSandbox {
  const store = new UtglStore(options.seed ?? 1);
  const idempotencyStore = new ExpiringMap<StoredResponse>(IDEMPOTENCY_TTL_MS);
  const routes = [
    ...cardholderRoutes(store),
    ...accountRoutes(store),
    ...cardRoutes(store),
    ...transferRoutes(store),
    ...transactionRoutes(store),
  ].map((route): Route => {
    const handler = guarded(route.handler);
    if (route.method !== 'POST') return { ...route, handler };
    return { ...route, handler: idempotent(failingInternally(handler, store, route.pattern), options.accessKey, idempotencyStore) };
  });
  const server = new SandboxServer({
    name: 'utgl',
    routes,
    baseLatencyMs: options.baseLatencyMs,
    authenticate: createAuthenticator(options.accessKey, options.publicKeyPem),
    notFound: (req) => new UtglError(404, 'NOT_FOUND', `No route for ${req.method} ${req.path}`).toResponse(),
  });
  return { server, store };
}
