/**
 * utgl's simulated state: the contract's records and the store the routes read and write
 * (money in integer cents; every supported currency has two minor digits).
 */
import { formatCents, toCents } from '../../../sandbox/money.js';
import { SeededRandom, luhnPan } from '../../../sandbox/random.js';

// ---------------------------------------------------------------------------------------
// Records: the contract's JSON objects, exactly as sent.

export type UtglCardholderStatus = 'active' | 'inactive';
export type UtglKycStatus = 'pending' | 'approved' | 'rejected';
/** `expired` is never set through PATCH, but a card object may hold it. */
export type UtglCardStatus = 'active' | 'frozen' | 'lost' | 'stolen' | 'closed' | 'expired';
export type UtglCardType = 'virtual' | 'physical';
export type UtglTransferStatus = 'pending' | 'completed' | 'failed';
export type UtglTransactionType = 'purchase' | 'refund' | 'transfer' | 'fee';
export type UtglTransactionStatus = 'pending' | 'posted' | 'declined' | 'reversed';

export interface UtglCardholder {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  phone: string | null;
  reference: string;
  status: UtglCardholderStatus;
  kyc_status: UtglKycStatus;
  created_at: string;
}

export interface UtglAccount {
  id: string;
  name: string;
  currency: string;
  balance: string;
  status: 'active';
  cardholder_id: string | null;
  /** camelCase, unlike every other object: the provider's documented example is kept as is. */
  createdAt: string;
}

export interface UtglCard {
  id: string;
  account_id: string;
  cardholder_id: string;
  reference: string;
  type: UtglCardType;
  brand: 'VISA';
  last4: string;
  exp_month: number;
  exp_year: number;
  status: UtglCardStatus;
  created_at: string;
}

/** What `GET /v1/cards/{id}/sensitive` answers; kept apart from the card record. */
export interface UtglCardSensitive {
  pan: string;
  cvv: string;
  exp_month: number;
  exp_year: number;
}

export interface UtglTransfer {
  id: string;
  reference: string;
  source_account_id: string;
  destination_account_id: string | null;
  destination_card_id: string | null;
  amount: string;
  currency: string;
  status: UtglTransferStatus;
  created_at: string;
}

export interface UtglMerchant {
  name: string;
  mcc: string;
  country: string;
}

export interface UtglTransaction {
  id: string;
  account_id: string;
  card_id: string | null;
  type: UtglTransactionType;
  amount: string;
  currency: string;
  status: UtglTransactionStatus;
  merchant: UtglMerchant | null;
  created_at: string;
}

// ---------------------------------------------------------------------------------------
// Money: integer cents only (every supported currency has two minor digits).

export const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;
export const POSITIVE_AMOUNT = /^\d+(\.\d{1,2})?$/;

// ---------------------------------------------------------------------------------------
// The store: seeded data plus the writes the routes perform.

export const UTGL_SEED_COUNTS = {
  cardholders: 28,
  accounts: 16,
  cards: 40,
  transfers: 8,
  /** Besides the one `transfer` transaction each seeded transfer records. */
  transactions: 400,
} as const;

const VISA_BINS = ['453275', '476173', '424631', '414720'];
const CARD_VALIDITY_YEARS = 3;
const TERMINAL_CARD_STATUSES: ReadonlySet<UtglCardStatus> = new Set(['lost', 'stolen', 'closed', 'expired']);

export interface NewCardholder {
  first_name: string;
  last_name: string;
  email: string;
  phone: string | null;
  reference: string;
}

export interface NewAccount {
  name: string;
  currency: string;
  cardholder_id: string | null;
}

export interface NewCard {
  account_id: string;
  cardholder_id: string;
  reference: string;
  type: UtglCardType;
}

export interface NewTransfer {
  reference: string;
  source: UtglAccount;
  /** Where the money lands: the destination account, or the destination card's account. */
  credited: UtglAccount;
  destination_account_id: string | null;
  destination_card_id: string | null;
  cents: bigint;
}

/**
 * A platform failure *inside* utgl, after the Idempotency-Key was taken: the error answer is
 * stored under the key like any result, so resending the same key replays it (which is why
 * utgl.md resends after a 5xx with a new key, once a look-up found nothing). Unlike the
 * SandboxServer's injected faults, which answer before the route and store nothing.
 */
export interface UtglInternalFailure {
  method: 'POST';
  /** A route pattern (`/v1/cards`) or an exact path. */
  path: string;
  status: 500 | 502 | 503 | 504;
  /** Requests it answers; default 1. */
  times?: number;
}

export class UtglStore {
  readonly cardholders = new Map<string, UtglCardholder>();
  readonly accounts = new Map<string, UtglAccount>();
  readonly cards = new Map<string, UtglCard>();
  readonly cardSensitive = new Map<string, UtglCardSensitive>();
  readonly transfers = new Map<string, UtglTransfer>();
  readonly transactions = new Map<string, UtglTransaction>();
  /** Continues after seeding, so ids and PANs of created objects are deterministic too. */
  /** Seeding and new ids draw from this one sequence, so every start holds the same data. */
  readonly rng: SeededRandom;
  private readonly internalFailures: Array<Required<UtglInternalFailure>> = [];

  constructor(seed = 1) {
    this.rng = new SeededRandom(seed);
  }

  /** Makes the next matching POSTs fail inside utgl (see UtglInternalFailure); returns a remover. */
  failInternally(failure: UtglInternalFailure): () => void {
    const entry = { times: 1, ...failure };
    this.internalFailures.push(entry);
    return () => {
      const i = this.internalFailures.indexOf(entry);
      if (i >= 0) this.internalFailures.splice(i, 1);
    };
  }

  /** The failure this request meets, if any, counted down. */
  takeInternalFailure(method: string, pattern: string, path: string): UtglInternalFailure | undefined {
    const i = this.internalFailures.findIndex((f) => f.method === method && (f.path === pattern || f.path === path));
    if (i < 0) return undefined;
    const failure = this.internalFailures[i]!;
    failure.times -= 1;
    if (failure.times <= 0) this.internalFailures.splice(i, 1);
    return failure;
  }

  static isTerminal(status: UtglCardStatus): boolean {
    return TERMINAL_CARD_STATUSES.has(status);
  }

  id(prefix: 'ch' | 'acc' | 'card' | 'tr' | 'txn'): string {
    return this.rng.id(prefix);
  }

  cardByReference(reference: string): UtglCard | undefined {
    for (const card of this.cards.values()) if (card.reference === reference) return card;
    return undefined;
  }

  transferByReference(reference: string): UtglTransfer | undefined {
    for (const transfer of this.transfers.values()) if (transfer.reference === reference) return transfer;
    return undefined;
  }

  addCardholder(input: NewCardholder, createdAt = nowIso()): UtglCardholder {
    const cardholder: UtglCardholder = {
      id: this.id('ch'),
      ...input,
      status: 'active',
      kyc_status: 'pending',
      created_at: createdAt,
    };
    this.cardholders.set(cardholder.id, cardholder);
    return cardholder;
  }

  addAccount(input: NewAccount, createdAt = nowIso(), balance = '0.00'): UtglAccount {
    const account: UtglAccount = { id: this.id('acc'), ...input, balance, status: 'active', createdAt };
    this.accounts.set(account.id, account);
    return account;
  }

  issueCard(input: NewCard, createdAt = nowIso()): UtglCard {
    const issued = new Date(createdAt);
    return this.addCard(input, {
      status: 'active',
      createdAt,
      expMonth: issued.getUTCMonth() + 1,
      expYear: issued.getUTCFullYear() + CARD_VALIDITY_YEARS,
    });
  }

  addCard(
    input: NewCard,
    state: { status: UtglCardStatus; createdAt: string; expMonth: number; expYear: number },
  ): UtglCard {
    const pan = luhnPan(this.rng, this.rng.pick(VISA_BINS));
    const card: UtglCard = {
      id: this.id('card'),
      ...input,
      brand: 'VISA',
      last4: pan.slice(-4),
      exp_month: state.expMonth,
      exp_year: state.expYear,
      status: state.status,
      created_at: state.createdAt,
    };
    this.cards.set(card.id, card);
    const cvv = this.rng.digits(3);
    this.cardSensitive.set(card.id, { pan, cvv, exp_month: card.exp_month, exp_year: card.exp_year });
    return card;
  }

  addTransaction(input: Omit<UtglTransaction, 'id'>): UtglTransaction {
    const transaction: UtglTransaction = { id: this.id('txn'), ...input };
    this.transactions.set(transaction.id, transaction);
    return transaction;
  }

  /** Records a completed transfer; `moveMoney` is false only for seeded history. */
  addTransfer(input: NewTransfer, createdAt = nowIso(), moveMoney = true): UtglTransfer {
    if (moveMoney) {
      input.source.balance = formatCents(toCents(input.source.balance) - input.cents);
      input.credited.balance = formatCents(toCents(input.credited.balance) + input.cents);
    }
    const transfer: UtglTransfer = {
      id: this.id('tr'),
      reference: input.reference,
      source_account_id: input.source.id,
      destination_account_id: input.destination_account_id,
      destination_card_id: input.destination_card_id,
      amount: formatCents(input.cents),
      currency: input.source.currency,
      status: 'completed',
      created_at: createdAt,
    };
    this.transfers.set(transfer.id, transfer);
    this.addTransaction({
      account_id: input.source.id,
      card_id: null,
      type: 'transfer',
      amount: transfer.amount,
      currency: transfer.currency,
      status: 'posted',
      merchant: null,
      created_at: createdAt,
    });
    return transfer;
  }
}

function nowIso(): string {
  return new Date().toISOString();
}

