/**
 * pushpull's simulated state: the contract's records, the rules' numbers, and the store
 * with its world clock, limits, polling and blocking windows, and the switches tests flip.
 */
import { SEED_EPOCH, SeededRandom } from '../../../sandbox/random.js';
import { newestFirstBy } from '../../../sandbox/paging.js';

// ---------------------------------------------------------------------------------------
// Records: the contract's JSON objects, exactly as sent.

export type PushpullClientStatus = 'active' | 'locked';
export type PushpullAccountStatus = 'active' | 'deleted';
export type PushpullTransactionType = 'push' | 'pull';
export type PushpullTransactionStatus = 'completed' | 'pending' | 'failed' | 'unknown';

export interface PushpullClientRecord {
  client_id: string;
  name: string;
  status: PushpullClientStatus;
  /** Per transaction, in USD cents (the simulator converts other currencies at fixed rates). */
  transaction_limit: number;
  /** Over 24 rolling hours, in USD cents. */
  daily_limit: number;
  daily_used: number;
}

export interface PushpullAccount {
  account_id: string;
  reference_id: string;
  holder_name: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  push_enabled: boolean;
  pull_enabled: boolean;
  status: PushpullAccountStatus;
  created_at: string;
}

export interface PushpullTransaction {
  transaction_id: string;
  reference_id: string;
  account_id: string;
  type: PushpullTransactionType;
  /** Integer, in the currency's minor units (USD cents, JPY yen, BHD fils). */
  amount: number;
  currency: string;
  status: PushpullTransactionStatus;
  created_at: string;
}

/** What QueryCard answers about a card number. */
export interface CardProfile {
  brand: string;
  issuer_country: string;
  push_enabled: boolean;
  pull_enabled: boolean;
}

// ---------------------------------------------------------------------------------------
// The rules' numbers.

export const PUSHPULL_SEED_COUNTS = {
  accounts: 36,
  /** Of `accounts`; deleted accounts are not listed. */
  deletedAccounts: 4,
  transactionsPerAccount: 10,
  transactions: 360,
} as const;

export const PUSHPULL_RULES = {
  defaultPageSize: 20,
  maxPageSize: 100,
  maxHeaderLines: 40,
  maxHeaderBytes: 8 * 1024,
  /** "Do not poll": more than `pollReads` reads of one transaction in `pollWindowMs` → 429. */
  pollReads: 5,
  pollWindowMs: 10_000,
  /** Automatic IP block: ≥ `blockErrors` error answers, at least `blockErrorRatio` of the calls, in `blockWindowMs`. */
  blockErrors: 20,
  blockErrorRatio: 0.5,
  blockWindowMs: 60_000,
  blockCoolDownMs: 5 * 60_000,
  /** RetrieveByReference answers 421 for references older than this. */
  referenceLookupMs: 24 * 60 * 60_000,
  /** A pending (batch) transaction completes this long after its creation. */
  pendingSettleMs: 60_000,
  dailyWindowMs: 24 * 60 * 60_000,
} as const;

/** CreateTransaction with this amount (in any currency) answers 207: the outcome is unknown. */
export const UNKNOWN_OUTCOME_AMOUNT = 207;

/** USD cents per 1,000 minor units, for the limits (fixed, deterministic rates). */
const USD_CENTS_PER_1000_MINOR: Record<string, number> = { USD: 1000, EUR: 1080, GBP: 1270, JPY: 670, BHD: 265 };
export const PUSHPULL_CURRENCIES = Object.keys(USD_CENTS_PER_1000_MINOR);

export const ACCOUNT_ID = /^acct_[0-9a-f]{16}$/;
export const TRANSACTION_ID = /^txn_[0-9a-f]{16}$/;

export const IP_NOT_ALLOWED_XML =
  '<?xml version="1.0"?><Error><Code>IPNotAllowed</Code><Message>The IP Address is not allowed</Message></Error>';

/** The operations of the contract, by their documented names. */
export type PushpullOperation =
  | 'RetrieveClient'
  | 'CreateAccount'
  | 'RetrieveAccount'
  | 'ListAccounts'
  | 'DeleteAccount'
  | 'QueryCard'
  | 'CreateTransaction'
  | 'RetrieveTransaction'
  | 'RetrieveByReference'
  | 'ListTransactions';

// ---------------------------------------------------------------------------------------
// The store: seeded data, the writes the routes perform, and the switches tests flip.

export interface PushpullStoreOptions {
  clientId: string;
  token: string;
  seed?: number;
  now?: () => number;
}

export interface NewAccountInput {
  reference_id: string;
  card_number: string;
  exp_month: number;
  exp_year: number;
  holder_name: string;
}

export class PushpullStore {
  readonly client: Omit<PushpullClientRecord, 'daily_used'>;
  readonly accounts = new Map<string, PushpullAccount>();
  readonly transactions = new Map<string, PushpullTransaction>();
  /** The bearer token the simulator accepts; change it to simulate a revoked token. */
  token: string;
  /** False: every request is answered with the XML IPNotAllowed body (status below). */
  ipAllowed = true;
  /** The status of the XML IPNotAllowed answer: 403, or "sometimes" 500. */
  ipDeniedStatus: 403 | 500 = 403;
  /** True: every CreateTransaction ends in 207 (unknown) whatever its amount. */
  forceUnknownOutcome = false;
  /** Operations the client's permissions do not allow (403, `EM` with "Permission"). */
  readonly deniedOperations = new Set<PushpullOperation>();
  readonly now: () => number;

  private readonly startedAt: number;
  /** Seeding and new ids draw from this one sequence, so every start holds the same data. */
  readonly rng: SeededRandom;
  /** Card numbers by account id: held here only. */
  private readonly cardNumbers = new Map<string, string>();
  private readonly profiles = new Map<string, CardProfile>();
  private readonly byAccount = new Map<string, string[]>();
  private readonly transactionReferences = new Map<string, string>();
  private readonly accountReferences = new Set<string>();
  /** Transactions created here that are pending: world time at which they complete. */
  private readonly settlesAt = new Map<string, number>();
  /** Created here (world ms, USD cents), for the 24-hour rolling limit. */
  private readonly volume: Array<{ at: number; cents: number; id: string }> = [];
  private readonly reads = new Map<string, number[]>();
  private readonly outcomes = new Map<string, Array<{ at: number; error: boolean }>>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(options: PushpullStoreOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.token = options.token;
    this.client = {
      client_id: options.clientId,
      name: 'Cardplane sandbox client',
      status: 'active',
      transaction_limit: 500_000,
      daily_limit: 2_000_000,
    };
    this.rng = new SeededRandom(options.seed ?? DEFAULT_SEED);
  }

  // --- clock

  /** The simulator's world time: `SEED_EPOCH` at creation, then following `now`. */
  worldNow(): number {
    return SEED_EPOCH + (this.now() - this.startedAt);
  }

  private worldIso(): string {
    return new Date(this.worldNow()).toISOString();
  }

  // --- reads

  clientRecord(): PushpullClientRecord {
    return { ...this.client, daily_used: this.dailyUsed() };
  }

  /** Accounts that are not deleted, newest first. */
  listedAccounts(): PushpullAccount[] {
    return [...this.accounts.values()].filter((a) => a.status !== 'deleted').sort(newestFirst('account_id'));
  }

  /** An account's transactions, newest first. */
  transactionsOf(accountId: string): PushpullTransaction[] {
    this.settle();
    return (this.byAccount.get(accountId) ?? []).map((id) => this.transactions.get(id)!).sort(newestFirst('transaction_id'));
  }

  transaction(id: string): PushpullTransaction | undefined {
    this.settle();
    return this.transactions.get(id);
  }

  transactionByReference(reference: string): PushpullTransaction | undefined {
    const id = this.transactionReferences.get(reference);
    return id === undefined ? undefined : this.transaction(id);
  }

  /** For tests in this process only: the simulator never sends it. */
  cardNumberOf(accountId: string): string | undefined {
    return this.cardNumbers.get(accountId);
  }

  /** What QueryCard says about a card number: the enrolled card's profile, else derived from its digits. */
  profileOf(cardNumber: string): CardProfile {
    return this.profiles.get(cardNumber) ?? deriveProfile(cardNumber);
  }

  // --- writes

  addAccount(input: NewAccountInput, createdAt = this.worldIso(), profile = this.profileOf(input.card_number)): PushpullAccount {
    const account: PushpullAccount = {
      account_id: this.rng.id('acct'),
      reference_id: input.reference_id,
      holder_name: input.holder_name,
      brand: profile.brand,
      last4: input.card_number.slice(-4),
      exp_month: input.exp_month,
      exp_year: input.exp_year,
      push_enabled: profile.push_enabled,
      pull_enabled: profile.pull_enabled,
      status: 'active',
      created_at: createdAt,
    };
    this.accounts.set(account.account_id, account);
    this.cardNumbers.set(account.account_id, input.card_number);
    this.profiles.set(input.card_number, profile);
    this.accountReferences.add(input.reference_id);
    this.byAccount.set(account.account_id, []);
    return account;
  }

  addTransaction(input: Omit<PushpullTransaction, 'transaction_id'>): PushpullTransaction {
    const transaction: PushpullTransaction = { transaction_id: this.rng.id('txn'), ...input };
    this.transactions.set(transaction.transaction_id, transaction);
    this.byAccount.get(input.account_id)?.push(transaction.transaction_id);
    this.transactionReferences.set(input.reference_id, transaction.transaction_id);
    return transaction;
  }

  isAccountReferenceUsed(reference: string): boolean {
    return this.accountReferences.has(reference);
  }

  isTransactionReferenceUsed(reference: string): boolean {
    return this.transactionReferences.has(reference);
  }

  /** An active account enrolled with this card number, if any. */
  activeAccountWithCard(cardNumber: string): PushpullAccount | undefined {
    for (const [id, number] of this.cardNumbers) {
      const account = this.accounts.get(id);
      if (number === cardNumber && account?.status === 'active') return account;
    }
    return undefined;
  }

  /** Creates a transaction through the API: pull is batched (pending), push completes at once. */
  createTransaction(input: { reference_id: string; account: PushpullAccount; type: PushpullTransactionType; amount: number; currency: string }): PushpullTransaction {
    const unknown = this.forceUnknownOutcome || input.amount === UNKNOWN_OUTCOME_AMOUNT;
    const status: PushpullTransactionStatus = unknown ? 'unknown' : input.type === 'pull' ? 'pending' : 'completed';
    const at = this.worldNow();
    const transaction = this.addTransaction({
      reference_id: input.reference_id,
      account_id: input.account.account_id,
      type: input.type,
      amount: input.amount,
      currency: input.currency,
      status,
      created_at: new Date(at).toISOString(),
    });
    if (status === 'pending') this.settlesAt.set(transaction.transaction_id, at + PUSHPULL_RULES.pendingSettleMs);
    this.volume.push({ at, cents: usdCents(input.amount, input.currency), id: transaction.transaction_id });
    return transaction;
  }

  // --- limits

  /** USD cents moved through the API over the last 24 world hours. */
  dailyUsed(): number {
    const since = this.worldNow() - PUSHPULL_RULES.dailyWindowMs;
    return this.volume.filter((v) => v.at > since).reduce((sum, v) => sum + v.cents, 0);
  }

  /** Seconds until `cents` more would fit under the daily limit. */
  secondsUntilDailyRoom(cents: number): number {
    const now = this.worldNow();
    const since = now - PUSHPULL_RULES.dailyWindowMs;
    const live = this.volume.filter((v) => v.at > since);
    let used = live.reduce((sum, v) => sum + v.cents, 0);
    for (const v of live) {
      used -= v.cents;
      if (used + cents <= this.client.daily_limit) return Math.max(1, Math.ceil((v.at + PUSHPULL_RULES.dailyWindowMs - now) / 1000));
    }
    return PUSHPULL_RULES.dailyWindowMs / 1000;
  }

  /**
   * "Do not poll": records a read of a transaction, or answers the seconds to wait when it
   * would be the sixth in ten seconds. Refused reads are not counted, so a caller that waits
   * the Retry-After is served.
   */
  notePoll(transactionId: string): number | undefined {
    const now = this.now();
    const recent = (this.reads.get(transactionId) ?? []).filter((t) => t > now - PUSHPULL_RULES.pollWindowMs);
    if (recent.length >= PUSHPULL_RULES.pollReads) {
      this.reads.set(transactionId, recent);
      return Math.max(1, Math.ceil((recent[0]! + PUSHPULL_RULES.pollWindowMs - now) / 1000));
    }
    recent.push(now);
    this.reads.set(transactionId, recent);
    return undefined;
  }

  /** Reads of a transaction counted in the current polling window. */
  pollCount(transactionId: string): number {
    const now = this.now();
    return (this.reads.get(transactionId) ?? []).filter((t) => t > now - PUSHPULL_RULES.pollWindowMs).length;
  }

  // --- the automatic IP block

  /**
   * Records one routed call of `ip` and whether it was an error of the kind the provider
   * watches (404 on transaction reads, 409 on creates). A spike of them blocks the IP.
   */
  noteOutcome(ip: string, error: boolean): void {
    const now = this.now();
    const recent = (this.outcomes.get(ip) ?? []).filter((o) => o.at > now - PUSHPULL_RULES.blockWindowMs);
    recent.push({ at: now, error });
    this.outcomes.set(ip, recent);
    const errors = recent.filter((o) => o.error).length;
    if (error && errors >= PUSHPULL_RULES.blockErrors && errors >= PUSHPULL_RULES.blockErrorRatio * recent.length) {
      this.blockedUntil.set(ip, now + PUSHPULL_RULES.blockCoolDownMs);
      this.outcomes.delete(ip);
    }
  }

  isBlocked(ip: string): boolean {
    const until = this.blockedUntil.get(ip);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.blockedUntil.delete(ip);
    return false;
  }

  /** Lifts every automatic block and forgets the error history. */
  unblockAll(): void {
    this.blockedUntil.clear();
    this.outcomes.clear();
  }

  /** Forgets the polling history (between tests). */
  resetPolling(): void {
    this.reads.clear();
  }

  /** Runs a pending transaction's batch now (tests and demos), as if its time had come. */
  settleNow(transactionId: string): PushpullTransaction | undefined {
    if (this.settlesAt.has(transactionId)) this.settlesAt.set(transactionId, this.worldNow());
    return this.transaction(transactionId);
  }

  /** Completes pending transactions whose batch has run. */
  private settle(): void {
    if (this.settlesAt.size === 0) return;
    const now = this.worldNow();
    for (const [id, at] of this.settlesAt) {
      if (at > now) continue;
      const t = this.transactions.get(id);
      if (t && t.status === 'pending') t.status = 'completed';
      this.settlesAt.delete(id);
    }
  }
}

const DEFAULT_SEED = 0x9095;

function newestFirst<K extends 'account_id' | 'transaction_id'>(key: K) {
  return newestFirstBy((item: Record<K, string> & { created_at: string }) => ({ at: item.created_at, id: item[key] }));
}

export function usdCents(amount: number, currency: string): number {
  const rate = USD_CENTS_PER_1000_MINOR[currency] ?? 1000;
  return Math.ceil((amount * rate) / 1000);
}

export function brandOf(cardNumber: string): string {
  if (cardNumber.startsWith('4')) return 'VISA';
  if (/^5[1-5]/.test(cardNumber) || /^2[2-7]/.test(cardNumber)) return 'MASTERCARD';
  return 'OTHER';
}

/** A card nobody enrolled: its directions follow from its digits (deterministic). */
function deriveProfile(cardNumber: string): CardProfile {
  const d = (fromEnd: number) => Number(cardNumber[cardNumber.length - fromEnd] ?? '0');
  return {
    brand: brandOf(cardNumber),
    issuer_country: 'US',
    push_enabled: d(2) % 4 !== 0,
    pull_enabled: d(3) % 4 !== 0,
  };
}

