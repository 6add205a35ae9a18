/**
 * corporate objects (corporate.md, "Objects") → the unified model.
 *
 * - A Cardholder is a corporate *user* (ref: `external_user_id`): name and email come from the
 *   user, the KYC state from the user's cardholder record; a user with no cardholder record
 *   has not started KYC.
 * - A card is addressed by its user and its id together (`/cards/get` takes both), so its ref
 *   is `<external_user_id>/<card_id>`. Cards carry their own balance: they spend from no
 *   wallet (`walletRef` null).
 * - The one Wallet is the account's USDT master wallet (ref `master`), which funds top-ups.
 * Every enum mapping is exhaustive over the values the contract lists; anything else is
 * UNKNOWN with the raw value kept.
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import { fromDecimalString, type Money } from '../../core/money.js';
import {
  CardStatus,
  CardType,
  KycStatus,
  TransactionDirection,
  TransactionStatus,
  TransactionType,
  parseTimestamp,
  type Card,
  type Cardholder,
  type Transaction,
  type Wallet,
} from '../../core/model.js';
import { documented, upstreamObject } from '../transport/upstream-shape.js';
import { checkedCardSecrets } from '../transport/card-secrets.js';
import type { CardSecrets } from '../../core/model.js';
import { OperationKind, OperationStatus, type Operation } from '../../core/writes.js';
import type {
  CorporateCardStatus,
  CorporateKycStatus,
  CorporateOrderStatus,
  CorporateOrderType,
  CorporateTransactionStatus,
  CorporateTransactionType,
} from './contract.js';

export const MASTER_WALLET_REF = 'master';
const MASTER_WALLET_CURRENCY = 'USDT';

export interface CardAddress {
  externalUserId: string;
  cardId: string;
}

function cardRef(externalUserId: string, cardId: string): string {
  return `${externalUserId}/${cardId}`;
}

/** Splits at the last `/`: card ids are the provider's and hold none; user ids are ours. */
export function parseCardRef(ref: string): CardAddress | null {
  const slash = ref.lastIndexOf('/');
  if (slash <= 0 || slash === ref.length - 1) return null;
  return { externalUserId: ref.slice(0, slash), cardId: ref.slice(slash + 1) };
}

const CARD_STATUS = {
  active: CardStatus.ACTIVE,
  frozen: CardStatus.FROZEN,
  // "issued, not yet activated"
  inactive: CardStatus.PENDING,
  closed: CardStatus.CLOSED,
} satisfies Record<CorporateCardStatus, CardStatus>;

const KYC_STATUS = {
  pending: KycStatus.PENDING,
  approved: KycStatus.APPROVED,
  rejected: KycStatus.REJECTED,
} satisfies Record<CorporateKycStatus, KycStatus>;

const TRANSACTION_TYPE = {
  purchase: TransactionType.PURCHASE,
  refund: TransactionType.REFUND,
  topup: TransactionType.TOP_UP,
  fee: TransactionType.FEE,
} satisfies Record<CorporateTransactionType, TransactionType>;

const TRANSACTION_STATUS = {
  pending: TransactionStatus.PENDING,
  completed: TransactionStatus.SETTLED,
  declined: TransactionStatus.DECLINED,
  reversed: TransactionStatus.REVERSED,
} satisfies Record<CorporateTransactionStatus, TransactionStatus>;

/** Refunds and top-ups put money into the card; purchases and fees take it out. */
const TRANSACTION_DIRECTION = {
  purchase: TransactionDirection.DEBIT,
  refund: TransactionDirection.CREDIT,
  topup: TransactionDirection.CREDIT,
  fee: TransactionDirection.DEBIT,
} satisfies Record<CorporateTransactionType, TransactionDirection>;

/** A user with its cardholder record, or null when the user has none (`cardholder_not_found`). */
export function mapCardholder(rawUser: unknown, rawCardholder: unknown | null): Cardholder {
  const user = upstreamObject('corporate', 'user', rawUser);
  const kyc = rawCardholder === null ? null : upstreamObject('corporate', 'cardholder', rawCardholder).string('kyc_status');
  return {
    provider: 'corporate',
    ref: user.string('external_user_id'),
    firstName: user.optString('first_name'),
    lastName: user.optString('last_name'),
    email: user.optString('email'),
    phone: null,
    kycStatus: kyc === null ? KycStatus.NOT_STARTED : documented(KYC_STATUS, kyc) ?? KycStatus.UNKNOWN,
    providerKycStatus: kyc,
    createdAt: parseTimestamp(user.raw('created_at')),
  };
}

export function mapCard(raw: unknown): Card {
  const o = upstreamObject('corporate', 'card', raw);
  const status = o.string('status');
  const owner = o.string('external_user_id');
  return {
    provider: 'corporate',
    ref: cardRef(owner, o.string('card_id')),
    cardholderRef: owner,
    walletRef: null,
    status: documented(CARD_STATUS, status) ?? CardStatus.UNKNOWN,
    providerStatus: status,
    // The provider issues virtual cards only (docs/corporate.txt: "users, cardholders, and virtual cards").
    type: CardType.VIRTUAL,
    brand: o.optString('brand'),
    last4: o.optString('last4'),
    expiryMonth: o.optInt('expiry_month'),
    expiryYear: o.optInt('expiry_year'),
    balance: o.raw('balance') === undefined ? null : fromDecimalString(o.raw('balance'), o.raw('currency'), 'card balance'),
    createdAt: parseTimestamp(o.raw('created_at')),
  };
}

/** A card's transaction; the card's ref comes from the scope (the object names only its id). */
export function mapTransaction(raw: unknown, scope: CardAddress): Transaction {
  const o = upstreamObject('corporate', 'transaction', raw);
  const type = o.string('type');
  const status = o.string('status');
  const money = fromDecimalString(o.raw('amount'), o.raw('currency'), 'transaction amount');
  const merchant = o.optString('merchant_name');
  return {
    provider: 'corporate',
    ref: o.string('transaction_id'),
    cardRef: cardRef(scope.externalUserId, o.optString('card_id') ?? scope.cardId),
    walletRef: null,
    type: documented(TRANSACTION_TYPE, type) ?? TransactionType.UNKNOWN,
    providerType: type,
    status: documented(TRANSACTION_STATUS, status) ?? TransactionStatus.UNKNOWN,
    providerStatus: status,
    // A type the contract does not list: read as money leaving the card.
    direction: documented(TRANSACTION_DIRECTION, type) ?? TransactionDirection.DEBIT,
    amount: money.amount.startsWith('-') ? { ...money, amount: money.amount.slice(1) } : money,
    merchant: merchant ? { name: merchant, mcc: null, country: null } : null,
    createdAt: parseTimestamp(o.raw('created_at')),
  };
}

/** `/master-wallet/balance`: `{currency:"USDT", available}`. */
export function mapMasterBalance(raw: unknown): Money {
  const o = upstreamObject('corporate', 'master wallet balance', raw);
  return fromDecimalString(o.raw('available'), o.raw('currency') ?? MASTER_WALLET_CURRENCY, 'master wallet balance');
}

/** The master wallet, named after where it is funded (`/master-wallet/deposit-address`). */
export function mapMasterWallet(rawAddress: unknown, balance: Money): Wallet {
  const o = upstreamObject('corporate', 'master wallet deposit address', rawAddress);
  const network = o.optString('network') ?? 'TRC20';
  const currency = o.optString('currency') ?? MASTER_WALLET_CURRENCY;
  const address = o.optString('address');
  return {
    provider: 'corporate',
    ref: MASTER_WALLET_REF,
    cardholderRef: null,
    name: `Master wallet (${currency} on ${network}${address ? `, deposit address ${address}` : ''})`,
    currency,
    balance,
    createdAt: null,
  };
}

/** A page-numbered list answer: `{items, page, per_page, total}`. */
export function listAnswer(raw: unknown, what: string): { items: unknown[]; total: number | undefined } {
  const o = upstreamObject('corporate', what, raw);
  return { items: o.array('items'), total: o.optInt('total') ?? undefined };
}

/** Cards are in USD (corporate.md, "Objects": every product and card is `currency: "USD"`). */
export const CARD_CURRENCY = 'USD';

/**
 * An order's ref: `<external_user_id>/<order_id>`, like a card's. The order object names its
 * card by id alone, and a card is addressed by its user and its id together, so the user is
 * carried in the ref for `getOperation` to name the card the order created or credited.
 */
function orderRef(externalUserId: string, orderId: string): string {
  return `${externalUserId}/${orderId}`;
}

/** The user and order id of an order ref; a bare order id (no user) is accepted too. */
export function parseOrderRef(ref: string): { externalUserId: string | null; orderId: string } | null {
  const slash = ref.lastIndexOf('/');
  if (slash === -1) return ref.length > 0 ? { externalUserId: null, orderId: ref } : null;
  if (slash === 0 || slash === ref.length - 1) return null;
  return { externalUserId: ref.slice(0, slash), orderId: ref.slice(slash + 1) };
}

const ORDER_KIND = {
  card_issue: OperationKind.CARD_ISSUE,
  topup: OperationKind.TOP_UP,
} satisfies Record<CorporateOrderType, OperationKind>;

/** "Orders move through predictable states": pending → processing → completed | failed. */
const ORDER_STATUS = {
  pending: OperationStatus.PENDING,
  processing: OperationStatus.PROCESSING,
  completed: OperationStatus.COMPLETED,
  failed: OperationStatus.FAILED,
} satisfies Record<CorporateOrderStatus, OperationStatus>;

/**
 * An order (`/cards/create`, `/cards/topup`, `/orders/get`) as an Operation. `externalUserId`
 * is the user the order is for, when the caller knows it (the order object does not say):
 * without it neither the ref nor the card can name the user. `reference` is null: corporate
 * keys orders by the Idempotency-Key, which no order read returns.
 */
export function mapOrderOperation(raw: unknown, externalUserId: string | null): Operation {
  const o = upstreamObject('corporate', 'order', raw);
  const orderId = o.string('order_id');
  const type = o.string('type');
  const kind = documented(ORDER_KIND, type);
  if (!kind) throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `CORPORATE sent an order of an unknown type`, { provider: 'corporate' });
  const status = o.string('status');
  const cardId = o.optString('card_id');
  const amount = o.optString('amount');
  return {
    provider: 'corporate',
    ref: externalUserId === null ? orderId : orderRef(externalUserId, orderId),
    kind,
    status: documented(ORDER_STATUS, status) ?? OperationStatus.UNKNOWN,
    providerStatus: status,
    reference: null,
    amount: amount === null ? null : fromDecimalString(amount, CARD_CURRENCY, 'order amount'),
    cardRef: cardId !== null && externalUserId !== null ? cardRef(externalUserId, cardId) : null,
    failureReason: o.optString('failure_reason'),
    createdAt: parseTimestamp(o.raw('created_at')),
  };
}


/** `/cards/sensitive`' `data`: `{pan, cvv, expiry_month, expiry_year}`, checked strictly. */
export function mapCardSecrets(raw: unknown): CardSecrets {
  const o = upstreamObject('corporate', 'card sensitive details', raw);
  return checkedCardSecrets(
    'corporate',
    { pan: o.raw('pan'), cvv: o.raw('cvv'), expiryMonth: o.raw('expiry_month'), expiryYear: o.raw('expiry_year') },
    { expiryMonth: 'expiry_month', expiryYear: 'expiry_year' },
  );
}
