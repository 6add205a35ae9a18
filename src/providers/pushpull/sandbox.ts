/**
 * pushpull's simulator: the contract in shared/providers/pushpull.md (and its status-code
 * page, docs/pushpull.txt) over the shared SandboxServer.
 *
 * What it enforces, in the order a request meets it:
 *   431 more than 40 header lines or 8 KiB of headers → the caller's IP (XML 403, or the
 *   configured 500, when not allowed or automatically blocked) → 406 the WAF (`<script`, NUL)
 *   → 401 the bearer token → 404 the ClientID → 415 a body that is not `application/json`
 *   → 400 a body that is not packed JSON → 423 a locked client (everything but
 *   RetrieveClient) → the route (404 unknown URL, 405 wrong method).
 * Behind the routes: 400 malformed ResourceIDs and parameters, 404/410 unknown and deleted
 * accounts, 409 reused reference ids and duplicate cards, 422 limits and disabled
 * directions, 429 polling and the 24-hour rolling limit, 421 late look-ups by reference,
 * 200/201/207 for completed, pending (batch) and unknown-outcome transactions.
 *
 * Time: the data is seeded before `SEED_EPOCH`, and the simulator's world clock starts at
 * that instant when it is created and then follows `now` (injectable). Ages ("older than
 * 24 h"), pending settlement and the daily limit are measured on that clock, so they behave
 * the same whatever the machine's date; the polling and blocking windows use `now` directly.
 *
 * Card numbers live in the store only; no answer ever carries more than the last four digits.
 * Handlers are synchronous, so a reference-id check and the write it guards happen in one
 * turn of the event loop.
 */
import {
  SandboxServer,
  header,
  type Route,
  type SandboxRequest,
  type SandboxResponse,
} from '../../sandbox/server.js';
import {
  DAY_MINUTES,
  FIRST_NAMES,
  LAST_NAMES,
  SEED_EPOCH,
  SeededRandom,
  isLuhnValid,
  luhnPan,
  seededTimestamp,
  spread,
  weighted,
  type WeightTable,
} from '../../sandbox/random.js';

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

const ACCOUNT_ID = /^acct_[0-9a-f]{16}$/;
const TRANSACTION_ID = /^txn_[0-9a-f]{16}$/;

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
  private readonly rng: SeededRandom;
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
    seedStore(this, this.rng);
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
      account_id: `acct_${this.rng.hex(16)}`,
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
    const transaction: PushpullTransaction = { transaction_id: `txn_${this.rng.hex(16)}`, ...input };
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
  return (a: Record<K, string> & { created_at: string }, b: Record<K, string> & { created_at: string }): number =>
    b.created_at.localeCompare(a.created_at) || (a[key] < b[key] ? 1 : a[key] > b[key] ? -1 : 0);
}

export function usdCents(amount: number, currency: string): number {
  const rate = USD_CENTS_PER_1000_MINOR[currency] ?? 1000;
  return Math.ceil((amount * rate) / 1000);
}

function brandOf(cardNumber: string): string {
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

// ---------------------------------------------------------------------------------------
// Seeding: 36 card accounts (4 deleted), ten transactions each, in USD/EUR/JPY/BHD, across
// push/pull and every status. The first transactions of the twelve newest accounts are less
// than a day old (look-ups by reference succeed); the rest are older (421).

const BINS = ['453275', '476173', '424631', '510510', '545454'];

/** Account index → [push, pull]: a mix of both, push-only and pull-only cards. */
function seededDirections(i: number): [boolean, boolean] {
  if (i % 6 === 1) return [true, false];
  if (i % 6 === 4) return [false, true];
  return [true, true];
}

const isSeededDeleted = (i: number) => i % 9 === 5;

const STATUS_TABLE: WeightTable<PushpullTransactionStatus> = [
  ['completed', 70],
  ['pending', 12],
  ['failed', 12],
  ['unknown', 6],
];
const CURRENCY_TABLE: WeightTable<string> = [['USD', 45], ['EUR', 25], ['JPY', 15], ['BHD', 15]];
const AMOUNT_RANGES: Record<string, readonly [number, number]> = {
  USD: [100, 250_000],
  EUR: [100, 250_000],
  JPY: [100, 300_000],
  BHD: [500, 900_000],
};

/**
 * The planted transactions of the newest account, for exact minor-unit checks:
 * JPY 1200 (exponent 0) and BHD 1250 (exponent 3, i.e. 1.250).
 */
export const PLANTED_TRANSACTIONS = [
  { type: 'push', amount: 1200, currency: 'JPY', status: 'completed' },
  { type: 'pull', amount: 1250, currency: 'BHD', status: 'completed' },
] as const;

function seedStore(store: PushpullStore, rng: SeededRandom): void {
  for (let i = 0; i < PUSHPULL_SEED_COUNTS.accounts; i += 1) {
    // Index 0 is the newest account.
    const accountMinutesAgo = (i + 2) * DAY_MINUTES + rng.int(0, 600);
    const cardNumber = luhnPan(rng, rng.pick(BINS));
    const [push, pull] = seededDirections(i);
    const account = store.addAccount(
      {
        reference_id: `acct-ref-${rng.hex(12)}`,
        card_number: cardNumber,
        exp_month: rng.int(1, 12),
        exp_year: rng.int(2027, 2031),
        holder_name: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`,
      },
      seededTimestamp(accountMinutesAgo),
      { brand: brandOf(cardNumber), issuer_country: 'US', push_enabled: push, pull_enabled: pull },
    );
    for (let j = 0; j < PUSHPULL_SEED_COUNTS.transactionsPerAccount; j += 1) {
      const recent = j === 0 && i < 12;
      const minutesAgo = recent ? rng.int(5, 20 * 60) : rng.int(DAY_MINUTES + 60, accountMinutesAgo - 1);
      const planted = i === 0 ? PLANTED_TRANSACTIONS[j] : undefined;
      const type: PushpullTransactionType = planted?.type ?? (push && pull ? (rng.next() < 0.5 ? 'push' : 'pull') : push ? 'push' : 'pull');
      const currency = planted?.currency ?? weighted(rng, CURRENCY_TABLE);
      const [min, max] = AMOUNT_RANGES[currency]!;
      let amount: number = planted?.amount ?? rng.int(min, max);
      if (amount === UNKNOWN_OUTCOME_AMOUNT) amount += 1;
      store.addTransaction({
        reference_id: `txn-ref-${rng.hex(12)}`,
        account_id: account.account_id,
        type,
        amount,
        currency,
        // The second account takes every status once first, so every status is always present.
        status: planted?.status ?? (i === 1 ? spread(rng, j, STATUS_TABLE) : weighted(rng, STATUS_TABLE)),
        created_at: seededTimestamp(minutesAgo),
      });
    }
    if (isSeededDeleted(i)) account.status = 'deleted';
  }
}

// ---------------------------------------------------------------------------------------
// HTTP

type Json = Record<string, unknown>;

export function pushpullError(status: number, ec: string, em: string, headers?: Record<string, string>): SandboxResponse {
  return { status, body: { EC: ec, EM: em }, headers };
}

function ipNotAllowed(status: number): SandboxResponse {
  return { status, headers: { 'content-type': 'application/xml' }, body: IP_NOT_ALLOWED_XML };
}

const invalidResourceId = () => pushpullError(400, 'InvalidResourceID', 'The ResourceID is invalid');
const invalidParameter = (detail: string) =>
  pushpullError(400, 'InvalidParameters', `One or more request parameters are incorrect or invalid: ${detail}`);
const accountNotFound = () => pushpullError(404, 'NotFound', 'The AccountID is not found');
const transactionNotFound = () => pushpullError(404, 'NotFound', 'The TransactionID is not found');
const gone = () => pushpullError(410, 'Gone', 'The Resource pointed to by the ResourceID has been marked for deletion');

function callerIp(req: SandboxRequest): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** The ClientID segment and what follows it, or undefined for a URL outside `/v1/clients/`. */
function clientPath(path: string): { clientId: string; rest: string } | undefined {
  const m = /^\/v1\/clients\/([^/]+)(\/.*)?$/.exec(path);
  if (!m) return undefined;
  let clientId: string;
  try {
    clientId = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  return { clientId, rest: m[2] ?? '' };
}

/** The WAF: script tags and NUL bytes, in the (decoded) URL or the body. */
function wafRejects(req: SandboxRequest): boolean {
  let url = req.rawUrl;
  try {
    url = decodeURIComponent(req.rawUrl);
  } catch {
    // An undecodable URL is inspected as sent.
  }
  const body = req.body.toString('latin1');
  const suspicious = (text: string) => /<\s*script/i.test(text) || text.includes('\u0000') || /\\u0000/i.test(text);
  return suspicious(url) || /%00/.test(req.rawUrl) || suspicious(body);
}

function headerBytes(raw: string[]): number {
  let bytes = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) bytes += Buffer.byteLength(raw[i]!) + Buffer.byteLength(raw[i + 1]!) + 4;
  return bytes;
}

function gatekeeper(store: PushpullStore): (req: SandboxRequest) => SandboxResponse | undefined {
  return (req) => {
    if (req.rawHeaders.length / 2 > PUSHPULL_RULES.maxHeaderLines || headerBytes(req.rawHeaders) > PUSHPULL_RULES.maxHeaderBytes) {
      return pushpullError(431, 'HeaderFieldsTooLarge', 'Too many HTTP Header Lines and/or HTTP Header Lines too big');
    }
    if (!store.ipAllowed) return ipNotAllowed(store.ipDeniedStatus);
    if (store.isBlocked(callerIp(req))) return ipNotAllowed(403);
    if (wafRejects(req)) return pushpullError(406, 'WAFRejected', 'Our Web Application Firewall found invalid characters in the request');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '')?.[1];
    if (bearer !== store.token) return pushpullError(401, 'Unauthorized', 'The Bearer Token is invalid or incorrect');
    const target = clientPath(req.path);
    if (!target) return pushpullError(404, 'NotFound', 'The URL is invalid');
    if (target.clientId !== store.client.client_id) return pushpullError(404, 'NotFound', 'The ClientID in the URL is invalid');
    if (req.body.length > 0) {
      const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') return pushpullError(415, 'UnsupportedMediaType', 'Content-type must be application/json');
      const text = req.body.toString('utf8');
      if (/[\r\n]/.test(text)) {
        return pushpullError(400, 'MalformedBody', 'Request Body is malformed: JSON must be packed (it contains newlines)');
      }
      try {
        JSON.parse(text);
      } catch {
        return pushpullError(400, 'MalformedBody', 'Request Body is malformed: not JSON');
      }
    }
    if (store.client.status === 'locked' && target.rest !== '') {
      return pushpullError(423, 'Locked', 'The ClientID is locked: contact support');
    }
    return undefined;
  };
}

/** The body as a JSON object (the gatekeeper already checked it parses), `{}` when empty. */
function bodyOf(req: SandboxRequest): Json | undefined {
  if (req.body.length === 0) return {};
  const parsed: unknown = JSON.parse(req.body.toString('utf8'));
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : undefined;
}

function isNonEmptyString(value: unknown, max = 64): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= max;
}

/** `offset` and `limit` of a list, or the 400 they deserve. */
function paging(req: SandboxRequest): { offset: number; limit: number } | SandboxResponse {
  const read = (name: string, fallback: number, min: number, max: number): number | undefined => {
    const text = req.query.get(name);
    if (text === null || text === '') return fallback;
    if (!/^\d+$/.test(text)) return undefined;
    const n = Number(text);
    return n >= min && n <= max ? n : undefined;
  };
  const offset = read('offset', 0, 0, Number.MAX_SAFE_INTEGER);
  if (offset === undefined) return invalidParameter('offset must be a non-negative integer');
  const limit = read('limit', PUSHPULL_RULES.defaultPageSize, 1, PUSHPULL_RULES.maxPageSize);
  if (limit === undefined) return invalidParameter(`limit must be an integer from 1 to ${PUSHPULL_RULES.maxPageSize}`);
  return { offset, limit };
}

const isResponse = (value: unknown): value is SandboxResponse =>
  typeof value === 'object' && value !== null && typeof (value as SandboxResponse).status === 'number';

function accountFor(store: PushpullStore, id: string): PushpullAccount | SandboxResponse {
  if (!ACCOUNT_ID.test(id)) return invalidResourceId();
  const account = store.accounts.get(id);
  if (!account) return accountNotFound();
  if (account.status === 'deleted') return gone();
  return account;
}

// --- client

function retrieveClient(store: PushpullStore): SandboxResponse {
  return { status: 200, body: store.clientRecord() };
}

// --- accounts

function createAccount(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const body = bodyOf(req);
  if (!body) return invalidParameter('the body must be a JSON object');
  const { reference_id, card_number, exp_month, exp_year, holder_name } = body;
  if (!isNonEmptyString(reference_id)) return invalidParameter('reference_id is required');
  if (typeof card_number !== 'string' || !/^\d{12,19}$/.test(card_number) || !isLuhnValid(card_number)) {
    return invalidParameter('card_number is invalid');
  }
  if (typeof exp_month !== 'number' || !Number.isInteger(exp_month) || exp_month < 1 || exp_month > 12) {
    return invalidParameter('exp_month must be 1–12');
  }
  if (typeof exp_year !== 'number' || !Number.isInteger(exp_year) || exp_year < 2000 || exp_year > 2099) {
    return invalidParameter('exp_year must be a four-digit year');
  }
  if (!isNonEmptyString(holder_name, 100)) return invalidParameter('holder_name is required');
  if (store.isAccountReferenceUsed(reference_id)) return pushpullError(409, 'ReferenceIDUsed', 'ReferenceID has already been used');
  if (req.query.get('RejectDuplicateCard') === 'true' && store.activeAccountWithCard(card_number)) {
    return pushpullError(409, 'DuplicateCard', 'An account with this card already exists (RejectDuplicateCard)');
  }
  const account = store.addAccount({ reference_id, card_number, exp_month, exp_year, holder_name });
  return { status: 200, body: account };
}

function retrieveAccount(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const account = accountFor(store, req.params.accountId ?? '');
  return isResponse(account) ? account : { status: 200, body: account };
}

function listAccounts(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const page = paging(req);
  if (isResponse(page)) return page;
  const all = store.listedAccounts();
  return {
    status: 200,
    body: { accounts: all.slice(page.offset, page.offset + page.limit), offset: page.offset, limit: page.limit, total: all.length },
  };
}

function deleteAccount(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const account = accountFor(store, req.params.accountId ?? '');
  if (isResponse(account)) return account;
  account.status = 'deleted';
  return { status: 200, body: account };
}

function queryCard(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const body = bodyOf(req);
  const cardNumber = body?.card_number;
  if (typeof cardNumber !== 'string' || !/^\d{12,19}$/.test(cardNumber) || !isLuhnValid(cardNumber)) {
    return invalidParameter('card_number is invalid');
  }
  return { status: 200, body: store.profileOf(cardNumber) };
}

// --- transactions

function createTransaction(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const body = bodyOf(req);
  if (!body) return invalidParameter('the body must be a JSON object');
  const { reference_id, account_id, type, amount, currency } = body;
  if (!isNonEmptyString(reference_id)) return invalidParameter('reference_id is required');
  if (typeof account_id !== 'string' || !ACCOUNT_ID.test(account_id)) return invalidResourceId();
  if (type !== 'push' && type !== 'pull') return invalidParameter('type must be push or pull');
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    return invalidParameter('amount must be a positive integer in minor units');
  }
  if (typeof currency !== 'string' || !PUSHPULL_CURRENCIES.includes(currency)) {
    return invalidParameter(`currency must be one of ${PUSHPULL_CURRENCIES.join(', ')}`);
  }
  if (store.isTransactionReferenceUsed(reference_id)) {
    return pushpullError(409, 'ReferenceIDUsed', 'ReferenceID has already been used in CreateTransaction');
  }
  const account = accountFor(store, account_id);
  if (isResponse(account)) return account;
  if (type === 'push' && !account.push_enabled) {
    return pushpullError(422, 'DestinationDisabled', 'Destination Disabled: pushing to this card is not enabled for your configuration');
  }
  if (type === 'pull' && !account.pull_enabled) {
    return pushpullError(422, 'SourceDisabled', 'Source Disabled: pulling from this card is not enabled for your configuration');
  }
  const cents = usdCents(amount, currency);
  if (cents > store.client.transaction_limit) {
    return pushpullError(422, 'TransactionLimit', 'Request exceeds your configured Transaction Limit');
  }
  if (store.dailyUsed() + cents > store.client.daily_limit) {
    return pushpullError(429, 'DailyLimit', 'Over your Daily (24-hour rolling) Limit', {
      'retry-after': String(store.secondsUntilDailyRoom(cents)),
    });
  }
  const transaction = store.createTransaction({ reference_id, account, type, amount, currency });
  const status = transaction.status === 'unknown' ? 207 : transaction.status === 'pending' ? 201 : 200;
  return { status, body: transaction };
}

function served(store: PushpullStore, transaction: PushpullTransaction): SandboxResponse {
  const wait = store.notePoll(transaction.transaction_id);
  if (wait !== undefined) {
    return pushpullError(429, 'Polling', 'Polling. Please do not poll: read a transaction at most 5 times in 10 seconds', {
      'retry-after': String(wait),
    });
  }
  return { status: 200, body: transaction };
}

function retrieveTransaction(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const id = req.params.transactionId ?? '';
  if (!TRANSACTION_ID.test(id)) return invalidResourceId();
  const transaction = store.transaction(id);
  return transaction ? served(store, transaction) : transactionNotFound();
}

function retrieveByReference(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const reference = req.query.get('reference_id');
  if (!reference) return invalidParameter('reference_id is required');
  const transaction = store.transactionByReference(reference);
  if (!transaction) return pushpullError(404, 'NotFound', 'The ReferenceID is not found');
  if (store.worldNow() - Date.parse(transaction.created_at) > PUSHPULL_RULES.referenceLookupMs) {
    return pushpullError(421, 'Misdirected', 'Too late to Retrieve by ReferenceID, use AccountID or TransactionID');
  }
  return served(store, transaction);
}

function listTransactions(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const account = accountFor(store, req.params.accountId ?? '');
  if (isResponse(account)) return account;
  const page = paging(req);
  if (isResponse(page)) return page;
  const all = store.transactionsOf(account.account_id);
  return {
    status: 200,
    body: { transactions: all.slice(page.offset, page.offset + page.limit), offset: page.offset, limit: page.limit, total: all.length },
  };
}

// --- routing

const BASE = '/v1/clients/:clientId';

/** Which answers feed the automatic IP block ("SC=404 from Retrieve Transactions", "SC=409 from creates"). */
type Watched = 'transaction-read' | 'create' | undefined;

interface RouteSpec {
  method: string;
  pattern: string;
  operation: PushpullOperation;
  watched: Watched;
  handle: (store: PushpullStore, req: SandboxRequest) => SandboxResponse;
}

const ROUTES: RouteSpec[] = [
  { method: 'GET', pattern: BASE, operation: 'RetrieveClient', watched: undefined, handle: retrieveClient },
  { method: 'POST', pattern: `${BASE}/accounts`, operation: 'CreateAccount', watched: 'create', handle: createAccount },
  { method: 'GET', pattern: `${BASE}/accounts`, operation: 'ListAccounts', watched: undefined, handle: listAccounts },
  { method: 'GET', pattern: `${BASE}/accounts/:accountId`, operation: 'RetrieveAccount', watched: undefined, handle: retrieveAccount },
  { method: 'DELETE', pattern: `${BASE}/accounts/:accountId`, operation: 'DeleteAccount', watched: undefined, handle: deleteAccount },
  { method: 'GET', pattern: `${BASE}/accounts/:accountId/transactions`, operation: 'ListTransactions', watched: undefined, handle: listTransactions },
  { method: 'POST', pattern: `${BASE}/cards/query`, operation: 'QueryCard', watched: undefined, handle: queryCard },
  { method: 'POST', pattern: `${BASE}/transactions`, operation: 'CreateTransaction', watched: 'create', handle: createTransaction },
  { method: 'GET', pattern: `${BASE}/transactions`, operation: 'RetrieveByReference', watched: 'transaction-read', handle: retrieveByReference },
  {
    method: 'GET',
    pattern: `${BASE}/transactions/:transactionId`,
    operation: 'RetrieveTransaction',
    watched: 'transaction-read',
    handle: retrieveTransaction,
  },
];

/** The route patterns as regexes, to tell a wrong method (405) from an unknown URL (404). */
const PATTERNS = ROUTES.map((r) => ({
  method: r.method,
  regex: new RegExp(`^${r.pattern.split('/').map((s) => (s.startsWith(':') ? '[^/]+' : s)).join('/')}$`),
}));

function notFoundOrWrongMethod(req: SandboxRequest): SandboxResponse {
  const allowed = PATTERNS.filter((p) => p.regex.test(req.path)).map((p) => p.method);
  if (allowed.length > 0) {
    return pushpullError(405, 'MethodNotAllowed', `HTTP Request Method ${req.method} Not Allowed for the Requested Resource`, {
      allow: [...new Set(allowed)].join(', '),
    });
  }
  return pushpullError(404, 'NotFound', 'The URL is invalid');
}

function routes(store: PushpullStore): Route[] {
  return ROUTES.map((spec) => ({
    method: spec.method,
    pattern: spec.pattern,
    handler: (req) => {
      const response = store.deniedOperations.has(spec.operation)
        ? pushpullError(403, 'Forbidden', `Permissions do not allow access to the resource (${spec.operation} Permission)`)
        : spec.handle(store, req);
      const error =
        (spec.watched === 'transaction-read' && response.status === 404) || (spec.watched === 'create' && response.status === 409);
      store.noteOutcome(callerIp(req), error);
      return response;
    },
  }));
}

export interface PushpullSandboxOptions {
  clientId: string;
  token: string;
  seed?: number;
  baseLatencyMs?: number;
  /** The clock (ms); `Date.now` by default. */
  now?: () => number;
}

export interface PushpullSandbox {
  server: SandboxServer;
  store: PushpullStore;
}

export function createPushpullSandbox(options: PushpullSandboxOptions): PushpullSandbox {
  const store = new PushpullStore({ clientId: options.clientId, token: options.token, seed: options.seed, now: options.now });
  const server = new SandboxServer({
    name: 'pushpull',
    routes: routes(store),
    baseLatencyMs: options.baseLatencyMs,
    authenticate: gatekeeper(store),
    notFound: notFoundOrWrongMethod,
  });
  return { server, store };
}
