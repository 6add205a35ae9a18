/**
 * pushpull's seeded data: the same card accounts and transactions for the same seed.
 */
import {
  DAY_MINUTES,
  FIRST_NAMES,
  LAST_NAMES,
  SeededRandom,
  luhnPan,
  seededTimestamp,
  spread,
  weighted,
  type WeightTable,
} from '../../../sandbox/random.js';
import {
  brandOf,
  PUSHPULL_SEED_COUNTS,
  PushpullStore,
  type PushpullStoreOptions,
  type PushpullTransactionStatus,
  type PushpullTransactionType,
  UNKNOWN_OUTCOME_AMOUNT,
} from './store.js';

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

/** A store holding the seeded data: the same for the same seed. */
export function seededPushpullStore(options: PushpullStoreOptions): PushpullStore {
  const store = new PushpullStore(options);
  seedStore(store, store.rng);
  return store;
}

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
