/**
 * baas's simulated state: the contract's records, the rules' numbers, and the store the
 * routes read and write (money in integer cents, decimal strings only on the wire).
 */
import { randomBytes } from 'node:crypto';
import { formatCents, toCents } from '../../../sandbox/money.js';
import { SeededRandom, luhnPan } from '../../../sandbox/random.js';

// ---------------------------------------------------------------------------------------
// Records: the contract's JSON objects, exactly as sent.

export type BaasComplianceStatus = 'draft' | 'submitted' | 'under_review' | 'approved' | 'rejected';
export type BaasCardStatus = 'active' | 'frozen' | 'blocked' | 'expired';
export type BaasBlockReason = 'lost' | 'stolen' | 'fraud';
export type BaasCardType = 'virtual' | 'physical';
export type BaasTransactionKind = 'purchase' | 'refund' | 'deposit' | 'transfer_in' | 'transfer_out' | 'fee';
export type BaasTransactionStatus = 'pending' | 'settled' | 'declined' | 'reversed';

export const COMPLIANCE_STATUSES: readonly BaasComplianceStatus[] = ['draft', 'submitted', 'under_review', 'approved', 'rejected'];
export const TRANSACTION_KINDS: readonly BaasTransactionKind[] = ['purchase', 'refund', 'deposit', 'transfer_in', 'transfer_out', 'fee'];
export const TRANSACTION_STATUSES: readonly BaasTransactionStatus[] = ['pending', 'settled', 'declined', 'reversed'];

export interface BaasAddress {
  line1: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface BaasCardholder {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  address: BaasAddress;
  complianceStatus: BaasComplianceStatus;
  createdAt: string;
}

/** A wallet without its balances, which the store keeps in cents and formats when sending. */
export interface BaasWalletRecord {
  id: string;
  cardholderId: string;
  currency: string;
  createdAt: string;
}

export interface BaasWallet extends BaasWalletRecord {
  availableBalance: string;
  ledgerBalance: string;
}

export interface BaasCard {
  id: string;
  cardholderId: string;
  walletId: string;
  type: BaasCardType;
  brand: 'MASTERCARD';
  last4: string;
  expiryMonth: number;
  expiryYear: number;
  status: BaasCardStatus;
  blockReason: BaasBlockReason | null;
  createdAt: string;
}

/** What `secure-details` reveals; kept apart from the card record so no list can leak it. */
export interface BaasCardSecrets {
  pan: string;
  cvv: string;
}

export interface BaasTransaction {
  id: string;
  cardId: string | null;
  walletId: string;
  kind: BaasTransactionKind;
  /** Positive decimal string; `kind` says which way the money moved. */
  amount: string;
  currency: string;
  status: BaasTransactionStatus;
  reference: string;
  merchantName: string | null;
  createdAt: string;
}

export interface BaasTransfer {
  id: string;
  fromWalletId: string;
  toWalletId: string;
  amount: string;
  currency: string;
  reference: string;
  status: 'settled';
  createdAt: string;
}

export interface BaasOtpListener {
  token: string;
  cardId: string;
  /** Epoch ms. */
  expiresAt: number;
  otp: string | null;
  receivedAt: string | null;
}

// ---------------------------------------------------------------------------------------
// Constants.

export const BAAS_DEFAULT_SEED = 7;
export const BAAS_DEFAULT_LIMIT = 25;
export const BAAS_MAX_LIMIT = 100;
export const OTP_LISTENER_TTL_MS = 10 * 60_000;
export const SUPPORTED_CURRENCIES = ['USD', 'EUR'] as const;
export const IP_NOT_ALLOWED_MESSAGE = 'No authorized IPs configured';
export const INVALID_API_KEY_MESSAGE = 'Invalid API key';
export const INSUFFICIENT_FUNDS_MESSAGE = 'Insufficient funds';
/** Fields frozen once a cardholder is under review or approved (the contract's 409). */
export const LOCKED_FIELDS = ['firstName', 'lastName', 'dateOfBirth'] as const;
export const LOCKING_STATUSES: ReadonlySet<BaasComplianceStatus> = new Set(['under_review', 'approved']);
/** The reviewer's moves; `submit` is the program's own (draft → submitted). */
const REVIEW_STEPS: Record<BaasComplianceStatus, readonly BaasComplianceStatus[]> = {
  draft: [],
  submitted: ['under_review'],
  under_review: ['approved', 'rejected'],
  approved: [],
  rejected: [],
};
export const MASTERCARD_BIN = '535522';
export const MAX_DEPOSIT_CENTS = 100_000_000n; // 1,000,000.00 per deposit
const DEFAULT_PROGRAM_FUNDING_CENTS = 100_000_000_00n; // 100,000,000.00 per currency

// ---------------------------------------------------------------------------------------
// Money: integer cents, exact.

export const AMOUNT = /^\d{1,12}(\.\d{1,2})?$/;

const CREDIT_KINDS: ReadonlySet<BaasTransactionKind> = new Set(['deposit', 'refund', 'transfer_in']);

/** What a transaction does to a wallet's two balances (see the file comment). */
function balanceEffect(t: Pick<BaasTransaction, 'kind' | 'status' | 'amount'>): { ledger: bigint; available: bigint } {
  const cents = toCents(t.amount);
  const credit = CREDIT_KINDS.has(t.kind);
  if (t.status === 'settled') return credit ? { ledger: cents, available: cents } : { ledger: -cents, available: -cents };
  if (t.status === 'pending' && !credit) return { ledger: 0n, available: -cents };
  return { ledger: 0n, available: 0n };
}

// ---------------------------------------------------------------------------------------
// Store.

export interface BaasStoreOptions {
  seed?: number;
  /** The simulator's clock (epoch ms), for OTP expiry and new objects' `createdAt`. */
  clock?: () => number;
}

export class BaasStore {
  readonly cardholders = new Map<string, BaasCardholder>();
  readonly wallets = new Map<string, BaasWalletRecord>();
  readonly cards = new Map<string, BaasCard>();
  readonly transactions = new Map<string, BaasTransaction>();
  readonly transfers = new Map<string, BaasTransfer>();
  readonly otpListeners = new Map<string, BaasOtpListener>();
  /** Every request answers 403 "No authorized IPs configured" while set. */
  ipAllowlistEmpty = false;
  readonly now: () => number;
  private readonly secrets = new Map<string, BaasCardSecrets>();
  private readonly balances = new Map<string, { ledger: bigint; available: bigint }>();
  private readonly programFunding = new Map<string, bigint>();
  /** Seeding and new ids draw from this one sequence, so every start holds the same data. */
  readonly rng: SeededRandom;

  constructor(options: BaasStoreOptions = {}) {
    this.rng = new SeededRandom(options.seed ?? BAAS_DEFAULT_SEED);
    this.now = options.clock ?? Date.now;
    for (const currency of SUPPORTED_CURRENCIES) this.programFunding.set(currency, DEFAULT_PROGRAM_FUNDING_CENTS);
  }

  // --- reads ---

  wallet(id: string): BaasWallet | undefined {
    const record = this.wallets.get(id);
    if (!record) return undefined;
    const balance = this.balances.get(id) ?? { ledger: 0n, available: 0n };
    return { ...record, availableBalance: formatCents(balance.available), ledgerBalance: formatCents(balance.ledger) };
  }

  availableCents(walletId: string): bigint {
    return this.balances.get(walletId)?.available ?? 0n;
  }

  secretsOf(cardId: string): BaasCardSecrets | undefined {
    return this.secrets.get(cardId);
  }

  programFundingOf(currency: string): string {
    return formatCents(this.programFunding.get(currency) ?? 0n);
  }

  // --- sandbox controls (not part of the provider's API) ---

  /** The reviewer's decision: submitted → under_review → approved | rejected. */
  advanceCompliance(cardholderId: string, to: BaasComplianceStatus): BaasCardholder {
    const cardholder = this.cardholders.get(cardholderId);
    if (!cardholder) throw new Error(`baas sandbox: no cardholder ${cardholderId}`);
    if (!REVIEW_STEPS[cardholder.complianceStatus].includes(to)) {
      throw new Error(`baas sandbox: a cardholder cannot go from ${cardholder.complianceStatus} to ${to}`);
    }
    cardholder.complianceStatus = to;
    return cardholder;
  }

  /** Sets the Program's funding balance bank deposits draw on, e.g. `('USD', '10.00')`. */
  setProgramFunding(currency: string, amount: string): void {
    this.programFunding.set(currency, toCents(amount));
  }

  /** A 3-D Secure passcode arriving for a card: every live listener of the card receives it. */
  deliverOtp(cardId: string, otp: string): number {
    let delivered = 0;
    for (const listener of this.otpListeners.values()) {
      if (listener.cardId !== cardId || listener.expiresAt <= this.now()) continue;
      listener.otp = otp;
      listener.receivedAt = new Date(this.now()).toISOString();
      delivered += 1;
    }
    return delivered;
  }

  // --- writes (used by seeding and by the routes) ---

  newId(): string {
    return this.rng.uuid();
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  addCardholder(cardholder: BaasCardholder): void {
    this.cardholders.set(cardholder.id, cardholder);
  }

  addWallet(wallet: BaasWalletRecord): void {
    this.wallets.set(wallet.id, wallet);
    this.balances.set(wallet.id, { ledger: 0n, available: 0n });
  }

  addCard(card: BaasCard, secrets: BaasCardSecrets): void {
    this.cards.set(card.id, card);
    this.secrets.set(card.id, secrets);
  }

  issueCard(cardholderId: string, walletId: string, type: BaasCardType): BaasCard {
    const now = new Date(this.now());
    const pan = luhnPan(this.rng, MASTERCARD_BIN);
    const card: BaasCard = {
      id: this.newId(),
      cardholderId,
      walletId,
      type,
      brand: 'MASTERCARD',
      last4: pan.slice(-4),
      expiryMonth: now.getUTCMonth() + 1,
      expiryYear: now.getUTCFullYear() + 4,
      status: 'active',
      blockReason: null,
      createdAt: now.toISOString(),
    };
    this.addCard(card, { pan, cvv: this.rng.digits(3) });
    return card;
  }

  /** Records a transaction and applies it to its wallet's balances. */
  post(transaction: BaasTransaction): BaasTransaction {
    this.transactions.set(transaction.id, transaction);
    const balance = this.balances.get(transaction.walletId);
    if (balance) {
      const effect = balanceEffect(transaction);
      balance.ledger += effect.ledger;
      balance.available += effect.available;
    }
    return transaction;
  }

  /** A settled transfer's two legs: out of the source wallet, into the destination. */
  postTransfer(transfer: BaasTransfer): void {
    const leg = (walletId: string, kind: BaasTransactionKind): BaasTransaction => ({
      id: this.newId(),
      cardId: null,
      walletId,
      kind,
      amount: transfer.amount,
      currency: transfer.currency,
      status: 'settled',
      reference: transfer.reference,
      merchantName: null,
      createdAt: transfer.createdAt,
    });
    this.post(leg(transfer.fromWalletId, 'transfer_out'));
    this.post(leg(transfer.toWalletId, 'transfer_in'));
  }

  /** Draws on the Program's funding account; false when it holds less than `cents`. */
  drawProgramFunding(currency: string, cents: bigint): boolean {
    const held = this.programFunding.get(currency) ?? 0n;
    if (held < cents) return false;
    this.programFunding.set(currency, held - cents);
    return true;
  }

  openOtpListener(cardId: string): BaasOtpListener {
    const listener: BaasOtpListener = {
      // A listener token is a bearer secret: random, never seeded.
      token: randomBytes(24).toString('base64url'),
      cardId,
      expiresAt: this.now() + OTP_LISTENER_TTL_MS,
      otp: null,
      receivedAt: null,
    };
    this.otpListeners.set(listener.token, listener);
    return listener;
  }

  /** A live listener; an expired one is forgotten on the way. */
  liveOtpListener(token: string): BaasOtpListener | undefined {
    const listener = this.otpListeners.get(token);
    if (listener && listener.expiresAt <= this.now()) {
      this.otpListeners.delete(token);
      return undefined;
    }
    return listener;
  }
}

