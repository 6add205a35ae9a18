/**
 * corporate's simulator: the contract in shared/providers/corporate.md over the shared
 * SandboxServer. Every endpoint is `POST /api/v1/...` with an encrypted envelope; the
 * authentication and envelope checks answer the provider's plain `{error}` bodies, everything
 * else is answered encrypted (`{success:true, data}` or the standard error object).
 *
 * Checks, in the provider's order: `API-KEY` (404 "API key not found"), the account's access
 * (403, switched on with `store.accessDenied`), the envelope (400 "Encrypted payload not
 * found" / "Invalid encrypted payload format"), `request_timestamp` (missing, not an integer,
 * more than 30 s from this server's clock) and replays (the same api key + path + timestamp
 * within 30 s).
 *
 * Orders are asynchronous and deterministic. An order is created `pending`; each
 * `/orders/get` of it moves it one step: `pending → processing`, then `processing →
 * completed | failed`. That step is where the effect happens, exactly once: a completed
 * card_issue creates the card (and credits `initial_amount`), a completed topup credits the
 * card and debits the master wallet (1 USD = 1 USDT). A step is a read rather than a timer so
 * that tests and demos see the same sequence every time without waiting; `store.advanceOrder`
 * and `store.settleOrder` drive it directly. An order fails (with `failure_reason`) when, at
 * that step, the cardholder's KYC is not approved (card_issue), the card is no longer active,
 * the master wallet no longer covers the amount, or the card provider is down.
 *
 * New cardholders' KYC is decided at once from the document number: `REJECT…` → rejected,
 * `PEND…` → pending, anything else → approved.
 *
 * Handlers are synchronous: an idempotency check, the write and its record happen in one
 * turn of the event loop, so two concurrent requests with one key cannot both run the write.
 * Money is integer cents (BigInt) throughout.
 */
import { formatCents, toCents } from '../../sandbox/money.js';
import { SandboxServer, header, type Route, type SandboxRequest, type SandboxResponse } from '../../sandbox/server.js';
import {
  DAY_MINUTES,
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
import { open, seal } from './envelope.js';
import { CORPORATE_ERROR_SLUGS, CORPORATE_PLAIN_ERRORS, type CorporateErrorSlug, type CorporatePlainError } from './contract.js';

// ---------------------------------------------------------------------------------------
// Records: the contract's objects, exactly as sent.

export type CorporateKycStatus = 'pending' | 'approved' | 'rejected';
export type CorporateCardStatus = 'active' | 'frozen' | 'inactive' | 'closed';
export type CorporateTransactionType = 'purchase' | 'refund' | 'topup' | 'fee';
export type CorporateTransactionStatus = 'pending' | 'completed' | 'declined' | 'reversed';
export type CorporateOrderType = 'card_issue' | 'topup';
export type CorporateOrderStatus = 'pending' | 'processing' | 'completed' | 'failed';

export interface CorporateUser {
  external_user_id: string;
  email: string;
  first_name: string;
  last_name: string;
  created_at: string;
}

export interface CorporateCardholder {
  external_user_id: string;
  product_id: string;
  kyc_status: CorporateKycStatus;
  created_at: string;
}

/** What `/cardholders/create` submits; kept apart, never answered. */
export interface CorporateKyc {
  first_name: string;
  last_name: string;
  date_of_birth: string;
  country: string;
  id_document_number: string;
}

export interface CorporateProduct {
  product_id: string;
  name: string;
  brand: 'VISA';
  currency: 'USD';
}

export interface CorporateCard {
  card_id: string;
  external_user_id: string;
  product_id: string;
  brand: 'VISA';
  last4: string;
  expiry_month: number;
  expiry_year: number;
  status: CorporateCardStatus;
  balance: string;
  currency: 'USD';
  created_at: string;
}

/** What `/cards/sensitive` answers; kept apart from the card record. */
export interface CorporateCardSensitive {
  pan: string;
  cvv: string;
  expiry_month: number;
  expiry_year: number;
}

export interface CorporateTransaction {
  transaction_id: string;
  card_id: string;
  type: CorporateTransactionType;
  amount: string;
  currency: 'USD';
  status: CorporateTransactionStatus;
  merchant_name: string | null;
  created_at: string;
}

export interface CorporateOrder {
  order_id: string;
  type: CorporateOrderType;
  status: CorporateOrderStatus;
  card_id: string | null;
  amount: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** An order with what the provider keeps about it beyond the answered object. */
interface OrderRecord {
  order: CorporateOrder;
  external_user_id: string;
  /** card_issue: the product to issue. */
  product_id: string | null;
}

export const CORPORATE_PRODUCTS: readonly CorporateProduct[] = [
  { product_id: 'prod_visa_usd_virtual', name: 'Corporate Virtual USD', brand: 'VISA', currency: 'USD' },
  { product_id: 'prod_visa_usd_travel', name: 'Corporate Travel USD', brand: 'VISA', currency: 'USD' },
];

// ---------------------------------------------------------------------------------------
// Money: integer cents; the master wallet's USDT is counted in cents too (two decimals).

const AMOUNT = /^\d+(\.\d{1,2})?$/;

/** The shared cents helpers, re-exported for the tests that check balances. */
export { formatCents, toCents };

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
// The store: seeded data plus the writes the routes perform.

export const CORPORATE_SEED_COUNTS = {
  users: 24,
  /** The first 20 users; the other 4 have none. */
  cardholders: 20,
  cards: 36,
  /** Besides one opening top-up on every card that was ever activated. */
  transactions: 360,
  orders: 12,
} as const;

/** The master wallet's seeded balance: 250,000.00 USDT. */
export const CORPORATE_MASTER_OPENING_CENTS = 25_000_000n;

/** Replay window and timestamp tolerance, both 30 s (in µs). */
export const TIMESTAMP_WINDOW_US = 30_000_000n;

const VISA_BINS = ['453275', '476173', '424631'];
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export class CorporateStore {
  readonly users = new Map<string, CorporateUser>();
  readonly cardholders = new Map<string, CorporateCardholder>();
  readonly kyc = new Map<string, CorporateKyc>();
  readonly cards = new Map<string, CorporateCard>();
  readonly sensitive = new Map<string, CorporateCardSensitive>();
  readonly transactions = new Map<string, CorporateTransaction>();
  readonly orders = new Map<string, OrderRecord>();
  /** `<path> <Idempotency-Key>` → order id. */
  readonly idempotency = new Map<string, string>();
  /** `<api key> <path> <timestamp>` → until when it is remembered (ms, server clock). */
  private readonly seen = new Map<string, number>();
  masterCents = CORPORATE_MASTER_OPENING_CENTS;
  readonly depositAddress: string;
  /** Answers every request with 403 "You do not have access to this API." */
  accessDenied = false;
  /** The card provider behind corporate fails: freeze/unfreeze 502, top-ups 503, orders fail. */
  cardProviderDown = false;
  private readonly rng: SeededRandom;

  constructor(
    seed = 1,
    readonly now: () => number = Date.now,
  ) {
    this.rng = new SeededRandom(seed);
    this.depositAddress = `T${Array.from({ length: 33 }, () => this.rng.pick([...BASE58])).join('')}`;
    seedStore(this, this.rng);
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  id(prefix: 'crd' | 'txn' | 'ord'): string {
    return `${prefix}_${this.rng.hex(16)}`;
  }

  /**
   * Records a request timestamp; false when the same key + path + timestamp was seen within
   * the last 30 s (a replay). An entry is kept 30 s, and longer for a timestamp ahead of the
   * server's clock: until the timestamp itself leaves the window, so no copy of an accepted
   * request can ever be accepted again.
   */
  remember(apiKey: string, path: string, timestampUs: bigint): boolean {
    const now = this.now();
    for (const [key, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(key);
    const key = `${apiKey}\n${path}\n${timestampUs}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, Math.max(now, Number(timestampUs / 1000n)) + 30_000);
    return true;
  }

  addUser(user: Omit<CorporateUser, 'created_at'>, createdAt = this.nowIso()): CorporateUser {
    const record: CorporateUser = { ...user, created_at: createdAt };
    this.users.set(record.external_user_id, record);
    return record;
  }

  addCardholder(externalUserId: string, productId: string, kyc: CorporateKyc, status: CorporateKycStatus, createdAt = this.nowIso()): CorporateCardholder {
    const cardholder: CorporateCardholder = { external_user_id: externalUserId, product_id: productId, kyc_status: status, created_at: createdAt };
    this.cardholders.set(externalUserId, cardholder);
    this.kyc.set(externalUserId, kyc);
    return cardholder;
  }

  addCard(
    externalUserId: string,
    productId: string,
    state: { status: CorporateCardStatus; createdAt: string; expiryMonth: number; expiryYear: number },
  ): CorporateCard {
    const pan = luhnPan(this.rng, this.rng.pick(VISA_BINS));
    const card: CorporateCard = {
      card_id: this.id('crd'),
      external_user_id: externalUserId,
      product_id: productId,
      brand: 'VISA',
      last4: pan.slice(-4),
      expiry_month: state.expiryMonth,
      expiry_year: state.expiryYear,
      status: state.status,
      balance: '0.00',
      currency: 'USD',
      created_at: state.createdAt,
    };
    this.cards.set(card.card_id, card);
    this.sensitive.set(card.card_id, { pan, cvv: this.rng.digits(3), expiry_month: card.expiry_month, expiry_year: card.expiry_year });
    return card;
  }

  addTransaction(input: Omit<CorporateTransaction, 'transaction_id'>): CorporateTransaction {
    const transaction: CorporateTransaction = { transaction_id: this.id('txn'), ...input };
    this.transactions.set(transaction.transaction_id, transaction);
    return transaction;
  }

  addOrder(input: Omit<CorporateOrder, 'order_id'>, externalUserId: string, productId: string | null): CorporateOrder {
    const order: CorporateOrder = { order_id: this.id('ord'), ...input };
    this.orders.set(order.order_id, { order, external_user_id: externalUserId, product_id: productId });
    return order;
  }

  transactionsOf(cardId: string): CorporateTransaction[] {
    return [...this.transactions.values()].filter((t) => t.card_id === cardId);
  }

  /** A TRC20 deposit reaching the master wallet (for tests and demos). */
  deposit(cents: bigint): void {
    this.masterCents += cents;
  }

  /** Moves one step: pending → processing → completed | failed; terminal orders stay. */
  advanceOrder(orderId: string): CorporateOrder | undefined {
    const record = this.orders.get(orderId);
    if (!record) return undefined;
    const { order } = record;
    if (order.status === 'pending') {
      order.status = 'processing';
      order.updated_at = this.nowIso();
    } else if (order.status === 'processing') {
      const failure = order.type === 'card_issue' ? this.completeIssue(record) : this.completeTopup(order);
      order.status = failure ? 'failed' : 'completed';
      order.failure_reason = failure ?? null;
      order.updated_at = this.nowIso();
    }
    return order;
  }

  /** Advances an order until it is completed or failed. */
  settleOrder(orderId: string): CorporateOrder | undefined {
    let order = this.advanceOrder(orderId);
    while (order && (order.status === 'pending' || order.status === 'processing')) order = this.advanceOrder(orderId);
    return order;
  }

  /** The effect of a completed card_issue; returns a failure reason instead when it cannot. */
  private completeIssue(record: OrderRecord): string | undefined {
    const cardholder = this.cardholders.get(record.external_user_id);
    if (!cardholder) return 'cardholder_not_found';
    if (cardholder.kyc_status !== 'approved') return `kyc_${cardholder.kyc_status}`;
    if (this.cardProviderDown) return 'provider_error';
    const cents = record.order.amount === null ? 0n : toCents(record.order.amount);
    if (cents > this.masterCents) return 'insufficient_funds';
    const issued = new Date(this.now());
    const card = this.addCard(record.external_user_id, record.product_id ?? cardholder.product_id, {
      status: 'active',
      createdAt: issued.toISOString(),
      expiryMonth: issued.getUTCMonth() + 1,
      expiryYear: issued.getUTCFullYear() + 3,
    });
    record.order.card_id = card.card_id;
    if (cents > 0n) this.credit(card, cents);
    return undefined;
  }

  private completeTopup(order: CorporateOrder): string | undefined {
    const card = order.card_id === null ? undefined : this.cards.get(order.card_id);
    if (!card) return 'card_not_found';
    if (card.status !== 'active') return 'card_not_active';
    if (this.cardProviderDown) return 'provider_error';
    const cents = toCents(order.amount ?? '0');
    if (cents > this.masterCents) return 'insufficient_funds';
    this.credit(card, cents);
    return undefined;
  }

  /** Debits the master wallet and credits the card, recording the card's top-up. */
  private credit(card: CorporateCard, cents: bigint): void {
    this.masterCents -= cents;
    card.balance = formatCents(toCents(card.balance) + cents);
    this.addTransaction({
      card_id: card.card_id,
      type: 'topup',
      amount: formatCents(cents),
      currency: 'USD',
      status: 'completed',
      merchant_name: null,
      created_at: this.nowIso(),
    });
  }
}

// ---------------------------------------------------------------------------------------
// Seeding. Creation times follow the object graph (users, cardholders, cards, money), all
// before the seed epoch, so the same seed always yields the same data, ids included.

const KYC_TABLE: WeightTable<CorporateKycStatus> = [['approved', 70], ['pending', 18], ['rejected', 12]];
const CARD_STATUS_TABLE: WeightTable<CorporateCardStatus> = [['active', 55], ['frozen', 15], ['inactive', 15], ['closed', 15]];
const TRANSACTION_TYPE_TABLE: WeightTable<CorporateTransactionType> = [['purchase', 60], ['refund', 8], ['topup', 14], ['fee', 18]];
const TRANSACTION_STATUS_TABLES: Record<CorporateTransactionType, WeightTable<CorporateTransactionStatus>> = {
  purchase: [['completed', 70], ['pending', 12], ['declined', 12], ['reversed', 6]],
  refund: [['completed', 80], ['pending', 15], ['reversed', 5]],
  topup: [['completed', 88], ['pending', 6], ['declined', 6]],
  fee: [['completed', 90], ['reversed', 10]],
};
const AMOUNT_RANGES: Record<CorporateTransactionType, readonly [number, number]> = {
  purchase: [150, 45_000],
  refund: [150, 20_000],
  topup: [5_000, 100_000],
  fee: [50, 500],
};
/** Money into the card (the others take it out). */
const CREDITS: ReadonlySet<CorporateTransactionType> = new Set(['refund', 'topup']);

/** The seeded orders: every state of both types, then a few more. */
const SEED_ORDERS: ReadonlyArray<readonly [CorporateOrderType, CorporateOrderStatus]> = [
  ['card_issue', 'completed'], ['topup', 'completed'],
  ['card_issue', 'pending'], ['topup', 'pending'],
  ['card_issue', 'processing'], ['topup', 'processing'],
  ['card_issue', 'failed'], ['topup', 'failed'],
  ['topup', 'completed'], ['card_issue', 'completed'], ['topup', 'pending'], ['topup', 'completed'],
];

function seedStore(store: CorporateStore, rng: SeededRandom): void {
  const users = seedUsers(store, rng);
  const cardholders = seedCardholders(store, rng, users);
  const cards = seedCards(store, rng, cardholders);
  seedTransactions(store, rng, cards);
  seedOrders(store, rng, cards, cardholders);
}

function seedUsers(store: CorporateStore, rng: SeededRandom): CorporateUser[] {
  const users: CorporateUser[] = [];
  for (let i = 0; i < CORPORATE_SEED_COUNTS.users; i += 1) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
    users.push(
      store.addUser(
        { external_user_id: `emp-${rng.hex(10)}`, email: `${local}${i}@corp.example`, first_name: first, last_name: last },
        daysAgo(rng, 420, 540),
      ),
    );
  }
  return users;
}

function seedCardholders(store: CorporateStore, rng: SeededRandom, users: CorporateUser[]): CorporateCardholder[] {
  const cardholders: CorporateCardholder[] = [];
  for (let i = 0; i < CORPORATE_SEED_COUNTS.cardholders; i += 1) {
    const user = users[i]!;
    const status = spread(rng, i, KYC_TABLE);
    const kyc: CorporateKyc = {
      first_name: user.first_name,
      last_name: user.last_name,
      date_of_birth: `19${rng.int(60, 99)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`,
      country: rng.pick(['US', 'GB', 'DE', 'FR', 'SG']),
      id_document_number: `P${rng.digits(8)}`,
    };
    cardholders.push(store.addCardholder(user.external_user_id, rng.pick(CORPORATE_PRODUCTS).product_id, kyc, status, daysAgo(rng, 380, 410)));
  }
  return cardholders;
}

/** Cards go to approved cardholders only, each of them at least one. */
function seedCards(store: CorporateStore, rng: SeededRandom, cardholders: CorporateCardholder[]): CorporateCard[] {
  const approved = cardholders.filter((c) => c.kyc_status === 'approved');
  const cards: CorporateCard[] = [];
  for (let i = 0; i < CORPORATE_SEED_COUNTS.cards; i += 1) {
    const holder = i < approved.length ? approved[i]! : rng.pick(approved);
    cards.push(
      store.addCard(holder.external_user_id, holder.product_id, {
        status: spread(rng, i, CARD_STATUS_TABLE),
        createdAt: daysAgo(rng, 200, 340),
        expiryMonth: rng.int(1, 12),
        expiryYear: rng.int(2027, 2030),
      }),
    );
  }
  return cards;
}

/**
 * Transactions on cards that were ever activated (not `inactive`), newest in the last 180
 * days; each such card then gets an opening top-up, the day after it was issued, that covers
 * what it spent, so every balance is the completed credits less the completed debits and
 * never negative.
 */
function seedTransactions(store: CorporateStore, rng: SeededRandom, cards: CorporateCard[]): void {
  const used = cards.filter((c) => c.status !== 'inactive');
  const net = new Map<string, bigint>(used.map((c) => [c.card_id, 0n]));
  for (let i = 0; i < CORPORATE_SEED_COUNTS.transactions; i += 1) {
    const card = i < used.length ? used[i]! : rng.pick(used);
    const type = weighted(rng, TRANSACTION_TYPE_TABLE);
    const status = weighted(rng, TRANSACTION_STATUS_TABLES[type]);
    const [min, max] = AMOUNT_RANGES[type];
    const cents = BigInt(rng.int(min, max));
    store.addTransaction({
      card_id: card.card_id,
      type,
      amount: formatCents(cents),
      currency: 'USD',
      status,
      merchant_name: type === 'purchase' || type === 'refund' ? rng.pick(MERCHANTS).name : null,
      created_at: daysAgo(rng, 0, 180),
    });
    if (status === 'completed') net.set(card.card_id, net.get(card.card_id)! + (CREDITS.has(type) ? cents : -cents));
  }
  for (const card of used) {
    const spent = -net.get(card.card_id)!;
    const opening = (spent > 0n ? spent : 0n) + BigInt(rng.int(5_000, 150_000));
    store.addTransaction({
      card_id: card.card_id,
      type: 'topup',
      amount: formatCents(opening),
      currency: 'USD',
      status: 'completed',
      merchant_name: null,
      created_at: new Date(Date.parse(card.created_at) + DAY_MINUTES * 60_000).toISOString(),
    });
    card.balance = formatCents(net.get(card.card_id)! + opening);
  }
}

function seedOrders(store: CorporateStore, rng: SeededRandom, cards: CorporateCard[], cardholders: CorporateCardholder[]): void {
  const active = cards.filter((c) => c.status === 'active');
  const frozen = cards.filter((c) => c.status === 'frozen');
  const approved = cardholders.filter((c) => c.kyc_status === 'approved');
  const rejected = cardholders.filter((c) => c.kyc_status === 'rejected');
  SEED_ORDERS.forEach(([type, status], i) => {
    const inFlight = status === 'pending' || status === 'processing';
    const createdAt = inFlight ? daysAgo(rng, 0, 1) : daysAgo(rng, 2, 180);
    const base = { type, status, created_at: createdAt, updated_at: createdAt, failure_reason: null };
    if (type === 'card_issue') {
      if (status === 'failed') {
        const holder = rejected[0] ?? rng.pick(cardholders);
        store.addOrder({ ...base, card_id: null, amount: null, failure_reason: `kyc_${holder.kyc_status}` }, holder.external_user_id, holder.product_id);
      } else if (status === 'completed') {
        const card = cards[i % cards.length]!;
        store.addOrder({ ...base, card_id: card.card_id, amount: null }, card.external_user_id, card.product_id);
      } else {
        const holder = rng.pick(approved);
        const initial = BigInt(rng.int(0, 2) * 5_000);
        store.addOrder({ ...base, card_id: null, amount: initial > 0n ? formatCents(initial) : null }, holder.external_user_id, holder.product_id);
      }
      return;
    }
    const card = status === 'failed' ? frozen[0] ?? rng.pick(cards) : rng.pick(active);
    const failure = status === 'failed' ? 'card_not_active' : null;
    store.addOrder(
      { ...base, card_id: card.card_id, amount: formatCents(BigInt(rng.int(10, 500) * 100)), failure_reason: failure },
      card.external_user_id,
      null,
    );
  });
}

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
function pageOf<T>(items: readonly T[], payload: Payload, key: (item: T) => [string, string]): ListAnswer<T> {
  const page = positiveInt(payload, 'page', 1);
  const perPage = positiveInt(payload, 'per_page', CORPORATE_DEFAULT_PER_PAGE, CORPORATE_MAX_PER_PAGE);
  const ordered = [...items].sort((a, b) => {
    const [ta, ia] = key(a);
    const [tb, ib] = key(b);
    if (ta !== tb) return ta > tb ? -1 : 1;
    return ia === ib ? 0 : ia > ib ? -1 : 1;
  });
  const start = (page - 1) * perPage;
  return { items: ordered.slice(start, start + perPage), page, per_page: perPage, total: ordered.length };
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
  return pageOf(cards, payload, (c) => [c.created_at, c.card_id]);
};

const ROUTES: ReadonlyArray<readonly [string, Handler]> = [
  ['/users/create', createUser],
  ['/users/get', (store, { payload }) => userOf(store, payload)],
  ['/users/list', (store, { payload }) => pageOf([...store.users.values()], payload, (u) => [u.created_at, u.external_user_id])],
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
    (store, { payload }) => pageOf(store.transactionsOf(cardOf(store, payload).card_id), payload, (t) => [t.created_at, t.transaction_id]),
  ],
  ['/master-wallet/deposit-address', (store) => ({ network: 'TRC20', currency: 'USDT', address: store.depositAddress })],
  ['/master-wallet/balance', (store) => ({ currency: 'USDT', available: formatCents(store.masterCents) })],
];

export const CORPORATE_PATHS = ROUTES.map(([path]) => `/api/v1${path}`);

// ---------------------------------------------------------------------------------------
// HTTP: the plain checks, then the encrypted answers.

export interface CorporateSandboxOptions {
  apiKey: string;
  /** The 32-byte shared key. */
  secretKey: Uint8Array;
  seed?: number;
  baseLatencyMs?: number;
  /** The server's clock (ms); a skewed one makes the gateway's timestamps fall outside the window. */
  now?: () => number;
}

export interface CorporateSandbox {
  server: SandboxServer;
  store: CorporateStore;
}

const DEFAULT_SEED = 20261001;

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

export function createCorporateSandbox(options: CorporateSandboxOptions): CorporateSandbox {
  const store = new CorporateStore(options.seed ?? DEFAULT_SEED, options.now ?? Date.now);
  const key = options.secretKey;
  /** The decrypted payload of each accepted request, handed from `authenticate` to its route. */
  const payloads = new WeakMap<SandboxRequest, Payload>();
  const encrypted = (status: number, body: object): SandboxResponse => ({ status, body: seal(body, key) });

  const authenticate = (req: SandboxRequest): SandboxResponse | undefined => {
    if (header(req, 'api-key') !== options.apiKey) return plain('API key not found');
    if (store.accessDenied) return plain('You do not have access to this API.');
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    const raw = typeof body === 'object' && body !== null ? (body as { encrypted?: unknown }).encrypted : undefined;
    if (raw === undefined || raw === null || raw === '') return plain('Encrypted payload not found');
    const opened = open(body, key);
    if (!opened.ok) return plain('Invalid encrypted payload format');
    const timestamp = parseRequestTimestamp(opened.payload.request_timestamp);
    if (typeof timestamp === 'string') return plain(timestamp);
    const nowUs = BigInt(Math.floor(store.now())) * 1000n;
    const skew = timestamp > nowUs ? timestamp - nowUs : nowUs - timestamp;
    if (skew > TIMESTAMP_WINDOW_US) return plain('Request timestamp outside allowed window');
    if (!store.remember(options.apiKey, req.path, timestamp)) return plain('Duplicate request detected');
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

  const server = new SandboxServer({
    name: 'corporate',
    routes,
    baseLatencyMs: options.baseLatencyMs,
    authenticate,
    notFound: () => ({ status: 404, body: { error: 'Not found' } }),
  });
  return { server, store };
}

/** An encrypted standard error body, as the provider sends it (for fault injection). */
export function sealedError(slug: CorporateErrorSlug, key: Uint8Array, message = SLUG_TEXT[slug]): { status: number; body: object } {
  return { status: CORPORATE_ERROR_SLUGS[slug], body: seal({ success: false, error: message, error_slug: slug }, key) };
}
