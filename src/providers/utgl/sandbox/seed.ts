/**
 * utgl's seeded data: the same cardholders, accounts, cards, transfers and transactions for
 * the same seed.
 */
import {
  FIRST_NAMES,
  LAST_NAMES,
  MERCHANTS,
  SeededRandom,
  daysAgo,
  spread,
  weighted,
  type WeightTable,
} from '../../../sandbox/random.js';
import {
  type NewAccount,
  type NewCard,
  UTGL_SEED_COUNTS,
  type UtglAccount,
  type UtglCard,
  type UtglCardholder,
  type UtglCardholderStatus,
  type UtglCardStatus,
  type UtglCardType,
  type UtglKycStatus,
  UtglStore,
  type UtglTransactionStatus,
  type UtglTransactionType,
} from './store.js';
import { formatCents } from '../../../sandbox/money.js';

// ---------------------------------------------------------------------------------------
// Seeding. Creation times follow the object graph (cardholders, then accounts, then cards,
// then money movements), all before the seed epoch.

const KYC_TABLE: WeightTable<UtglKycStatus> = [['approved', 70], ['pending', 20], ['rejected', 10]];
const CARDHOLDER_STATUS_TABLE: WeightTable<UtglCardholderStatus> = [['active', 85], ['inactive', 15]];
const CURRENCY_TABLE: WeightTable<string> = [['USD', 60], ['EUR', 40]];
const CARD_STATUS_TABLE: WeightTable<UtglCardStatus> = [
  ['active', 55], ['frozen', 10], ['lost', 6], ['stolen', 4], ['closed', 10], ['expired', 10],
];
const CARD_TYPE_TABLE: WeightTable<UtglCardType> = [['virtual', 60], ['physical', 40]];
const TRANSACTION_TYPE_TABLE: WeightTable<UtglTransactionType> = [
  ['purchase', 62], ['refund', 8], ['transfer', 14], ['fee', 16],
];
const TRANSACTION_STATUS_TABLES: Record<UtglTransactionType, WeightTable<UtglTransactionStatus>> = {
  purchase: [['posted', 68], ['pending', 14], ['declined', 12], ['reversed', 6]],
  refund: [['posted', 80], ['pending', 15], ['reversed', 5]],
  transfer: [['posted', 85], ['pending', 10], ['declined', 5]],
  fee: [['posted', 90], ['reversed', 10]],
};
/** Cents ranges per transaction type. */
const AMOUNT_RANGES: Record<UtglTransactionType, readonly [number, number]> = {
  purchase: [150, 45_000],
  refund: [150, 20_000],
  transfer: [1_000, 150_000],
  fee: [50, 500],
};

/** A store holding the seeded data: the same for the same seed. */
export function seededUtglStore(seed?: number): UtglStore {
  const store = new UtglStore(seed);
  seedStore(store, store.rng);
  return store;
}

function seedStore(store: UtglStore, rng: SeededRandom): void {
  const cardholders = seedCardholders(store, rng);
  const accounts = seedAccounts(store, rng, cardholders);
  const cards = seedCards(store, rng, accounts, cardholders);
  seedTransfers(store, rng, accounts, cards);
  seedTransactions(store, rng, accounts, cards);
}

function emailLocalPart(first: string, last: string): string {
  return `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
}

function seedCardholders(store: UtglStore, rng: SeededRandom): UtglCardholder[] {
  const cardholders: UtglCardholder[] = [];
  for (let i = 0; i < UTGL_SEED_COUNTS.cardholders; i += 1) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const cardholder = store.addCardholder(
      {
        first_name: first,
        last_name: last,
        email: `${emailLocalPart(first, last)}${i}@example.com`,
        phone: rng.next() < 0.8 ? `+1555${rng.digits(7)}` : null,
        reference: `cust-${rng.hex(10)}`,
      },
      daysAgo(rng, 420, 540),
    );
    cardholder.kyc_status = spread(rng, i, KYC_TABLE);
    cardholder.status = cardholder.kyc_status === 'rejected' ? 'inactive' : spread(rng, i, CARDHOLDER_STATUS_TABLE);
    cardholders.push(cardholder);
  }
  return cardholders;
}

/** One wallet per cardholder for the first cardholders, plus a treasury per currency. */
function seedAccounts(store: UtglStore, rng: SeededRandom, cardholders: UtglCardholder[]): UtglAccount[] {
  const accounts: UtglAccount[] = [];
  const treasuries = ['USD', 'EUR'];
  const linked = UTGL_SEED_COUNTS.accounts - treasuries.length;
  for (let i = 0; i < linked; i += 1) {
    const holder = cardholders[i]!;
    const currency = spread(rng, i, CURRENCY_TABLE);
    const balance = formatCents(BigInt(rng.int(0, 2_500_000)));
    accounts.push(
      store.addAccount(
        { name: `${holder.first_name} ${holder.last_name} ${currency} wallet`, currency, cardholder_id: holder.id },
        daysAgo(rng, 360, 400),
        balance,
      ),
    );
  }
  for (const currency of treasuries) {
    const balance = formatCents(BigInt(rng.int(5_000_000, 50_000_000)));
    const input: NewAccount = { name: `Treasury ${currency}`, currency, cardholder_id: null };
    accounts.push(store.addAccount(input, daysAgo(rng, 380, 400), balance));
  }
  return accounts;
}

/** Expired cards expired before the seed epoch (2026-10); the others expire after it. */
function seededExpiry(rng: SeededRandom, status: UtglCardStatus): { expMonth: number; expYear: number } {
  return status === 'expired'
    ? { expMonth: rng.int(1, 12), expYear: rng.int(2024, 2025) }
    : { expMonth: rng.int(1, 12), expYear: rng.int(2027, 2030) };
}

function seedCards(
  store: UtglStore,
  rng: SeededRandom,
  accounts: UtglAccount[],
  cardholders: UtglCardholder[],
): UtglCard[] {
  const cards: UtglCard[] = [];
  for (let i = 0; i < UTGL_SEED_COUNTS.cards; i += 1) {
    // Every account gets at least one card; treasury cards go to any cardholder (employees).
    const account = i < accounts.length ? accounts[i]! : rng.pick(accounts);
    const cardholderId = account.cardholder_id ?? rng.pick(cardholders).id;
    const status = spread(rng, i, CARD_STATUS_TABLE);
    const input: NewCard = {
      account_id: account.id,
      cardholder_id: cardholderId,
      reference: `card-ref-${rng.hex(12)}`,
      type: spread(rng, i, CARD_TYPE_TABLE),
    };
    cards.push(store.addCard(input, { status, createdAt: daysAgo(rng, 200, 340), ...seededExpiry(rng, status) }));
  }
  return cards;
}

function seedTransfers(store: UtglStore, rng: SeededRandom, accounts: UtglAccount[], cards: UtglCard[]): void {
  for (let i = 0; i < UTGL_SEED_COUNTS.transfers; i += 1) {
    const source = accounts[i % accounts.length]!;
    const credited = rng.pick(accounts.filter((a) => a.currency === source.currency && a.id !== source.id));
    // Every other transfer funds a card (its account), when that account has a usable one.
    const card =
      i % 2 === 1 ? cards.find((c) => c.account_id === credited.id && !UtglStore.isTerminal(c.status)) : undefined;
    store.addTransfer(
      {
        reference: `transfer-ref-${rng.hex(12)}`,
        source,
        credited,
        destination_account_id: card ? null : credited.id,
        destination_card_id: card ? card.id : null,
        cents: BigInt(rng.int(1_000, 50_000)),
      },
      daysAgo(rng, 1, 180),
      false,
    );
  }
}

function seedTransactions(store: UtglStore, rng: SeededRandom, accounts: UtglAccount[], cards: UtglCard[]): void {
  for (let i = 0; i < UTGL_SEED_COUNTS.transactions; i += 1) {
    const type = weighted(rng, TRANSACTION_TYPE_TABLE);
    const withCard = type === 'purchase' || type === 'refund' || (type === 'fee' && rng.next() < 0.5);
    const card = withCard ? rng.pick(cards) : null;
    const account = card ? store.accounts.get(card.account_id)! : rng.pick(accounts);
    const [min, max] = AMOUNT_RANGES[type];
    const hasMerchant = type === 'purchase' || type === 'refund';
    store.addTransaction({
      account_id: account.id,
      card_id: card ? card.id : null,
      type,
      amount: formatCents(BigInt(rng.int(min, max))),
      currency: account.currency,
      status: weighted(rng, TRANSACTION_STATUS_TABLES[type]),
      merchant: hasMerchant ? { ...rng.pick(MERCHANTS) } : null,
      created_at: daysAgo(rng, 0, 180),
    });
  }
}

