/**
 * ledger objects → the unified model. ledger addresses a wallet (and the one debit card on
 * it) by the wallet's namespace but can only be read per customer, so the gateway's refs
 * carry both: `<customerAccountId>/<nameSpace>` for wallets and cards (see ledger.md).
 * Amounts are 18-decimal base-unit integer strings, converted exactly.
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import { fromBaseUnits, parseUnits } from '../../core/money.js';
import {
  CardStatus,
  CardType,
  KycStatus,
  TransactionDirection,
  TransactionStatus,
  TransactionType,
  type Card,
  type Cardholder,
  type Transaction,
  type Wallet,
} from '../../core/model.js';
import { documented, upstreamObject, type UpstreamObject } from '../transport/upstream-shape.js';
import type { LedgerCardStatusCode, LedgerCardStatusText, LedgerKycStatus, LedgerTransactionStatus } from './contract.js';
import { checkedCardSecrets } from '../transport/card-secrets.js';
import type { CardSecrets } from '../../core/model.js';

/** The tenant's token (ledger.md: a wallet's currency is the token symbol, 18 decimals). */
export const LEDGER_TOKEN_SYMBOL = 'USBC';
const LEDGER_TOKEN_DECIMALS = 18;

export interface WalletRef {
  customerId: string;
  nameSpace: string;
}

function walletRef(customerId: string, nameSpace: string): string {
  return `${customerId}/${nameSpace}`;
}

export function parseWalletRef(ref: string): WalletRef | null {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) return null;
  return { customerId: ref.slice(0, slash), nameSpace: ref.slice(slash + 1) };
}

/** By the reference's numeric status codes (authoritative when present). */
const STATUS_BY_CODE = {
  1000: CardStatus.ACTIVE,
  1001: CardStatus.RESTRICTED, // refer to issuer
  1004: CardStatus.RESTRICTED, // capture card
  1005: CardStatus.FROZEN, // decline all transactions
  1007: CardStatus.FROZEN, // decline all transactions
  1008: CardStatus.RESTRICTED, // honor with ID
  1041: CardStatus.LOST,
  1140: CardStatus.LOST,
  1043: CardStatus.STOLEN,
  1143: CardStatus.STOLEN,
  1054: CardStatus.EXPIRED,
  1154: CardStatus.EXPIRED,
  1062: CardStatus.RESTRICTED,
} satisfies Record<LedgerCardStatusCode, CardStatus>;

const STATUS_BY_TEXT = {
  active: CardStatus.ACTIVE,
  'temporary block': CardStatus.FROZEN,
  'decline all': CardStatus.FROZEN,
  lost: CardStatus.LOST,
  stolen: CardStatus.STOLEN,
  expired: CardStatus.EXPIRED,
  restricted: CardStatus.RESTRICTED,
} satisfies Record<LedgerCardStatusText, CardStatus>;

const KYC_STATUS = {
  PENDING: KycStatus.PENDING,
  SUBMITTED: KycStatus.UNDER_REVIEW,
  IN_REVIEW: KycStatus.UNDER_REVIEW,
  ACCEPTED: KycStatus.APPROVED,
  APPROVED: KycStatus.APPROVED,
  REJECTED: KycStatus.REJECTED,
  DENIED: KycStatus.REJECTED,
} satisfies Record<LedgerKycStatus, KycStatus>;

const TRANSACTION_STATUS = {
  completed: TransactionStatus.SETTLED,
  success: TransactionStatus.SETTLED,
  pending: TransactionStatus.PENDING,
  failed: TransactionStatus.FAILED,
} satisfies Record<LedgerTransactionStatus, TransactionStatus>;

/** The one customer object inside `customer-full-details`' `data` array. */
export function customerRecord(body: unknown): UpstreamObject {
  const data = upstreamObject('ledger', 'customer details answer', body).array('data');
  return upstreamObject('ledger', 'customer', data[0]);
}

export function mapCustomer(customer: UpstreamObject): Cardholder {
  const kyc = customer.optString('kycStatus');
  return {
    provider: 'ledger',
    ref: customer.string('customerAccountId'),
    firstName: customer.optString('firstName'),
    lastName: customer.optString('lastName'),
    email: customer.optString('email'),
    phone: customer.optString('phoneNumber'),
    kycStatus: documented(KYC_STATUS, kyc?.toUpperCase()) ?? KycStatus.UNKNOWN,
    providerKycStatus: kyc,
    createdAt: null,
  };
}

export function customerWallets(customer: UpstreamObject): Wallet[] {
  const customerId = customer.string('customerAccountId');
  return customer.array('wallets').map((raw) => {
    const w = upstreamObject('ledger', 'wallet', raw);
    const nameSpace = w.string('domainNamespace');
    return {
      provider: 'ledger' as const,
      ref: walletRef(customerId, nameSpace),
      cardholderRef: customerId,
      name: w.optString('customNamespace') ?? nameSpace,
      currency: LEDGER_TOKEN_SYMBOL,
      createdAt: null,
    };
  });
}

/**
 * The card on a wallet, from `GET /cards/details` (or the 201 of `POST /cards/request-card`,
 * which answers the same object). That answer carries the full PAN and CVV: only the last
 * four digits are kept, here, and nothing else of them leaves this function.
 */
export function mapCardDetails(ref: string, body: unknown): Card {
  const data = upstreamObject('ledger', 'card details answer', body).object('data');
  const pan = data.optString('cardNumber');
  const expiry = /^(\d{4})-(\d{2})/.exec(data.optString('expiryDate') ?? '');
  const wallet = parseWalletRef(ref);
  const { status, providerStatus } = cardStatus(data.string('status'), data.optInt('statusCode'));
  return {
    provider: 'ledger',
    ref,
    cardholderRef: wallet?.customerId ?? null,
    walletRef: ref,
    status,
    providerStatus,
    type: CardType.UNKNOWN,
    brand: data.optString('cardType'),
    last4: pan && /^\d{12,19}$/.test(pan) ? pan.slice(-4) : null,
    expiryMonth: expiry ? Number(expiry[2]) : null,
    expiryYear: expiry ? Number(expiry[1]) : null,
    createdAt: null,
  };
}

/** A card's status from the numeric code when present (authoritative), else from the text. */
function cardStatus(text: string, code: number | null): { status: CardStatus; providerStatus: string } {
  return {
    status: documented(STATUS_BY_CODE, code) ?? documented(STATUS_BY_TEXT, text.toLowerCase()) ?? CardStatus.UNKNOWN,
    providerStatus: code !== null ? `${code} ${text}` : text,
  };
}

/**
 * The card after a status change: the card as read before it, with the status the change
 * answered (`{data: {status, statusCode?}}` of block-unblock and the reports).
 */
export function withChangedStatus(card: Card, body: unknown): Card {
  const data = upstreamObject('ledger', 'card status answer', body).object('data');
  return { ...card, ...cardStatus(data.string('status'), data.optInt('statusCode')) };
}

/**
 * The first product `GET /cards/eligible-cards` offers that is not marked inactive; null when
 * it offers none.
 */
export function eligibleProductId(body: unknown): string | null {
  const products = upstreamObject('ledger', 'eligible cards answer', body).array('data');
  for (const raw of products) {
    const product = upstreamObject('ledger', 'card product', raw);
    if (product.optBoolean('isActive') !== false) return product.string('cardProductId');
  }
  return null;
}

/**
 * The reveal path's reading of `GET /cards/details`: `data.cardNumber`, `data.cvv` and
 * `data.expiryDate` (`YYYY-MM-DD`, a real calendar date), checked strictly.
 */
export function mapCardSecrets(body: unknown): CardSecrets {
  const data = upstreamObject('ledger', 'card details answer', body).object('data');
  const expiry = calendarDate(data.raw('expiryDate'));
  return checkedCardSecrets(
    'ledger',
    { pan: data.raw('cardNumber'), cvv: data.raw('cvv'), expiryMonth: expiry?.month, expiryYear: expiry?.year },
    { pan: 'cardNumber', expiryMonth: 'expiryDate', expiryYear: 'expiryDate' },
  );
}

/** `YYYY-MM-DD` naming a day that exists; null for anything else. */
function calendarDate(value: unknown): { year: number; month: number } | null {
  const m = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const exists = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return exists ? { year, month } : null;
}

export function mapBalance(body: unknown) {
  const data = upstreamObject('ledger', 'balance answer', body).object('data');
  return fromBaseUnits(parseUnits(data.raw('accountBalance'), 'balance'), LEDGER_TOKEN_SYMBOL, LEDGER_TOKEN_DECIMALS);
}

export type HistoryType = 'on-chain' | 'off-chain';

/** A history item; `scope` says whose history it is (a card's or a wallet's ref). */
export function mapHistoryItem(raw: unknown, type: HistoryType, scope: { cardRef: string | null; walletRef: string }): Transaction {
  const o = upstreamObject('ledger', 'transaction', raw);
  const paymentType = o.string('paymentType').toLowerCase();
  if (paymentType !== 'credit' && paymentType !== 'debit') {
    throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `LEDGER sent a transaction with an unknown paymentType`, { provider: 'ledger' });
  }
  const status = o.string('status');
  const seconds = o.optInt('timestamp');
  const failed = o.optString('isError') === '1';
  return {
    provider: 'ledger',
    ref: o.string('trxId'),
    cardRef: scope.cardRef,
    walletRef: scope.walletRef,
    type: TransactionType.TRANSFER,
    providerType: `${type} ${paymentType}`,
    status: failed ? TransactionStatus.FAILED : documented(TRANSACTION_STATUS, status.toLowerCase()) ?? TransactionStatus.UNKNOWN,
    providerStatus: status,
    direction: paymentType === 'credit' ? TransactionDirection.CREDIT : TransactionDirection.DEBIT,
    amount: fromBaseUnits(parseUnits(o.raw('amount'), 'transaction amount'), o.optString('tokenSymbol') ?? LEDGER_TOKEN_SYMBOL, LEDGER_TOKEN_DECIMALS),
    merchant: null,
    createdAt: seconds === null ? null : new Date(seconds * 1000),
  };
}
