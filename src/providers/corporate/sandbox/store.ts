/**
 * corporate's simulated state: the contract's objects, the master wallet, the orders and
 * their one-step-per-read progress, and the replay memory (money in integer cents).
 */
import { formatCents, toCents } from '../../../sandbox/money.js';
import { SeededRandom, luhnPan } from '../../../sandbox/random.js';

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

export const AMOUNT = /^\d+(\.\d{1,2})?$/;

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
  /** Seeding and new ids draw from this one sequence, so every start holds the same data. */
  readonly rng: SeededRandom;

  constructor(
    seed = 1,
    readonly now: () => number = Date.now,
  ) {
    this.rng = new SeededRandom(seed);
    this.depositAddress = `T${Array.from({ length: 33 }, () => this.rng.pick([...BASE58])).join('')}`;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  id(prefix: 'crd' | 'txn' | 'ord'): string {
    return this.rng.id(prefix);
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

