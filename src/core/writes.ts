/**
 * The unified writes: what a mutation asks a provider to do, and what comes back. The
 * gateway validates every input before it reaches a provider (amounts are positive decimal
 * strings within the currency's precision, ids are the provider's own refs), records the
 * mutation under its idempotency key, and hands the provider a `WriteRequest` carrying the
 * upstream idempotency key and reference derived from the gateway key (see gateway/writes/idempotency-keys.ts):
 * the same logical write always presents the same derived values upstream, except where a
 * provider's own rules demand a fresh key (utgl after a received 5xx and a negative look-up).
 */
import type { CallContext } from './call-context.js';
import type { Money } from './money.js';
import type { Card, CardType } from './model.js';

export enum CardAction {
  FREEZE = 'FREEZE',
  UNFREEZE = 'UNFREEZE',
  REPORT_LOST = 'REPORT_LOST',
  REPORT_STOLEN = 'REPORT_STOLEN',
  CLOSE = 'CLOSE',
}

export interface NewCardholder {
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  /** YYYY-MM-DD. */
  dateOfBirth: string | null;
  address: { line1: string; city: string; postalCode: string; country: string } | null;
}

export interface NewCard {
  cardholderRef: string;
  walletRef: string | null;
  type: CardType;
}

export interface TopUp {
  cardRef: string;
  amount: Money;
  /** The wallet paying for it, where the provider funds cards from wallets (utgl). */
  fundingWalletRef: string | null;
}

export interface Transfer {
  fromWalletRef: string;
  toWalletRef: string | null;
  toCardRef: string | null;
  amount: Money;
}

export interface PushPull {
  cardRef: string;
  direction: 'PUSH' | 'PULL';
  amount: Money;
}

export enum OperationKind {
  CARD_ISSUE = 'CARD_ISSUE',
  TOP_UP = 'TOP_UP',
  TRANSFER = 'TRANSFER',
  PUSH = 'PUSH',
  PULL = 'PULL',
}

export enum OperationStatus {
  PENDING = 'PENDING',
  /** The provider has started on it (corporate's `processing` order): not final yet. */
  PROCESSING = 'PROCESSING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  /** The provider itself does not know (pushpull 207): never to be read as success or failure. */
  UNKNOWN = 'UNKNOWN',
}

/** Statuses after which an operation no longer changes (UNKNOWN may still settle, so it is not final). */
export function isFinalStatus(status: OperationStatus): boolean {
  return status === OperationStatus.COMPLETED || status === OperationStatus.FAILED;
}

/** A write as the provider holds it: a transfer, a top-up order, a push/pull transaction. */
export interface Operation {
  provider: Card['provider'];
  /** The provider's id of the operation (transfer, order, transaction). */
  ref: string;
  kind: OperationKind;
  status: OperationStatus;
  providerStatus: string;
  /** The reference the gateway sent with it (derived from the idempotency key). */
  reference: string | null;
  amount: Money | null;
  /** The card it created or credited, when known. */
  cardRef: string | null;
  failureReason: string | null;
  createdAt: Date | null;
  /**
   * Set by a look-up by reference that found more than one write under it (a provider that
   * cannot refuse a copy): the gateway raises `reconcile.duplicate_detected`. Never answered.
   */
  copies?: number;
}

export interface IssuedCard {
  /** The card, when the provider issues synchronously. */
  card: Card | null;
  /** The order to follow, when the provider issues asynchronously (corporate). */
  operation: Operation | null;
}

/**
 * A card a provider issued synchronously, as the Operation that issued it (what a look-up by
 * reference answers): COMPLETED, since the card exists, and named by the card's ref — such a
 * provider keeps no operation of its own (utgl, ledger).
 */
export function completedIssuance(card: Card, reference: string | null): Operation {
  return {
    provider: card.provider,
    ref: card.ref,
    kind: OperationKind.CARD_ISSUE,
    status: OperationStatus.COMPLETED,
    providerStatus: card.providerStatus,
    reference,
    amount: null,
    cardRef: card.ref,
    failureReason: null,
    createdAt: card.createdAt,
  };
}

/**
 * What a provider write receives besides its input.
 *
 * Reconciliation is uniform: after an uncertain outcome, a re-submission of the same gateway
 * key first calls `findOperation(kind, reference)`; only if the provider certainly does not
 * have the write is it sent again, with `attempt + 1`. Each provider picks the upstream key
 * its own rules require: corporate replays an order for the same key, so it always sends
 * `upstreamKey`; utgl replays a stored *result* for a key, so a resend after a look-up uses
 * `attemptKey` (new per attempt). The `reference` never changes, and providers that enforce
 * unique references (utgl, pushpull) thereby refuse a second copy of the same write.
 */
export interface WriteRequest {
  cx: CallContext;
  /** The gateway key, for audit and logs only. */
  gatewayKey: string;
  /** Upstream idempotency key derived from the gateway key alone (a UUID): stable across attempts. */
  upstreamKey: string;
  /** Upstream idempotency key derived from the gateway key and the attempt (a UUID). */
  attemptKey: string;
  /** Upstream reference derived from the gateway key ([a-z0-9_], 32 characters): stable. */
  reference: string;
  /** 0 for the first send; 1, 2… for resends after a negative look-up. */
  attempt: number;
}
