/**
 * baas's simulator: every endpoint of shared/providers/baas.md over the shared SandboxServer,
 * served over HTTPS that *requires* a client certificate signed by the program CA (a client
 * without one never completes the TLS handshake, so it never reaches HTTP), then checks
 * `X-API-Key`. Answers use the documented envelope, `{status:"success", data}` or
 * `{status:"error", message, code?, errors?}`; lists page with `page`/`limit` and answer
 * `meta:{page, limit, total}`, newest first.
 *
 * Choices where the contract is silent (see the report of the issue that added baas):
 * - Compliance: `POST /cardholders/{id}/submit` moves draft → submitted. The reviewer's steps
 *   (submitted → under_review → approved | rejected) never happen by themselves: tests and
 *   demos call `store.advanceCompliance(id, to)`, so every read is deterministic.
 * - `bank-deposit` draws on the Program's (simulated) funding account, one balance per
 *   currency (`store.setProgramFunding`); a deposit larger than it is the documented 422
 *   `insufficient_funds`. A transfer draws on the source wallet's available balance.
 * - Balances: settled credits and debits move both balances; a pending debit is a hold on
 *   `availableBalance` only; declined and reversed transactions move nothing.
 * - `400` is for bodies that are not JSON or carry a field of the wrong JSON type; `422` for
 *   field constraints (required, length, pattern, enum, range) with `errors:[{field, message}]`.
 * - Filters on list queries (`cardholderId`, `walletId`, `cardId`) narrow the list; an id
 *   nobody holds yields an empty list, while an unknown id in a path is 404.
 * - `store.ipAllowlistEmpty = true` makes every request answer the documented 403 "No
 *   authorized IPs configured" (the allowlist / FCrDNS failure).
 *
 * Handlers are synchronous: a balance check and the write it guards happen in one turn of the
 * event loop. Money is integer cents (BigInt) throughout; decimal strings only on the wire.
 */
import { randomBytes } from 'node:crypto';
import { formatCents, toCents } from '../../sandbox/money.js';
import { SandboxServer, header, type Route, type SandboxRequest, type SandboxResponse } from '../../sandbox/server.js';
import {
  DAY_MINUTES,
  FIRST_NAMES,
  LAST_NAMES,
  MERCHANTS,
  SEED_EPOCH,
  SeededRandom,
  luhnPan,
  seededTimestamp,
  shuffle,
  weighted,
  type WeightTable,
} from '../../sandbox/random.js';

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

const DEFAULT_SEED = 7;
export const BAAS_DEFAULT_LIMIT = 25;
export const BAAS_MAX_LIMIT = 100;
export const OTP_LISTENER_TTL_MS = 10 * 60_000;
export const SUPPORTED_CURRENCIES = ['USD', 'EUR'] as const;
export const IP_NOT_ALLOWED_MESSAGE = 'No authorized IPs configured';
export const INVALID_API_KEY_MESSAGE = 'Invalid API key';
export const INSUFFICIENT_FUNDS_MESSAGE = 'Insufficient funds';
/** Fields frozen once a cardholder is under review or approved (the contract's 409). */
export const LOCKED_FIELDS = ['firstName', 'lastName', 'dateOfBirth'] as const;
const LOCKING_STATUSES: ReadonlySet<BaasComplianceStatus> = new Set(['under_review', 'approved']);
/** The reviewer's moves; `submit` is the program's own (draft → submitted). */
const REVIEW_STEPS: Record<BaasComplianceStatus, readonly BaasComplianceStatus[]> = {
  draft: [],
  submitted: ['under_review'],
  under_review: ['approved', 'rejected'],
  approved: [],
  rejected: [],
};
const MASTERCARD_BIN = '535522';
const MAX_DEPOSIT_CENTS = 100_000_000n; // 1,000,000.00 per deposit
const DEFAULT_PROGRAM_FUNDING_CENTS = 100_000_000_00n; // 100,000,000.00 per currency

// ---------------------------------------------------------------------------------------
// Money: integer cents, exact.

const AMOUNT = /^\d{1,12}(\.\d{1,2})?$/;

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
  private readonly rng: SeededRandom;

  constructor(options: BaasStoreOptions = {}) {
    this.rng = new SeededRandom(options.seed ?? DEFAULT_SEED);
    this.now = options.clock ?? Date.now;
    for (const currency of SUPPORTED_CURRENCIES) this.programFunding.set(currency, DEFAULT_PROGRAM_FUNDING_CENTS);
    seed(this, this.rng);
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

// ---------------------------------------------------------------------------------------
// Seeding: 24 cardholders, 18 wallets, 36 cards and 358 transactions whatever the seed.

const repeat = <T>(value: T, times: number): T[] => Array<T>(times).fill(value);

const COMPLIANCE_DECK: BaasComplianceStatus[] = [
  ...repeat<BaasComplianceStatus>('draft', 3),
  ...repeat<BaasComplianceStatus>('submitted', 3),
  ...repeat<BaasComplianceStatus>('under_review', 3),
  ...repeat<BaasComplianceStatus>('rejected', 3),
  ...repeat<BaasComplianceStatus>('approved', 12),
];
/** Wallets per approved cardholder (12 of them): 18 wallets. */
const WALLETS_PER_APPROVED = [...repeat(1, 6), ...repeat(2, 6)];
/** Cards per wallet (18 of them): 36 cards. */
const CARDS_PER_WALLET = [...repeat(1, 4), ...repeat(2, 10), ...repeat(3, 4)];
type SeedCardState = { status: BaasCardStatus; blockReason: BaasBlockReason | null };
const CARD_STATE_DECK: SeedCardState[] = [
  ...repeat<SeedCardState>({ status: 'blocked', blockReason: 'lost' }, 3),
  ...repeat<SeedCardState>({ status: 'blocked', blockReason: 'stolen' }, 3),
  ...repeat<SeedCardState>({ status: 'blocked', blockReason: 'fraud' }, 3),
  ...repeat<SeedCardState>({ status: 'frozen', blockReason: null }, 4),
  ...repeat<SeedCardState>({ status: 'expired', blockReason: null }, 3),
  ...repeat<SeedCardState>({ status: 'active', blockReason: null }, 20),
];
const TRANSACTIONS_PER_CARD = 9;
const SEEDED_TRANSFERS = 8;

/** Days ago a cardholder in each state was created: drafts are recent, approved ones old. */
const CREATED_DAYS_AGO: Record<BaasComplianceStatus, [number, number]> = {
  draft: [1, 20],
  submitted: [3, 30],
  under_review: [5, 45],
  rejected: [30, 180],
  approved: [200, 700],
};

const CITIES: ReadonlyArray<{ city: string; postalCode: string; country: string }> = [
  { city: 'New York', postalCode: '10001', country: 'US' },
  { city: 'Chicago', postalCode: '60601', country: 'US' },
  { city: 'Berlin', postalCode: '10115', country: 'DE' },
  { city: 'Paris', postalCode: '75002', country: 'FR' },
  { city: 'Amsterdam', postalCode: '1012 AB', country: 'NL' },
  { city: 'Dublin', postalCode: 'D02 X285', country: 'IE' },
];
const STREETS = ['Main Street', 'Park Avenue', 'Mill Lane', 'Harbour Road', 'Station Square', 'Church Street'];

function minutesAgo(rng: SeededRandom, fromDays: number, toDays: number): number {
  return rng.int(fromDays * DAY_MINUTES, toDays * DAY_MINUTES);
}

function seed(store: BaasStore, rng: SeededRandom): void {
  const cardholders = seedCardholders(store, rng);
  const wallets = seedWallets(store, rng, cardholders.filter((c) => c.complianceStatus === 'approved'));
  const cards = seedCards(store, rng, wallets);
  seedCardTransactions(store, rng, cards);
  seedTransfers(store, rng, wallets);
}

function seedCardholders(store: BaasStore, rng: SeededRandom): Array<BaasCardholder & { ageMinutes: number }> {
  const used = new Set<string>();
  return shuffle(rng, COMPLIANCE_DECK).map((complianceStatus) => {
    let first: string;
    let last: string;
    do {
      first = rng.pick(FIRST_NAMES);
      last = rng.pick(LAST_NAMES);
    } while (used.has(`${first} ${last}`));
    used.add(`${first} ${last}`);
    const [from, to] = CREATED_DAYS_AGO[complianceStatus];
    const ageMinutes = minutesAgo(rng, from, to);
    const place = rng.pick(CITIES);
    const birthYear = rng.int(1955, 2004);
    const cardholder: BaasCardholder = {
      id: store.newId(),
      firstName: first,
      lastName: last,
      email: `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '') + '@example.com',
      phone: `+1555${rng.digits(7)}`,
      dateOfBirth: `${birthYear}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`,
      address: {
        line1: `${rng.int(1, 240)} ${rng.pick(STREETS)}`,
        city: place.city,
        postalCode: place.postalCode,
        country: place.country,
      },
      complianceStatus,
      createdAt: seededTimestamp(ageMinutes),
    };
    store.addCardholder(cardholder);
    return { ...cardholder, ageMinutes };
  });
}

interface SeededWallet {
  record: BaasWalletRecord;
  ageMinutes: number;
}

function seedWallets(store: BaasStore, rng: SeededRandom, approved: Array<BaasCardholder & { ageMinutes: number }>): SeededWallet[] {
  const counts = shuffle(rng, WALLETS_PER_APPROVED);
  const wallets: SeededWallet[] = [];
  approved.forEach((cardholder, i) => {
    const primary = rng.next() < 0.7 ? 'USD' : 'EUR';
    for (let n = 0; n < counts[i]!; n += 1) {
      const ageMinutes = cardholder.ageMinutes - rng.int(DAY_MINUTES, 5 * DAY_MINUTES);
      const record: BaasWalletRecord = {
        id: store.newId(),
        cardholderId: cardholder.id,
        currency: n === 0 ? primary : primary === 'USD' ? 'EUR' : 'USD',
        createdAt: seededTimestamp(ageMinutes),
      };
      store.addWallet(record);
      // The opening deposit (8,000–15,000) covers everything the seed later spends from it.
      store.post({
        id: store.newId(),
        cardId: null,
        walletId: record.id,
        kind: 'deposit',
        amount: formatCents(BigInt(rng.int(8_000, 15_000)) * 100n),
        currency: record.currency,
        status: 'settled',
        reference: `DEP-${rng.hex(10).toUpperCase()}`,
        merchantName: null,
        createdAt: seededTimestamp(ageMinutes - 60),
      });
      wallets.push({ record, ageMinutes });
    }
  });
  return wallets;
}

interface SeededCard {
  card: BaasCard;
  ageMinutes: number;
  /** Minutes ago the card stopped being usable (expiry), or 0. */
  endMinutes: number;
}

function seedCards(store: BaasStore, rng: SeededRandom, wallets: SeededWallet[]): SeededCard[] {
  const counts = shuffle(rng, CARDS_PER_WALLET);
  const states = shuffle(rng, CARD_STATE_DECK);
  const cards: SeededCard[] = [];
  wallets.forEach((wallet, i) => {
    for (let n = 0; n < counts[i]!; n += 1) {
      const state = states[cards.length]!;
      const ageMinutes = wallet.ageMinutes - rng.int(60, 10 * DAY_MINUTES);
      // An expired card expired 30–170 days ago (always after it was issued); others expire
      // one to four years after the seed epoch.
      const endMinutes = state.status === 'expired' ? minutesAgo(rng, 30, 170) : 0;
      const expiry = new Date(SEED_EPOCH - endMinutes * 60_000);
      const pan = luhnPan(rng, MASTERCARD_BIN);
      const card: BaasCard = {
        id: store.newId(),
        cardholderId: wallet.record.cardholderId,
        walletId: wallet.record.id,
        type: rng.next() < 0.6 ? 'virtual' : 'physical',
        brand: 'MASTERCARD',
        last4: pan.slice(-4),
        expiryMonth: state.status === 'expired' ? expiry.getUTCMonth() + 1 : rng.int(1, 12),
        expiryYear: state.status === 'expired' ? expiry.getUTCFullYear() : expiry.getUTCFullYear() + rng.int(1, 4),
        status: state.status,
        blockReason: state.blockReason,
        createdAt: seededTimestamp(ageMinutes),
      };
      store.addCard(card, { pan, cvv: rng.digits(3) });
      cards.push({ card, ageMinutes, endMinutes });
    }
  });
  return cards;
}

const CARD_KINDS: WeightTable<BaasTransactionKind> = [['purchase', 65], ['refund', 10], ['fee', 10], ['deposit', 15]];
const PURCHASE_STATUSES: WeightTable<BaasTransactionStatus> = [['settled', 70], ['pending', 12], ['declined', 12], ['reversed', 6]];
const REFUND_STATUSES: WeightTable<BaasTransactionStatus> = [['settled', 80], ['pending', 20]];

function seedCardTransactions(store: BaasStore, rng: SeededRandom, cards: SeededCard[]): void {
  for (const { card, ageMinutes, endMinutes } of cards) {
    const currency = store.wallets.get(card.walletId)!.currency;
    for (let n = 0; n < TRANSACTIONS_PER_CARD; n += 1) {
      const kind = weighted(rng, CARD_KINDS);
      const status = kind === 'purchase' ? weighted(rng, PURCHASE_STATUSES) : kind === 'refund' ? weighted(rng, REFUND_STATUSES) : 'settled';
      const cents =
        kind === 'fee' ? BigInt(rng.int(50, 500)) : kind === 'deposit' ? BigInt(rng.int(50, 500)) * 100n : BigInt(rng.int(100, 20_000));
      const merchant = kind === 'purchase' || kind === 'refund' ? rng.pick(MERCHANTS).name : null;
      const prefix = kind === 'deposit' ? 'DEP' : kind === 'fee' ? 'FEE' : 'AUTH';
      store.post({
        id: store.newId(),
        cardId: card.id,
        walletId: card.walletId,
        kind,
        amount: formatCents(cents),
        currency,
        status,
        reference: `${prefix}-${rng.hex(10).toUpperCase()}`,
        merchantName: merchant,
        createdAt: seededTimestamp(rng.int(endMinutes + 1, ageMinutes - 1)),
      });
    }
  }
}

/** Transfers between two different cardholders' wallets of one currency. */
function seedTransfers(store: BaasStore, rng: SeededRandom, wallets: SeededWallet[]): void {
  // Bounded: the deck always holds eligible pairs, but a seed must never hang start-up.
  for (let made = 0, tries = 0; made < SEEDED_TRANSFERS && tries < 10_000; tries += 1) {
    const from = rng.pick(wallets);
    const to = rng.pick(wallets);
    if (from.record.cardholderId === to.record.cardholderId || from.record.currency !== to.record.currency) continue;
    const cents = BigInt(rng.int(10, 500)) * 100n;
    if (store.availableCents(from.record.id) < cents) continue;
    made += 1;
    const at = seededTimestamp(rng.int(60, Math.min(from.ageMinutes, to.ageMinutes) - 120));
    const amount = formatCents(cents);
    const reference = `TRF-${rng.hex(10).toUpperCase()}`;
    const transfer: BaasTransfer = {
      id: store.newId(),
      fromWalletId: from.record.id,
      toWalletId: to.record.id,
      amount,
      currency: from.record.currency,
      reference,
      status: 'settled',
      createdAt: at,
    };
    store.transfers.set(transfer.id, transfer);
    postTransfer(store, transfer);
  }
}

function postTransfer(store: BaasStore, transfer: BaasTransfer): void {
  const leg = (walletId: string, kind: BaasTransactionKind): BaasTransaction => ({
    id: store.newId(),
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
  store.post(leg(transfer.fromWalletId, 'transfer_out'));
  store.post(leg(transfer.toWalletId, 'transfer_in'));
}

// ---------------------------------------------------------------------------------------
// Errors: thrown anywhere in a handler, sent as the documented error envelope.

export interface FieldError {
  field: string;
  message: string;
}

class BaasHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
  }

  toResponse(): SandboxResponse {
    return { status: this.status, body: errorBody(this.message, this.code, this.errors) };
  }
}

function errorBody(message: string, code?: string, errors?: FieldError[]): Record<string, unknown> {
  const body: Record<string, unknown> = { status: 'error', message };
  if (code) body.code = code;
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

const notFound = (what: string): BaasHttpError => new BaasHttpError(404, `${what} not found`);
const malformed = (message: string): BaasHttpError => new BaasHttpError(400, message);
const conflict = (message: string): BaasHttpError => new BaasHttpError(409, message);
const insufficientFunds = (): BaasHttpError => new BaasHttpError(422, INSUFFICIENT_FUNDS_MESSAGE, 'insufficient_funds');
const invalidField = (field: string, message: string): BaasHttpError =>
  new BaasHttpError(422, 'Validation failed', 'validation_error', [{ field, message }]);

function ok(data: unknown): SandboxResponse {
  // A copy: later writes to the store must not change an answer already built.
  return { status: 200, body: { status: 'success', data: structuredClone(data) } };
}

// ---------------------------------------------------------------------------------------
// Request bodies: 400 for JSON and type problems, 422 for field constraints (all reported).

type Json = Record<string, unknown>;

function readBody(req: SandboxRequest, optional = false): Json {
  if (req.body.length === 0) {
    if (optional) return {};
    throw malformed('Request body is required');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw malformed('Malformed JSON body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed('Request body must be a JSON object');
  return parsed as Json;
}

interface StringRule {
  required?: boolean;
  maxLength?: number;
  pattern?: RegExp;
  patternMessage?: string;
  oneOf?: readonly string[];
}

/** Collects 422 field errors; wrong JSON types are 400 at once (the doc's "wrong field types"). */
class Validator {
  readonly errors: FieldError[] = [];

  constructor(private readonly body: Json, private readonly prefix = '') {}

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  string(field: string, rule: StringRule = {}): string | undefined {
    const name = this.prefix + field;
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (rule.required) this.fail(name, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') throw malformed(`Field '${name}' must be a string`);
    const trimmed = value.trim();
    if (trimmed === '') {
      if (rule.required) this.fail(name, 'is required');
      return undefined;
    }
    if (rule.maxLength !== undefined && trimmed.length > rule.maxLength) {
      return this.fail(name, `must be at most ${rule.maxLength} characters`);
    }
    if (rule.oneOf && !rule.oneOf.includes(trimmed)) return this.fail(name, `must be one of ${rule.oneOf.join(', ')}`);
    if (rule.pattern && !rule.pattern.test(trimmed)) return this.fail(name, rule.patternMessage ?? 'has an invalid format');
    return trimmed;
  }

  object(field: string, required: boolean): Json | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (required) this.fail(this.prefix + field, 'is required');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) throw malformed(`Field '${this.prefix + field}' must be an object`);
    return value as Json;
  }

  /** A positive amount with at most two decimals, as a decimal string. */
  amount(field: string): bigint | undefined {
    const value = this.string(field, { required: true, pattern: AMOUNT, patternMessage: 'must be a decimal string with at most 2 decimal places' });
    if (value === undefined) return undefined;
    const cents = toCents(value);
    if (cents <= 0n) return this.fail(field, 'must be greater than 0');
    return cents;
  }

  fail(field: string, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }

  /** Throws the 422 when anything failed. */
  done(): void {
    if (this.errors.length > 0) throw new BaasHttpError(422, 'Validation failed', 'validation_error', this.errors);
  }
}

const NAME = { maxLength: 50 };
const EMAIL = { maxLength: 254, pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, patternMessage: 'must be a valid email address' };
const PHONE = { pattern: /^\+[1-9]\d{6,14}$/, patternMessage: 'must be in E.164 format, e.g. +15551234567' };
const DATE = { pattern: /^\d{4}-\d{2}-\d{2}$/, patternMessage: 'must be a date in YYYY-MM-DD format' };
const REFERENCE = { required: true, maxLength: 64, pattern: /^[A-Za-z0-9._:-]+$/, patternMessage: 'may only contain letters, digits and . _ : -' };
const CURRENCY = { required: true, pattern: /^[A-Z]{3}$/, patternMessage: 'must be an ISO 4217 code such as USD' };
const NOTE = { maxLength: 255 };

function checkBirthDate(v: Validator, value: string | undefined, now: number): void {
  if (value === undefined) return;
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    v.fail('dateOfBirth', 'must be a real calendar date');
    return;
  }
  const eighteen = new Date(ms);
  eighteen.setUTCFullYear(eighteen.getUTCFullYear() + 18);
  if (eighteen.getTime() > now) v.fail('dateOfBirth', 'the cardholder must be at least 18 years old');
}

function readAddress(v: Validator, required: boolean, current?: BaasAddress): BaasAddress | undefined {
  const raw = v.object('address', required);
  if (!raw) return undefined;
  const a = new Validator(raw, 'address.');
  // A PATCH may send part of the address: the rest is kept.
  const need = current === undefined;
  const address = {
    line1: a.string('line1', { required: need, maxLength: 100 }) ?? current?.line1,
    city: a.string('city', { required: need, maxLength: 50 }) ?? current?.city,
    postalCode:
      a.string('postalCode', { required: need, maxLength: 16, pattern: /^[A-Za-z0-9 -]+$/, patternMessage: 'may only contain letters, digits, spaces and -' }) ??
      current?.postalCode,
    country: a.string('country', { required: need, pattern: /^[A-Z]{2}$/, patternMessage: 'must be an ISO 3166-1 alpha-2 code such as US' }) ?? current?.country,
  };
  v.errors.push(...a.errors);
  return a.errors.length === 0 ? (address as BaasAddress) : undefined;
}

// ---------------------------------------------------------------------------------------
// Lists: newest first (createdAt, then id), `page` 1-based, `limit` ≤ 100 (default 25).

interface PageQuery {
  page: number;
  limit: number;
}

function readPage(query: URLSearchParams): PageQuery {
  const v = new Validator({});
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = query.get(name);
    if (raw === null || raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      v.fail(name, max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  };
  const page = int('page', 1, 1, Number.MAX_SAFE_INTEGER);
  const limit = int('limit', BAAS_DEFAULT_LIMIT, 1, BAAS_MAX_LIMIT);
  v.done();
  return { page, limit };
}

function newestFirst(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number {
  if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt ? -1 : 1;
  return a.id === b.id ? 0 : a.id > b.id ? -1 : 1;
}

function listAnswer<T extends { createdAt: string; id: string }>(items: Iterable<T>, query: URLSearchParams): SandboxResponse {
  const { page, limit } = readPage(query);
  const ordered = [...items].sort(newestFirst);
  const start = (page - 1) * limit;
  return {
    status: 200,
    body: { status: 'success', data: structuredClone(ordered.slice(start, start + limit)), meta: { page, limit, total: ordered.length } },
  };
}

function queryFilter(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === '' ? undefined : value;
}

// ---------------------------------------------------------------------------------------
// Routes.

type Handler = (req: SandboxRequest) => SandboxResponse;

function guarded(handler: Handler): Handler {
  return (req) => {
    try {
      return handler(req);
    } catch (err) {
      if (err instanceof BaasHttpError) return err.toResponse();
      throw err;
    }
  };
}

function cardholderRoutes(store: BaasStore): Route[] {
  const find = (id: string): BaasCardholder => store.cardholders.get(id) ?? throwIt(notFound('Cardholder'));
  return [
    {
      method: 'POST',
      pattern: '/cardholders',
      handler: (req) => {
        const v = new Validator(readBody(req));
        const firstName = v.string('firstName', { required: true, ...NAME });
        const lastName = v.string('lastName', { required: true, ...NAME });
        const email = v.string('email', { required: true, ...EMAIL });
        const phone = v.string('phone', { required: true, ...PHONE });
        const dateOfBirth = v.string('dateOfBirth', { required: true, ...DATE });
        checkBirthDate(v, dateOfBirth, store.now());
        const address = readAddress(v, true);
        v.done();
        const cardholder: BaasCardholder = {
          id: store.newId(),
          firstName: firstName!,
          lastName: lastName!,
          email: email!,
          phone: phone!,
          dateOfBirth: dateOfBirth!,
          address: address!,
          complianceStatus: 'draft',
          createdAt: store.nowIso(),
        };
        store.addCardholder(cardholder);
        return ok(cardholder);
      },
    },
    {
      method: 'GET',
      pattern: '/cardholders',
      handler: (req) => {
        const status = queryFilter(req.query, 'complianceStatus');
        if (status !== undefined && !(COMPLIANCE_STATUSES as readonly string[]).includes(status)) {
          throw invalidField('complianceStatus', `must be one of ${COMPLIANCE_STATUSES.join(', ')}`);
        }
        const items = [...store.cardholders.values()].filter((c) => status === undefined || c.complianceStatus === status);
        return listAnswer(items, req.query);
      },
    },
    { method: 'GET', pattern: '/cardholders/:cardholderId', handler: (req) => ok(find(req.params.cardholderId!)) },
    {
      method: 'PATCH',
      pattern: '/cardholders/:cardholderId',
      handler: (req) => {
        const body = readBody(req);
        const cardholder = find(req.params.cardholderId!);
        const v = new Validator(body);
        const editable = new Set(['firstName', 'lastName', 'email', 'phone', 'dateOfBirth', 'address']);
        for (const key of Object.keys(body)) if (!editable.has(key)) v.fail(key, 'is not a field that can be changed');
        const changes: Partial<BaasCardholder> = {};
        const set = <K extends keyof BaasCardholder>(key: K, value: BaasCardholder[K] | undefined) => {
          if (value !== undefined) changes[key] = value;
        };
        set('firstName', v.string('firstName', NAME));
        set('lastName', v.string('lastName', NAME));
        set('email', v.string('email', EMAIL));
        set('phone', v.string('phone', PHONE));
        const dateOfBirth = v.string('dateOfBirth', DATE);
        checkBirthDate(v, dateOfBirth, store.now());
        set('dateOfBirth', dateOfBirth);
        set('address', readAddress(v, false, cardholder.address));
        v.done();
        if (LOCKING_STATUSES.has(cardholder.complianceStatus)) {
          const locked = LOCKED_FIELDS.filter((f) => changes[f] !== undefined && changes[f] !== cardholder[f]);
          if (locked.length > 0) {
            throw conflict(
              `Cannot change ${locked.join(', ')}: firstName, lastName and dateOfBirth are locked while the cardholder's complianceStatus is ${cardholder.complianceStatus}`,
            );
          }
        }
        Object.assign(cardholder, changes);
        return ok(cardholder);
      },
    },
    {
      method: 'POST',
      pattern: '/cardholders/:cardholderId/submit',
      handler: (req) => {
        const cardholder = find(req.params.cardholderId!);
        if (cardholder.complianceStatus !== 'draft') {
          throw conflict(`Only a draft cardholder can be submitted; this one's complianceStatus is ${cardholder.complianceStatus}`);
        }
        cardholder.complianceStatus = 'submitted';
        return ok(cardholder);
      },
    },
  ];
}

function walletRoutes(store: BaasStore): Route[] {
  const find = (id: string): BaasWallet => store.wallet(id) ?? throwIt(notFound('Wallet'));
  return [
    {
      method: 'POST',
      pattern: '/wallets',
      handler: (req) => {
        const v = new Validator(readBody(req));
        const cardholderId = v.string('cardholderId', { required: true });
        const currency = v.string('currency', CURRENCY);
        if (currency !== undefined && !(SUPPORTED_CURRENCIES as readonly string[]).includes(currency)) {
          v.fail('currency', `must be one of ${SUPPORTED_CURRENCIES.join(', ')}`);
        }
        v.done();
        if (!store.cardholders.has(cardholderId!)) throw notFound('Cardholder');
        const record: BaasWalletRecord = { id: store.newId(), cardholderId: cardholderId!, currency: currency!, createdAt: store.nowIso() };
        store.addWallet(record);
        return ok(store.wallet(record.id));
      },
    },
    {
      method: 'POST',
      pattern: '/wallets/transfer',
      handler: (req) => {
        const v = new Validator(readBody(req));
        const fromWalletId = v.string('fromWalletId', { required: true });
        const toWalletId = v.string('toWalletId', { required: true });
        const cents = v.amount('amount');
        const currency = v.string('currency', CURRENCY);
        const reference = v.string('reference', REFERENCE);
        if (fromWalletId !== undefined && fromWalletId === toWalletId) v.fail('toWalletId', 'must differ from fromWalletId');
        v.done();
        const from = find(fromWalletId!);
        const to = find(toWalletId!);
        if (from.currency !== currency) throw invalidField('currency', `must be the source wallet's currency (${from.currency})`);
        if (to.currency !== currency) throw invalidField('currency', `must be the destination wallet's currency (${to.currency})`);
        if (store.availableCents(from.id) < cents!) throw insufficientFunds();
        const transfer: BaasTransfer = {
          id: store.newId(),
          fromWalletId: from.id,
          toWalletId: to.id,
          amount: formatCents(cents!),
          currency: currency!,
          reference: reference!,
          status: 'settled',
          createdAt: store.nowIso(),
        };
        store.transfers.set(transfer.id, transfer);
        postTransfer(store, transfer);
        return ok(transfer);
      },
    },
    {
      method: 'GET',
      pattern: '/wallets',
      handler: (req) => {
        const cardholderId = queryFilter(req.query, 'cardholderId');
        const ids = [...store.wallets.values()].filter((w) => cardholderId === undefined || w.cardholderId === cardholderId);
        return listAnswer(ids.map((w) => store.wallet(w.id)!), req.query);
      },
    },
    { method: 'GET', pattern: '/wallets/:walletId', handler: (req) => ok(find(req.params.walletId!)) },
    {
      method: 'POST',
      pattern: '/wallets/:walletId/bank-deposit',
      handler: (req) => {
        const body = readBody(req);
        const wallet = find(req.params.walletId!);
        return ok(deposit(store, body, wallet, null));
      },
    },
  ];
}

/** A bank deposit into a wallet (or, through a card, into the card's wallet). */
function deposit(store: BaasStore, body: Json, wallet: BaasWallet, cardId: string | null): BaasTransaction {
  const v = new Validator(body);
  const cents = v.amount('amount');
  const currency = v.string('currency', CURRENCY);
  const reference = v.string('reference', REFERENCE);
  if (cents !== undefined && cents > MAX_DEPOSIT_CENTS) v.fail('amount', `must be at most ${formatCents(MAX_DEPOSIT_CENTS)}`);
  if (currency !== undefined && currency !== wallet.currency) v.fail('currency', `must be the wallet's currency (${wallet.currency})`);
  v.done();
  if (!store.drawProgramFunding(currency!, cents!)) throw insufficientFunds();
  return store.post({
    id: store.newId(),
    cardId,
    walletId: wallet.id,
    kind: 'deposit',
    amount: formatCents(cents!),
    currency: currency!,
    status: 'settled',
    reference: reference!,
    merchantName: null,
    createdAt: store.nowIso(),
  });
}

function cardRoutes(store: BaasStore): Route[] {
  const find = (id: string): BaasCard => store.cards.get(id) ?? throwIt(notFound('Card'));
  const optionalReason = (req: SandboxRequest) => {
    const v = new Validator(readBody(req, true));
    v.string('reason', NOTE);
    v.done();
  };
  return [
    {
      method: 'POST',
      pattern: '/cards',
      handler: (req) => {
        const v = new Validator(readBody(req));
        const cardholderId = v.string('cardholderId', { required: true });
        const walletId = v.string('walletId', { required: true });
        const type = v.string('type', { required: true, oneOf: ['virtual', 'physical'] });
        v.done();
        const cardholder = store.cardholders.get(cardholderId!) ?? throwIt(notFound('Cardholder'));
        const wallet = store.wallets.get(walletId!) ?? throwIt(notFound('Wallet'));
        if (wallet.cardholderId !== cardholder.id) throw invalidField('walletId', 'must be a wallet of the cardholder');
        if (cardholder.complianceStatus !== 'approved') {
          throw new BaasHttpError(
            403,
            `Compliance restriction: cards can only be issued to approved cardholders (complianceStatus is ${cardholder.complianceStatus})`,
          );
        }
        return ok(store.issueCard(cardholder.id, wallet.id, type as BaasCardType));
      },
    },
    {
      method: 'GET',
      pattern: '/cards',
      handler: (req) => {
        const cardholderId = queryFilter(req.query, 'cardholderId');
        const walletId = queryFilter(req.query, 'walletId');
        const items = [...store.cards.values()].filter(
          (c) => (cardholderId === undefined || c.cardholderId === cardholderId) && (walletId === undefined || c.walletId === walletId),
        );
        return listAnswer(items, req.query);
      },
    },
    // Before `/cards/:cardId`, which would otherwise take "transactions" for an id.
    { method: 'GET', pattern: '/cards/transactions', handler: (req) => listTransactions(store, req.query) },
    { method: 'GET', pattern: '/cards/:cardId', handler: (req) => ok(find(req.params.cardId!)) },
    {
      method: 'POST',
      pattern: '/cards/:cardId/freeze',
      handler: (req) => {
        optionalReason(req);
        const card = find(req.params.cardId!);
        // Freezing a frozen card is a harmless repeat.
        if (card.status !== 'active' && card.status !== 'frozen') throw conflict(`A ${describeCard(card)} card cannot be frozen`);
        card.status = 'frozen';
        return ok(card);
      },
    },
    {
      method: 'POST',
      pattern: '/cards/:cardId/unfreeze',
      handler: (req) => {
        optionalReason(req);
        const card = find(req.params.cardId!);
        if (card.status !== 'active' && card.status !== 'frozen') throw conflict(`A ${describeCard(card)} card cannot be unfrozen`);
        card.status = 'active';
        return ok(card);
      },
    },
    {
      method: 'POST',
      pattern: '/cards/:cardId/block',
      handler: (req) => {
        const v = new Validator(readBody(req));
        const reason = v.string('reason', { required: true, oneOf: ['lost', 'stolen', 'fraud'] });
        v.string('note', NOTE);
        v.done();
        const card = find(req.params.cardId!);
        // Blocking is terminal: a blocked card stays blocked with its first reason.
        if (card.status !== 'active' && card.status !== 'frozen') throw conflict(`A ${describeCard(card)} card cannot be blocked`);
        card.status = 'blocked';
        card.blockReason = reason as BaasBlockReason;
        return ok(card);
      },
    },
    {
      method: 'GET',
      pattern: '/cards/:cardId/secure-details',
      handler: (req) => {
        const card = find(req.params.cardId!);
        const secrets = store.secretsOf(card.id)!;
        return ok({ pan: secrets.pan, cvv: secrets.cvv, expiryMonth: card.expiryMonth, expiryYear: card.expiryYear });
      },
    },
    {
      method: 'POST',
      pattern: '/cards/:cardId/bank-deposit',
      handler: (req) => {
        const body = readBody(req);
        const card = find(req.params.cardId!);
        if (card.status === 'blocked' || card.status === 'expired') throw conflict(`A ${describeCard(card)} card cannot receive deposits`);
        return ok(deposit(store, body, store.wallet(card.walletId)!, card.id));
      },
    },
    {
      method: 'POST',
      pattern: '/cards/:cardId/otp-listeners',
      handler: (req) => {
        const card = find(req.params.cardId!);
        const listener = store.openOtpListener(card.id);
        return ok({ token: listener.token, expiresAt: new Date(listener.expiresAt).toISOString() });
      },
    },
  ];
}

function describeCard(card: BaasCard): string {
  return card.status === 'blocked' ? `blocked (${card.blockReason})` : card.status;
}

function listTransactions(store: BaasStore, query: URLSearchParams): SandboxResponse {
  const v = new Validator({});
  const bound = (name: string): string | undefined => {
    const raw = queryFilter(query, name);
    if (raw === undefined) return undefined;
    const ms = Date.parse(raw);
    if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms)) return v.fail(name, 'must be an ISO 8601 date or date-time');
    return new Date(ms).toISOString();
  };
  const from = bound('from');
  const to = bound('to');
  v.done();
  const cardId = queryFilter(query, 'cardId');
  const walletId = queryFilter(query, 'walletId');
  const reference = queryFilter(query, 'reference');
  const items = [...store.transactions.values()].filter(
    (t) =>
      (cardId === undefined || t.cardId === cardId) &&
      (walletId === undefined || t.walletId === walletId) &&
      (reference === undefined || t.reference === reference) &&
      (from === undefined || t.createdAt >= from) &&
      (to === undefined || t.createdAt <= to),
  );
  return listAnswer(items, query);
}

function otpRoutes(store: BaasStore): Route[] {
  const find = (token: string): BaasOtpListener => store.liveOtpListener(token) ?? throwIt(notFound('OTP listener (expired or unknown token)'));
  return [
    {
      method: 'GET',
      pattern: '/otp/:token',
      handler: (req) => {
        const listener = find(req.params.token!);
        return ok({ otp: listener.otp, receivedAt: listener.receivedAt });
      },
    },
    {
      method: 'DELETE',
      pattern: '/otp/:token',
      handler: (req) => {
        store.otpListeners.delete(find(req.params.token!).token);
        return ok(null);
      },
    },
  ];
}

function throwIt(error: BaasHttpError): never {
  throw error;
}

// ---------------------------------------------------------------------------------------
// Server.

export interface BaasSandboxOptions {
  /** The `X-API-Key` accepted. */
  apiKey: string;
  /** PEM: `ca` is the program CA client certificates must chain to; `cert`/`key` the server's. */
  tls: { ca: string; cert: string; key: string };
  /** Default 7. */
  seed?: number;
  baseLatencyMs?: number;
  clock?: () => number;
}

export interface BaasSandbox {
  server: SandboxServer;
  store: BaasStore;
}

export function createBaasSandbox(options: BaasSandboxOptions): BaasSandbox {
  const store = new BaasStore({ seed: options.seed, clock: options.clock });
  const routes = [...cardholderRoutes(store), ...walletRoutes(store), ...cardRoutes(store), ...otpRoutes(store)].map((r) => ({
    ...r,
    handler: guarded(r.handler as Handler),
  }));
  const server = new SandboxServer({
    name: 'baas',
    routes,
    baseLatencyMs: options.baseLatencyMs,
    // Mutual TLS: a client whose certificate does not chain to the program CA (or that has
    // none) is refused during the handshake and never reaches the routes.
    tls: {
      key: options.tls.key,
      cert: options.tls.cert,
      ca: options.tls.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    authenticate: (req) => {
      // The network checks (allowlist, FCrDNS) come before the key is looked at.
      if (store.ipAllowlistEmpty) return { status: 403, body: errorBody(IP_NOT_ALLOWED_MESSAGE) };
      if (header(req, 'x-api-key') !== options.apiKey) return { status: 401, body: errorBody(INVALID_API_KEY_MESSAGE) };
      return undefined;
    },
    notFound: (req) => ({ status: 404, body: errorBody(`No route for ${req.method} ${req.path}`) }),
  });
  return { server, store };
}
