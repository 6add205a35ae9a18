/**
 * utgl objects (utgl.md, "Objects") → the unified model. Every enum mapping is exhaustive
 * over the values the contract lists; anything else is UNKNOWN with the raw value kept.
 */
import { fromDecimalString } from '../../core/money.js';
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
import type { UtglCardStatus, UtglCardType, UtglKycStatus, UtglTransactionStatus, UtglTransactionType, UtglTransferStatus } from './contract.js';

const CARD_STATUS = {
  active: CardStatus.ACTIVE,
  frozen: CardStatus.FROZEN,
  lost: CardStatus.LOST,
  stolen: CardStatus.STOLEN,
  closed: CardStatus.CLOSED,
  expired: CardStatus.EXPIRED,
  pending: CardStatus.PENDING,
} satisfies Record<UtglCardStatus, CardStatus>;

const KYC_STATUS = {
  pending: KycStatus.PENDING,
  approved: KycStatus.APPROVED,
  rejected: KycStatus.REJECTED,
} satisfies Record<UtglKycStatus, KycStatus>;

const TRANSACTION_TYPE = {
  purchase: TransactionType.PURCHASE,
  refund: TransactionType.REFUND,
  transfer: TransactionType.TRANSFER,
  fee: TransactionType.FEE,
} satisfies Record<UtglTransactionType, TransactionType>;

const TRANSACTION_STATUS = {
  pending: TransactionStatus.PENDING,
  posted: TransactionStatus.SETTLED,
  declined: TransactionStatus.DECLINED,
  reversed: TransactionStatus.REVERSED,
} satisfies Record<UtglTransactionStatus, TransactionStatus>;

const CARD_TYPE = { virtual: CardType.VIRTUAL, physical: CardType.PHYSICAL } satisfies Record<UtglCardType, CardType>;

export function mapCardholder(raw: unknown): Cardholder {
  const o = upstreamObject('utgl', 'cardholder', raw);
  const kyc = o.optString('kyc_status');
  return {
    provider: 'utgl',
    ref: o.string('id'),
    firstName: o.optString('first_name'),
    lastName: o.optString('last_name'),
    email: o.optString('email'),
    phone: o.optString('phone'),
    kycStatus: documented(KYC_STATUS, kyc) ?? KycStatus.UNKNOWN,
    providerKycStatus: kyc,
    createdAt: parseTimestamp(o.raw('created_at')),
  };
}

export function mapAccount(raw: unknown): Wallet {
  const o = upstreamObject('utgl', 'account', raw);
  const currency = o.string('currency');
  return {
    provider: 'utgl',
    ref: o.string('id'),
    cardholderRef: o.optString('cardholder_id'),
    name: o.optString('name'),
    currency,
    balance: fromDecimalString(o.raw('balance'), currency, 'account balance'),
    // The documented account example says `createdAt`; accept both spellings.
    createdAt: parseTimestamp(o.raw('createdAt') ?? o.raw('created_at')),
  };
}

export function mapCard(raw: unknown): Card {
  const o = upstreamObject('utgl', 'card', raw);
  const status = o.string('status');
  const type = o.optString('type');
  return {
    provider: 'utgl',
    ref: o.string('id'),
    cardholderRef: o.optString('cardholder_id'),
    walletRef: o.optString('account_id'),
    status: documented(CARD_STATUS, status) ?? CardStatus.UNKNOWN,
    providerStatus: status,
    type: documented(CARD_TYPE, type) ?? CardType.UNKNOWN,
    brand: o.optString('brand'),
    last4: o.optString('last4'),
    expiryMonth: o.optInt('exp_month'),
    expiryYear: o.optInt('exp_year'),
    createdAt: parseTimestamp(o.raw('created_at')),
  };
}

export function mapTransaction(raw: unknown): Transaction {
  const o = upstreamObject('utgl', 'transaction', raw);
  const type = o.string('type');
  const status = o.string('status');
  const money = fromDecimalString(o.raw('amount'), o.raw('currency'), 'transaction amount');
  const negative = money.amount.startsWith('-');
  const merchant = o.optObject('merchant');
  return {
    provider: 'utgl',
    ref: o.string('id'),
    cardRef: o.optString('card_id'),
    walletRef: o.optString('account_id'),
    type: documented(TRANSACTION_TYPE, type) ?? TransactionType.UNKNOWN,
    providerType: type,
    status: documented(TRANSACTION_STATUS, status) ?? TransactionStatus.UNKNOWN,
    providerStatus: status,
    // Refunds credit the account; everything else the contract lists debits it.
    direction: type === 'refund' ? TransactionDirection.CREDIT : TransactionDirection.DEBIT,
    amount: negative ? { ...money, amount: money.amount.slice(1) } : money,
    merchant: merchant
      ? { name: merchant.string('name'), mcc: merchant.optString('mcc'), country: merchant.optString('country') }
      : null,
    createdAt: parseTimestamp(o.raw('created_at')),
  };
}

/** `GET /v1/cards/{id}/sensitive`: `{pan, cvv, exp_month, exp_year}`, checked strictly. */
export function mapCardSecrets(raw: unknown): CardSecrets {
  const o = upstreamObject('utgl', 'card sensitive details answer', raw);
  return checkedCardSecrets(
    'utgl',
    { pan: o.raw('pan'), cvv: o.raw('cvv'), expiryMonth: o.raw('exp_month'), expiryYear: o.raw('exp_year') },
    { expiryMonth: 'exp_month', expiryYear: 'exp_year' },
  );
}

// ---------------------------------------------------------------------------------------
// Writes: transfers and issued cards as operations, amounts as utgl wants them.

const TRANSFER_STATUS = {
  pending: OperationStatus.PENDING,
  completed: OperationStatus.COMPLETED,
  failed: OperationStatus.FAILED,
} satisfies Record<UtglTransferStatus, OperationStatus>;

/**
 * A transfer as an operation. `kind` is what the caller asked for (a top-up and a transfer
 * are one endpoint); read by id without one, a transfer to a card is a TOP_UP.
 */
export function mapTransfer(raw: unknown, kind?: OperationKind.TOP_UP | OperationKind.TRANSFER): Operation {
  const o = upstreamObject('utgl', 'transfer', raw);
  const status = o.string('status');
  const cardRef = o.optString('destination_card_id');
  return {
    provider: 'utgl',
    ref: o.string('id'),
    kind: kind ?? (cardRef ? OperationKind.TOP_UP : OperationKind.TRANSFER),
    status: documented(TRANSFER_STATUS, status) ?? OperationStatus.UNKNOWN,
    providerStatus: status,
    reference: o.optString('reference'),
    amount: fromDecimalString(o.raw('amount'), o.raw('currency'), 'transfer amount'),
    cardRef,
    // utgl's transfer carries no reason; `providerStatus` says "failed".
    failureReason: null,
    createdAt: parseTimestamp(o.raw('created_at')),
  };
}

