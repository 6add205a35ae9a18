/**
 * baas objects (baas.md, "Objects") → the unified model. Every enum mapping covers the values
 * the contract lists; anything else is UNKNOWN with the raw value kept beside it. Amounts are
 * decimal strings, checked and normalised without ever becoming floats.
 */
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
import type { BaasBlockReason, BaasCardStatus, BaasCardType, BaasComplianceStatus, BaasTransactionKind, BaasTransactionStatus } from './contract.js';

const KYC_STATUS = {
  draft: KycStatus.NOT_STARTED,
  submitted: KycStatus.PENDING,
  under_review: KycStatus.UNDER_REVIEW,
  approved: KycStatus.APPROVED,
  rejected: KycStatus.REJECTED,
} satisfies Record<BaasComplianceStatus, KycStatus>;

const CARD_STATUS = {
  active: CardStatus.ACTIVE,
  frozen: CardStatus.FROZEN,
  // Its block reason decides (BLOCK_REASON); this is a block with no or an unknown reason.
  blocked: CardStatus.CLOSED,
  expired: CardStatus.EXPIRED,
} satisfies Record<BaasCardStatus, CardStatus>;

/**
 * A blocked card's state is its block reason. baas blocks are terminal (a blocked card can
 * never be unfrozen), so a fraud block is CLOSED — "closed for good" — rather than RESTRICTED,
 * which in this model is an issuer's condition on a card (refer to issuer, honour with ID)
 * that clients may expect to lift. A block with no or an unknown reason is still terminal.
 */
const BLOCK_REASON = {
  lost: CardStatus.LOST,
  stolen: CardStatus.STOLEN,
  fraud: CardStatus.CLOSED,
} satisfies Record<BaasBlockReason, CardStatus>;

const CARD_TYPE = { virtual: CardType.VIRTUAL, physical: CardType.PHYSICAL } satisfies Record<BaasCardType, CardType>;

const TRANSACTION_KIND: Record<BaasTransactionKind, { type: TransactionType; direction: TransactionDirection }> = {
  purchase: { type: TransactionType.PURCHASE, direction: TransactionDirection.DEBIT },
  refund: { type: TransactionType.REFUND, direction: TransactionDirection.CREDIT },
  deposit: { type: TransactionType.DEPOSIT, direction: TransactionDirection.CREDIT },
  transfer_in: { type: TransactionType.TRANSFER, direction: TransactionDirection.CREDIT },
  transfer_out: { type: TransactionType.TRANSFER, direction: TransactionDirection.DEBIT },
  fee: { type: TransactionType.FEE, direction: TransactionDirection.DEBIT },
};

const TRANSACTION_STATUS = {
  pending: TransactionStatus.PENDING,
  settled: TransactionStatus.SETTLED,
  declined: TransactionStatus.DECLINED,
  reversed: TransactionStatus.REVERSED,
} satisfies Record<BaasTransactionStatus, TransactionStatus>;

export function mapCardholder(raw: unknown): Cardholder {
  const o = upstreamObject('baas', 'cardholder', raw);
  const compliance = o.optString('complianceStatus');
  return {
    provider: 'baas',
    ref: o.string('id'),
    firstName: o.optString('firstName'),
    lastName: o.optString('lastName'),
    email: o.optString('email'),
    phone: o.optString('phone'),
    kycStatus: documented(KYC_STATUS, compliance) ?? KycStatus.UNKNOWN,
    providerKycStatus: compliance,
    createdAt: parseTimestamp(o.raw('createdAt')),
  };
}

/** A wallet's balance is its `availableBalance` (what cards can spend), not `ledgerBalance`. */
function mapWalletBalance(raw: unknown): Money {
  const o = upstreamObject('baas', 'wallet', raw);
  return fromDecimalString(o.raw('availableBalance'), o.raw('currency'), 'wallet availableBalance');
}

export function mapWallet(raw: unknown): Wallet {
  const o = upstreamObject('baas', 'wallet', raw);
  return {
    provider: 'baas',
    ref: o.string('id'),
    cardholderRef: o.optString('cardholderId'),
    // baas wallets have no name.
    name: null,
    currency: o.string('currency').toUpperCase(),
    balance: mapWalletBalance(raw),
    createdAt: parseTimestamp(o.raw('createdAt')),
  };
}

function cardStatus(status: string, blockReason: string | null): CardStatus {
  const byReason = status === 'blocked' ? documented(BLOCK_REASON, blockReason) : undefined;
  return byReason ?? documented(CARD_STATUS, status) ?? CardStatus.UNKNOWN;
}

export function mapCard(raw: unknown): Card {
  const o = upstreamObject('baas', 'card', raw);
  const status = o.string('status');
  const blockReason = o.optString('blockReason');
  const type = o.optString('type');
  return {
    provider: 'baas',
    ref: o.string('id'),
    cardholderRef: o.optString('cardholderId'),
    walletRef: o.optString('walletId'),
    status: cardStatus(status, blockReason),
    // The reason is part of a blocked card's state, so it is part of the raw value shown.
    providerStatus: status === 'blocked' && blockReason ? `blocked (${blockReason})` : status,
    type: documented(CARD_TYPE, type) ?? CardType.UNKNOWN,
    brand: o.optString('brand'),
    last4: o.optString('last4'),
    expiryMonth: o.optInt('expiryMonth'),
    expiryYear: o.optInt('expiryYear'),
    createdAt: parseTimestamp(o.raw('createdAt')),
  };
}

export function mapTransaction(raw: unknown): Transaction {
  const o = upstreamObject('baas', 'transaction', raw);
  const kind = o.string('kind');
  const status = o.string('status');
  const money = fromDecimalString(o.raw('amount'), o.raw('currency'), 'transaction amount');
  const negative = money.amount.startsWith('-');
  const known = documented(TRANSACTION_KIND, kind);
  const merchantName = o.optString('merchantName');
  return {
    provider: 'baas',
    ref: o.string('id'),
    cardRef: o.optString('cardId'),
    walletRef: o.optString('walletId'),
    type: known?.type ?? TransactionType.UNKNOWN,
    providerType: kind,
    status: documented(TRANSACTION_STATUS, status) ?? TransactionStatus.UNKNOWN,
    providerStatus: status,
    // The kind says which way money moved; for a kind the contract does not list, a signed
    // amount is the only hint (negative = out).
    direction: known?.direction ?? (negative ? TransactionDirection.DEBIT : TransactionDirection.CREDIT),
    // Amounts are published positive; `direction` carries the sign.
    amount: negative ? { ...money, amount: money.amount.slice(1) } : money,
    merchant: merchantName ? { name: merchantName, mcc: null, country: null } : null,
    createdAt: parseTimestamp(o.raw('createdAt')),
  };
}

/** `GET /cards/{cardId}/secure-details`' `data`: `{pan, cvv, expiryMonth, expiryYear}`, checked strictly. */
export function mapCardSecrets(raw: unknown): CardSecrets {
  const o = upstreamObject('baas', 'card secure details', raw);
  return checkedCardSecrets('baas', {
    pan: o.raw('pan'),
    cvv: o.raw('cvv'),
    expiryMonth: o.raw('expiryMonth'),
    expiryYear: o.raw('expiryYear'),
  });
}

// ---------------------------------------------------------------------------------------
// Writes: deposits and transfers as operations, amounts as baas wants them.

/** A transaction's (or transfer's) status as an operation's. */
const OPERATION_STATUS = {
  pending: OperationStatus.PENDING,
  settled: OperationStatus.COMPLETED,
  declined: OperationStatus.FAILED,
  // It happened and was undone: the money is not where the write put it.
  reversed: OperationStatus.FAILED,
} satisfies Record<BaasTransactionStatus, OperationStatus>;

/**
 * A money movement baas answered or listed as an operation: the `deposit` transaction of a
 * bank deposit, the transfer object of `POST /wallets/transfer`, or a transfer's
 * `transfer_out` leg found by reference (so a transfer's `ref` is the transfer's id when
 * answered, its debit transaction's id when found; baas reads neither back by id).
 */
export function mapMoneyOperation(raw: unknown, kind: OperationKind.TOP_UP | OperationKind.TRANSFER, what: string): Operation {
  const o = upstreamObject('baas', what, raw);
  const status = o.string('status');
  const operationStatus = documented(OPERATION_STATUS, status) ?? OperationStatus.UNKNOWN;
  return {
    provider: 'baas',
    ref: o.string('id'),
    kind,
    status: operationStatus,
    providerStatus: status,
    reference: o.optString('reference'),
    amount: fromDecimalString(o.raw('amount'), o.raw('currency'), `${what} amount`),
    cardRef: o.optString('cardId'),
    failureReason: operationStatus === OperationStatus.FAILED ? `${status} by BAAS` : null,
    createdAt: parseTimestamp(o.raw('createdAt')),
  };
}
