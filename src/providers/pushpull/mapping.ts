/**
 * pushpull objects (pushpull.md, "Objects") → the unified model. A card is a card account (a
 * debit card enrolled for push and pull); a transaction is a push (money credited to the card)
 * or a pull (money debited from it). Amounts are integers in the currency's minor units
 * (ISO 4217 exponent: USD cents, JPY yen, BHD fils), converted exactly by `fromMinorUnits`.
 */
import { badInput, ErrorCode, GatewayError } from '../../core/errors.js';
import { fromMinorUnits, toMinorUnitsExact, type Money } from '../../core/money.js';
import {
  CardStatus,
  CardType,
  TransactionDirection,
  TransactionStatus,
  TransactionType,
  parseTimestamp,
  type Card,
  type Transaction,
} from '../../core/model.js';
import { documented, upstreamObject, type UpstreamObject } from '../transport/upstream-shape.js';
import { OperationKind, OperationStatus, type Operation } from '../../core/writes.js';
import type { PushpullAccountStatus, PushpullTransactionStatus, PushpullTransactionType } from './contract.js';

const CARD_STATUS = {
  active: CardStatus.ACTIVE,
  deleted: CardStatus.CLOSED,
} satisfies Record<PushpullAccountStatus, CardStatus>;

const TRANSACTION_STATUS = {
  completed: TransactionStatus.SETTLED,
  pending: TransactionStatus.PENDING,
  failed: TransactionStatus.FAILED,
  unknown: TransactionStatus.UNKNOWN,
} satisfies Record<PushpullTransactionStatus, TransactionStatus>;

const TRANSACTION_KIND = {
  push: { type: TransactionType.PUSH, direction: TransactionDirection.CREDIT },
  pull: { type: TransactionType.PULL, direction: TransactionDirection.DEBIT },
} satisfies Record<PushpullTransactionType, { type: TransactionType; direction: TransactionDirection }>;

const malformed = (what: string) =>
  new GatewayError(ErrorCode.UPSTREAM_ERROR, `PUSHPULL sent a ${what}`, { provider: 'pushpull' });

export function mapAccount(raw: unknown): Card {
  const o = upstreamObject('pushpull', 'account', raw);
  const status = o.string('status');
  const last4 = o.optString('last4');
  return {
    provider: 'pushpull',
    ref: o.string('account_id'),
    // pushpull has no cardholders or wallets: the card account belongs to the client.
    cardholderRef: null,
    walletRef: null,
    status: documented(CARD_STATUS, status) ?? CardStatus.UNKNOWN,
    providerStatus: status,
    // An enrolled debit card: pushpull does not say whether it is plastic or virtual.
    type: CardType.UNKNOWN,
    brand: o.optString('brand'),
    // Only ever four digits: anything longer is not passed on.
    last4: last4 !== null && /^\d{4}$/.test(last4) ? last4 : null,
    expiryMonth: o.optInt('exp_month'),
    expiryYear: o.optInt('exp_year'),
    createdAt: parseTimestamp(o.raw('created_at')),
  };
}

/**
 * A card pushpull answered 410 Gone for: it existed and has been deleted (or is being). The
 * 410 body carries nothing of the account, so only its id and state are known.
 */
export function deletedCard(ref: string): Card {
  return {
    provider: 'pushpull',
    ref,
    cardholderRef: null,
    walletRef: null,
    status: CardStatus.CLOSED,
    providerStatus: 'deleted',
    type: CardType.UNKNOWN,
    brand: null,
    last4: null,
    expiryMonth: null,
    expiryYear: null,
    createdAt: null,
  };
}

export function mapTransaction(raw: unknown): Transaction {
  const o = upstreamObject('pushpull', 'transaction', raw);
  const type = o.string('type');
  const status = o.string('status');
  const kind = documented(TRANSACTION_KIND, type);
  return {
    provider: 'pushpull',
    ref: o.string('transaction_id'),
    cardRef: o.optString('account_id'),
    walletRef: null,
    type: kind?.type ?? TransactionType.UNKNOWN,
    providerType: type,
    status: documented(TRANSACTION_STATUS, status) ?? TransactionStatus.UNKNOWN,
    providerStatus: status,
    // Neither push nor pull: the contract has no third kind, so read it as money leaving.
    direction: kind?.direction ?? TransactionDirection.DEBIT,
    amount: minorUnitMoney(o),
    merchant: null,
    createdAt: parseTimestamp(o.raw('created_at')),
  };
}

/** `amount` (a non-negative integer of minor units, as a number or digit string) with `currency`. */
function minorUnitMoney(o: UpstreamObject): Money {
  const currency = o.string('currency');
  if (!/^[A-Za-z]{3}$/.test(currency)) throw malformed('transaction with a malformed currency');
  const amount = o.raw('amount');
  let units: bigint;
  if (typeof amount === 'number' && Number.isSafeInteger(amount)) units = BigInt(amount);
  else if (typeof amount === 'string' && /^\d{1,30}$/.test(amount)) units = BigInt(amount);
  else throw malformed('transaction whose amount is not an integer of minor units');
  if (units < 0n) throw malformed('transaction with a negative amount');
  return fromMinorUnits(units, currency);
}

/** The items of a list answer (`accounts` or `transactions`) and its `total`. */
export function listAnswer(body: unknown, field: 'accounts' | 'transactions'): { items: unknown[]; total: number | null } {
  const o = upstreamObject('pushpull', `${field} list`, body);
  return { items: o.array(field), total: o.optInt('total') };
}

const OPERATION_KIND = {
  push: OperationKind.PUSH,
  pull: OperationKind.PULL,
} satisfies Record<PushpullTransactionType, OperationKind>;

/** The transaction's own status; `unknown` (a 207's) is never read as success or failure. */
const OPERATION_STATUS = {
  completed: OperationStatus.COMPLETED,
  pending: OperationStatus.PENDING,
  failed: OperationStatus.FAILED,
  unknown: OperationStatus.UNKNOWN,
} satisfies Record<PushpullTransactionStatus, OperationStatus>;

/** A push/pull transaction as the Operation a write created. */
export function mapTransactionOperation(raw: unknown): Operation {
  const o = upstreamObject('pushpull', 'transaction', raw);
  const type = o.string('type');
  const kind = documented(OPERATION_KIND, type);
  if (!kind) throw malformed('transaction that is neither a push nor a pull');
  const status = o.string('status');
  return {
    provider: 'pushpull',
    ref: o.string('transaction_id'),
    kind,
    status: documented(OPERATION_STATUS, status) ?? OperationStatus.UNKNOWN,
    providerStatus: status,
    reference: o.optString('reference_id'),
    amount: minorUnitMoney(o),
    cardRef: o.optString('account_id'),
    failureReason: null,
    createdAt: parseTimestamp(o.raw('created_at')),
  };
}

/**
 * A unified amount as pushpull's integer of minor units (ISO 4217 exponent), converted exactly
 * by money.ts; pushpull's JSON number must also stay a safe integer.
 */
export function toMinorUnits(money: Money): number {
  if (!/^[A-Z]{3}$/.test(money.currency.toUpperCase())) throw badInput(`currency ${money.currency} is not an ISO 4217 code`);
  const units = toMinorUnitsExact({ ...money, currency: money.currency.toUpperCase() });
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw badInput(`amount ${money.amount} ${money.currency} is too large`);
  return Number(units);
}
