/**
 * baas's seeded data: the same cardholders, wallets, cards, transactions and transfers for
 * the same seed.
 */
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
} from '../../../sandbox/random.js';
import {
  type BaasBlockReason,
  type BaasCard,
  type BaasCardholder,
  type BaasCardStatus,
  type BaasComplianceStatus,
  BaasStore,
  type BaasStoreOptions,
  type BaasTransactionKind,
  type BaasTransactionStatus,
  type BaasTransfer,
  type BaasWalletRecord,
  MASTERCARD_BIN,
} from './store.js';
import { formatCents } from '../../../sandbox/money.js';

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

/** A store holding the seeded data: the same for the same seed, whatever the clock. */
export function seededBaasStore(options: BaasStoreOptions = {}): BaasStore {
  const store = new BaasStore(options);
  seed(store, store.rng);
  return store;
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
    store.postTransfer(transfer);
  }
}
