/**
 * The unified model every provider maps into. These are plain data: the GraphQL layer
 * publishes them, providers produce them. Each object keeps the provider's raw status beside
 * the closed enum so a developer can see what the mapping saw.
 */
import type { Money } from './money.js';
import type { ProviderKey } from './provider-key.js';

export enum CardStatus {
  PENDING = 'PENDING',
  ACTIVE = 'ACTIVE',
  FROZEN = 'FROZEN',
  LOST = 'LOST',
  STOLEN = 'STOLEN',
  EXPIRED = 'EXPIRED',
  CLOSED = 'CLOSED',
  RESTRICTED = 'RESTRICTED',
  UNKNOWN = 'UNKNOWN',
}

export enum CardType {
  VIRTUAL = 'VIRTUAL',
  PHYSICAL = 'PHYSICAL',
  UNKNOWN = 'UNKNOWN',
}

export enum KycStatus {
  NOT_STARTED = 'NOT_STARTED',
  PENDING = 'PENDING',
  UNDER_REVIEW = 'UNDER_REVIEW',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
  UNKNOWN = 'UNKNOWN',
}

export enum TransactionStatus {
  PENDING = 'PENDING',
  SETTLED = 'SETTLED',
  DECLINED = 'DECLINED',
  REVERSED = 'REVERSED',
  FAILED = 'FAILED',
  UNKNOWN = 'UNKNOWN',
}

export enum TransactionType {
  PURCHASE = 'PURCHASE',
  REFUND = 'REFUND',
  TRANSFER = 'TRANSFER',
  DEPOSIT = 'DEPOSIT',
  TOP_UP = 'TOP_UP',
  FEE = 'FEE',
  PUSH = 'PUSH',
  PULL = 'PULL',
  UNKNOWN = 'UNKNOWN',
}

export enum TransactionDirection {
  DEBIT = 'DEBIT',
  CREDIT = 'CREDIT',
}

/** Fields every node carries. `ref` is the upstream id the provider addresses it by. */
export interface NodeBase {
  provider: ProviderKey;
  ref: string;
}

export interface Cardholder extends NodeBase {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  kycStatus: KycStatus;
  providerKycStatus: string | null;
  createdAt: Date | null;
}

export interface Card extends NodeBase {
  cardholderRef: string | null;
  walletRef: string | null;
  status: CardStatus;
  providerStatus: string;
  type: CardType;
  brand: string | null;
  last4: string | null;
  expiryMonth: number | null;
  expiryYear: number | null;
  /** The card's own balance, for providers whose cards hold money (corporate). */
  balance?: Money | null;
  createdAt: Date | null;
}

export interface Wallet extends NodeBase {
  cardholderRef: string | null;
  name: string | null;
  currency: string;
  /** Known when the list/get answer carried it; otherwise loaded on demand. */
  balance?: Money;
  createdAt: Date | null;
}

export interface Merchant {
  name: string;
  mcc: string | null;
  country: string | null;
}

export interface Transaction extends NodeBase {
  cardRef: string | null;
  walletRef: string | null;
  type: TransactionType;
  providerType: string;
  status: TransactionStatus;
  providerStatus: string;
  direction: TransactionDirection;
  amount: Money;
  merchant: Merchant | null;
  createdAt: Date | null;
}

/** Parses an upstream timestamp; a missing or invalid one is null rather than a crash. */
export function parseTimestamp(value: unknown): Date | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value);
  if (typeof value !== 'string' || value.length === 0) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * A card's secrets, read only on the explicit, authorised and audited reveal path. Never
 * logged, never part of `Card`, never cached.
 */
export interface CardSecrets {
  pan: string;
  cvv: string;
  expiryMonth: number;
  expiryYear: number;
}

/** An object that went through JSON (a stored result, a live event) with its dates back: `createdAt` is the model's only one. */
export function reviveDates<T>(stored: unknown): T {
  return JSON.parse(JSON.stringify(stored), (key, value: unknown) => (key === 'createdAt' && typeof value === 'string' ? new Date(value) : value)) as T;
}
