/**
 * corporate's seeded data: the same users, cardholders, cards, transactions and orders for
 * the same seed.
 */
import {
  DAY_MINUTES,
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
  CORPORATE_PRODUCTS,
  CORPORATE_SEED_COUNTS,
  type CorporateCard,
  type CorporateCardholder,
  type CorporateCardStatus,
  type CorporateKyc,
  type CorporateKycStatus,
  type CorporateOrderStatus,
  type CorporateOrderType,
  CorporateStore,
  type CorporateTransactionStatus,
  type CorporateTransactionType,
  type CorporateUser,
} from './store.js';
import { formatCents } from '../../../sandbox/money.js';

// ---------------------------------------------------------------------------------------
// Seeding. Creation times follow the object graph (users, cardholders, cards, money), all
// before the seed epoch, so the same seed always yields the same data, ids included.

const KYC_TABLE: WeightTable<CorporateKycStatus> = [['approved', 70], ['pending', 18], ['rejected', 12]];
const CARD_STATUS_TABLE: WeightTable<CorporateCardStatus> = [['active', 55], ['frozen', 15], ['inactive', 15], ['closed', 15]];
const TRANSACTION_TYPE_TABLE: WeightTable<CorporateTransactionType> = [['purchase', 60], ['refund', 8], ['topup', 14], ['fee', 18]];
const TRANSACTION_STATUS_TABLES: Record<CorporateTransactionType, WeightTable<CorporateTransactionStatus>> = {
  purchase: [['completed', 70], ['pending', 12], ['declined', 12], ['reversed', 6]],
  refund: [['completed', 80], ['pending', 15], ['reversed', 5]],
  topup: [['completed', 88], ['pending', 6], ['declined', 6]],
  fee: [['completed', 90], ['reversed', 10]],
};
const AMOUNT_RANGES: Record<CorporateTransactionType, readonly [number, number]> = {
  purchase: [150, 45_000],
  refund: [150, 20_000],
  topup: [5_000, 100_000],
  fee: [50, 500],
};
/** Money into the card (the others take it out). */
const CREDITS: ReadonlySet<CorporateTransactionType> = new Set(['refund', 'topup']);

/** The seeded orders: every state of both types, then a few more. */
const SEED_ORDERS: ReadonlyArray<readonly [CorporateOrderType, CorporateOrderStatus]> = [
  ['card_issue', 'completed'], ['topup', 'completed'],
  ['card_issue', 'pending'], ['topup', 'pending'],
  ['card_issue', 'processing'], ['topup', 'processing'],
  ['card_issue', 'failed'], ['topup', 'failed'],
  ['topup', 'completed'], ['card_issue', 'completed'], ['topup', 'pending'], ['topup', 'completed'],
];

/** A store holding the seeded data: the same for the same seed. */
export function seededCorporateStore(seed?: number, now?: () => number): CorporateStore {
  const store = new CorporateStore(seed, now);
  seedStore(store, store.rng);
  return store;
}

function seedStore(store: CorporateStore, rng: SeededRandom): void {
  const users = seedUsers(store, rng);
  const cardholders = seedCardholders(store, rng, users);
  const cards = seedCards(store, rng, cardholders);
  seedTransactions(store, rng, cards);
  seedOrders(store, rng, cards, cardholders);
}

function seedUsers(store: CorporateStore, rng: SeededRandom): CorporateUser[] {
  const users: CorporateUser[] = [];
  for (let i = 0; i < CORPORATE_SEED_COUNTS.users; i += 1) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
    users.push(
      store.addUser(
        { external_user_id: `emp-${rng.hex(10)}`, email: `${local}${i}@corp.example`, first_name: first, last_name: last },
        daysAgo(rng, 420, 540),
      ),
    );
  }
  return users;
}

function seedCardholders(store: CorporateStore, rng: SeededRandom, users: CorporateUser[]): CorporateCardholder[] {
  const cardholders: CorporateCardholder[] = [];
  for (let i = 0; i < CORPORATE_SEED_COUNTS.cardholders; i += 1) {
    const user = users[i]!;
    const status = spread(rng, i, KYC_TABLE);
    const kyc: CorporateKyc = {
      first_name: user.first_name,
      last_name: user.last_name,
      date_of_birth: `19${rng.int(60, 99)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`,
      country: rng.pick(['US', 'GB', 'DE', 'FR', 'SG']),
      id_document_number: `P${rng.digits(8)}`,
    };
    cardholders.push(store.addCardholder(user.external_user_id, rng.pick(CORPORATE_PRODUCTS).product_id, kyc, status, daysAgo(rng, 380, 410)));
  }
  return cardholders;
}

/** Cards go to approved cardholders only, each of them at least one. */
function seedCards(store: CorporateStore, rng: SeededRandom, cardholders: CorporateCardholder[]): CorporateCard[] {
  const approved = cardholders.filter((c) => c.kyc_status === 'approved');
  const cards: CorporateCard[] = [];
  for (let i = 0; i < CORPORATE_SEED_COUNTS.cards; i += 1) {
    const holder = i < approved.length ? approved[i]! : rng.pick(approved);
    cards.push(
      store.addCard(holder.external_user_id, holder.product_id, {
        status: spread(rng, i, CARD_STATUS_TABLE),
        createdAt: daysAgo(rng, 200, 340),
        expiryMonth: rng.int(1, 12),
        expiryYear: rng.int(2027, 2030),
      }),
    );
  }
  return cards;
}

/**
 * Transactions on cards that were ever activated (not `inactive`), newest in the last 180
 * days; each such card then gets an opening top-up, the day after it was issued, that covers
 * what it spent, so every balance is the completed credits less the completed debits and
 * never negative.
 */
function seedTransactions(store: CorporateStore, rng: SeededRandom, cards: CorporateCard[]): void {
  const used = cards.filter((c) => c.status !== 'inactive');
  const net = new Map<string, bigint>(used.map((c) => [c.card_id, 0n]));
  for (let i = 0; i < CORPORATE_SEED_COUNTS.transactions; i += 1) {
    const card = i < used.length ? used[i]! : rng.pick(used);
    const type = weighted(rng, TRANSACTION_TYPE_TABLE);
    const status = weighted(rng, TRANSACTION_STATUS_TABLES[type]);
    const [min, max] = AMOUNT_RANGES[type];
    const cents = BigInt(rng.int(min, max));
    store.addTransaction({
      card_id: card.card_id,
      type,
      amount: formatCents(cents),
      currency: 'USD',
      status,
      merchant_name: type === 'purchase' || type === 'refund' ? rng.pick(MERCHANTS).name : null,
      created_at: daysAgo(rng, 0, 180),
    });
    if (status === 'completed') net.set(card.card_id, net.get(card.card_id)! + (CREDITS.has(type) ? cents : -cents));
  }
  for (const card of used) {
    const spent = -net.get(card.card_id)!;
    const opening = (spent > 0n ? spent : 0n) + BigInt(rng.int(5_000, 150_000));
    store.addTransaction({
      card_id: card.card_id,
      type: 'topup',
      amount: formatCents(opening),
      currency: 'USD',
      status: 'completed',
      merchant_name: null,
      created_at: new Date(Date.parse(card.created_at) + DAY_MINUTES * 60_000).toISOString(),
    });
    card.balance = formatCents(net.get(card.card_id)! + opening);
  }
}

function seedOrders(store: CorporateStore, rng: SeededRandom, cards: CorporateCard[], cardholders: CorporateCardholder[]): void {
  const active = cards.filter((c) => c.status === 'active');
  const frozen = cards.filter((c) => c.status === 'frozen');
  const approved = cardholders.filter((c) => c.kyc_status === 'approved');
  const rejected = cardholders.filter((c) => c.kyc_status === 'rejected');
  SEED_ORDERS.forEach(([type, status], i) => {
    const inFlight = status === 'pending' || status === 'processing';
    const createdAt = inFlight ? daysAgo(rng, 0, 1) : daysAgo(rng, 2, 180);
    const base = { type, status, created_at: createdAt, updated_at: createdAt, failure_reason: null };
    if (type === 'card_issue') {
      if (status === 'failed') {
        const holder = rejected[0] ?? rng.pick(cardholders);
        store.addOrder({ ...base, card_id: null, amount: null, failure_reason: `kyc_${holder.kyc_status}` }, holder.external_user_id, holder.product_id);
      } else if (status === 'completed') {
        const card = cards[i % cards.length]!;
        store.addOrder({ ...base, card_id: card.card_id, amount: null }, card.external_user_id, card.product_id);
      } else {
        const holder = rng.pick(approved);
        const initial = BigInt(rng.int(0, 2) * 5_000);
        store.addOrder({ ...base, card_id: null, amount: initial > 0n ? formatCents(initial) : null }, holder.external_user_id, holder.product_id);
      }
      return;
    }
    const card = status === 'failed' ? frozen[0] ?? rng.pick(cards) : rng.pick(active);
    const failure = status === 'failed' ? 'card_not_active' : null;
    store.addOrder(
      { ...base, card_id: card.card_id, amount: formatCents(BigInt(rng.int(10, 500) * 100)), failure_reason: failure },
      card.external_user_id,
      null,
    );
  });
}

