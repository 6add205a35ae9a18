/**
 * ledger's seeded data: the same customers, wallets, cards and history for the same seed
 * and tenant.
 */
import { createHash } from 'node:crypto';
import {
  DAY_MINUTES,
  FIRST_NAMES,
  LAST_NAMES,
  MERCHANTS,
  SEED_EPOCH,
  SeededRandom,
  seededTimestamp,
  shuffle,
} from '../../../sandbox/random.js';
import {
  CARD_STATUS_CODES,
  type CardStatusText,
  type KycStatus,
  LEDGER_CARD_PRODUCT,
  LEDGER_TOKEN_SYMBOL,
  type LedgerCard,
  type LedgerCustomer,
  type LedgerDocument,
  type LedgerIdBadgeLog,
  LedgerStore,
  type LedgerTransaction,
  type LedgerTransactionRecord,
  type LedgerWallet,
  newCard,
  type TransactionStatus,
} from './store.js';

const WEI_PER_HUNDREDTH = 10n ** 16n;
const WEI_PER_TOKEN = 10n ** 18n;
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;
const EXPLORER_TX_URL = 'https://rpc.tst.ent.universalledger.publicmint.io:8545/tx';
const BLOCK_AT_SEED_EPOCH = 9_000_000;
const SECONDS_PER_BLOCK = 5;
/** Shuffled among the carded wallets so every seed has each status; the rest are Active. */
const SEEDED_CARD_STATUSES: ReadonlyArray<[CardStatusText, number]> = [
  ['Temporary block', 1005],
  ['Temporary block', 1005],
  ['Decline all', 1007],
  ['Lost', 1041],
  ['Lost', 1140],
  ['Stolen', 1043],
  ['Stolen', 1143],
  ['Expired', 1054],
  ['Expired', 1154],
  ['Restricted', 1062],
];
/** Wallets per customer, shuffled: 24 customers, 46 wallets whatever the seed. */
const WALLETS_PER_CUSTOMER = [...Array<number>(8).fill(1), ...Array<number>(10).fill(2), ...Array<number>(6).fill(3)];
const UNCARDED_WALLETS = 5;
const KYC_DECK: KycStatus[] = ['REJECTED', 'REJECTED', 'REJECTED', 'PENDING', 'PENDING', 'PENDING', 'PENDING', 'PENDING'];
const CITIES: ReadonlyArray<{ city: string; state: string; postalCode: string }> = [
  { city: 'Austin', state: 'TX', postalCode: '78701' },
  { city: 'Louisville', state: 'KY', postalCode: '40202' },
  { city: 'Portland', state: 'OR', postalCode: '97205' },
  { city: 'Denver', state: 'CO', postalCode: '80202' },
  { city: 'Raleigh', state: 'NC', postalCode: '27601' },
  { city: 'Madison', state: 'WI', postalCode: '53703' },
];
const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Elm St', 'Pine Rd'];
const REVERT_REASONS = ['ERC20: transfer amount exceeds balance', 'Transaction reverted by compliance check'];
const CARD_DECLINE_REASON = 'Card authorization declined';

// ---------------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------------

/** `special` spread at random over `size` slots, `filler` elsewhere. */
function deck<T>(rng: SeededRandom, special: readonly T[], filler: T, size: number): T[] {
  return shuffle(rng, [...special, ...Array<T>(Math.max(0, size - special.length)).fill(filler)]);
}

/** A store holding the seeded data for `tenantId`: the same for the same seed. */
export function seededLedgerStore(tenantId: string, seed?: number): LedgerStore {
  const store = new LedgerStore(tenantId, seed);
  const tenant = namespaceSlug(tenantId);
  seedCustomers(store.rng, tenant, tenantId, store.customers, store.wallets);
  store.cards.push(...seedCards(store.rng, store.wallets, store.customers));
  store.transactions.push(...seedTransactions(store.rng, tenant, store.wallets, store.cards));
  for (const wallet of store.wallets) {
    store.balances.set(wallet.domainNamespace, settledBalance(store.transactions, wallet.domainNamespace));
  }
  return store;
}

function namespaceSlug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The reference's .NET-style timestamp, e.g. `2024-05-13T10:51:20.0000000+00:00`. */
function referenceTimestamp(minutesAgo: number): string {
  return seededTimestamp(minutesAgo).replace(/\.(\d{3})Z$/, '.$10000+00:00');
}

function uniqueNames(rng: SeededRandom, count: number): Array<[string, string]> {
  const used = new Set<string>();
  const names: Array<[string, string]> = [];
  while (names.length < count) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    if (used.has(`${first} ${last}`)) continue;
    used.add(`${first} ${last}`);
    names.push([first, last]);
  }
  return names;
}

function seedCustomers(
  rng: SeededRandom,
  tenant: string,
  tenantName: string,
  customers: LedgerCustomer[],
  wallets: LedgerWallet[],
): void {
  const walletCounts = shuffle(rng, WALLETS_PER_CUSTOMER);
  const names = uniqueNames(rng, walletCounts.length);
  const kyc = deck(rng, KYC_DECK, 'ACCEPTED', walletCounts.length);
  walletCounts.forEach((count, i) => {
    const [first, last] = names[i];
    const customerAccountId = rng.uuid();
    const handle = namespaceSlug(first + last);
    const own = seedWallets(rng, tenant, tenantName, customerAccountId, handle, count);
    const primary = own.find((w) => w.isPrimary) as LedgerWallet;
    customers.push(newCustomer(rng, { tenant, tenantName, customerAccountId, first, last, primary, kyc: kyc[i] }));
    wallets.push(...own);
  });
}

function seedWallets(
  rng: SeededRandom,
  tenant: string,
  tenantName: string,
  customerAccountId: string,
  handle: string,
  count: number,
): LedgerWallet[] {
  const primaryIndex = rng.int(0, count - 1);
  return Array.from({ length: count }, (_, i) => {
    const customNamespace = rng.next() < 0.6 ? `${handle}${i + 1}.eth` : null;
    return {
      customerAccountId,
      tenantName,
      domainNamespace: `${tenant}.${handle}${i + 1}.ul`,
      accountAddress: `0x${rng.hex(40)}`,
      isGlobal: false,
      isPrimary: i === primaryIndex,
      customNamespace,
      namespaceProvider: customNamespace ? 'ens' : null,
    };
  });
}

interface CustomerSeed {
  tenant: string;
  tenantName: string;
  customerAccountId: string;
  first: string;
  last: string;
  primary: LedgerWallet;
  kyc: KycStatus;
}

function newCustomer(rng: SeededRandom, s: CustomerSeed): LedgerCustomer {
  const place = rng.pick(CITIES);
  const category = rng.pick(['bronze', 'silver', 'gold'] as const);
  const accepted = s.kyc === 'ACCEPTED';
  return {
    customerAccountId: s.customerAccountId,
    domainNamespace: `${s.tenant}.${namespaceSlug(s.first + s.last)}.ul`,
    customNamespace: s.primary.customNamespace,
    namespaceProvider: s.primary.namespaceProvider,
    tenantName: s.tenantName,
    firstName: s.first,
    middleName: rng.next() < 0.3 ? rng.pick(FIRST_NAMES) : null,
    lastName: s.last,
    taxIdNumber: `${rng.digits(3)}-${rng.digits(2)}-${rng.digits(4)}`,
    ssn: `${rng.digits(3)}-${rng.digits(2)}-${rng.digits(4)}`,
    phoneNumber: `+1${rng.int(201, 989)}${rng.digits(7)}`,
    dateOfBirth: `${rng.int(1955, 2004)}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`,
    address: {
      city: place.city,
      state: place.state,
      address1: `${rng.int(10, 9999)} ${rng.pick(STREETS)}`,
      country: 'US',
      postalCode: place.postalCode,
      isoCountryCode: 'US',
    },
    latLong: { lat_long_data: `${place.city}, ${place.state}`, lat_long_country: 'US', lat_long_city: place.city },
    email: `${namespaceSlug(s.first)}.${namespaceSlug(s.last)}@mail.com`,
    accountAddress: s.primary.accountAddress,
    kycStatus: s.kyc,
    fundingStatus: accepted ? 'ACCEPTED' : 'PENDING',
    complianceStatus: s.kyc,
    accountStatus: s.kyc === 'REJECTED' ? 'INACTIVE' : 'ACTIVE',
    customerAccountCategory: category,
    documents: seedDocuments(rng),
    tenant_customer_notes:
      s.kyc === 'REJECTED'
        ? [{ tenantCustomerNoteId: rng.uuid(), customerAccountId: s.customerAccountId, comment: 'KYC documents rejected', attachment: {}, createdBy: null }]
        : [],
    idBadgeLogs: accepted ? [seedBadge(rng, s.customerAccountId, category)] : [],
    infoBadge: [],
  };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function seedDocuments(rng: SeededRandom): LedgerDocument[] {
  const issued = rng.int(2016, 2023);
  return [
    {
      fileName: 'idcard.png',
      side: 'front',
      type: rng.pick(['DriversLicense', 'Passport']),
      number: rng.digits(9),
      expired: false,
      description: 'national id card of user',
      issuedCountry: 'UNITED STATES',
      validFromDate: `${issued}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`,
      validTillDate: `${issued + 10}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`,
      documentId: rng.uuid(),
    },
    {
      fileName: 'Selfie.png',
      side: 'front',
      type: 'Selfie',
      number: '',
      expired: false,
      description: 'selfie of user',
      issuedCountry: '',
      validFromDate: '',
      validTillDate: '',
      documentId: rng.uuid(),
    },
  ];
}

function seedBadge(rng: SeededRandom, customerAccountId: string, category: string): LedgerIdBadgeLog {
  const at = referenceTimestamp(rng.int(200, 400) * DAY_MINUTES);
  return {
    badgeId: rng.uuid(),
    customerAccountId,
    createdAt: at,
    updatedAt: at,
    badgeName: category.charAt(0).toUpperCase() + category.slice(1),
    badgeType: 'IDENTIFICATION',
    IdBadgeTokens: [],
  };
}

function seedCards(rng: SeededRandom, wallets: readonly LedgerWallet[], customers: readonly LedgerCustomer[]): LedgerCard[] {
  const uncarded = new Set(shuffle(rng, wallets).slice(0, UNCARDED_WALLETS));
  const carded = wallets.filter((w) => !uncarded.has(w));
  const active: [CardStatusText, number] = ['Active', CARD_STATUS_CODES.Active];
  const statuses = deck(rng, SEEDED_CARD_STATUSES, active, carded.length);
  return carded.map((wallet, i) => {
    const [status, code] = statuses[i];
    const owner = customers.find((c) => c.customerAccountId === wallet.customerAccountId);
    return newCard(rng, wallet, owner, status, code, LEDGER_CARD_PRODUCT.cardProductId);
  });
}

/** Who is on the other side of a transfer. */
interface Party {
  address: string;
  namespace: string | null;
  customNamespace: string | null;
}

function partyOf(wallet: LedgerWallet): Party {
  return { address: wallet.accountAddress, namespace: wallet.domainNamespace, customNamespace: wallet.customNamespace };
}

function seedTransactions(
  rng: SeededRandom,
  tenant: string,
  wallets: readonly LedgerWallet[],
  cards: readonly LedgerCard[],
): LedgerTransactionRecord[] {
  // The tenant's treasury mints the opening funds (the reference's `tenant.ul` namespace).
  const treasury: Party = { address: ZERO_ADDRESS, namespace: `${tenant}.ul`, customNamespace: null };
  const merchants: Party[] = MERCHANTS.map((m) => ({
    address: `0x${rng.hex(40)}`,
    namespace: `${namespaceSlug(m.name)}.merchant.ul`,
    customNamespace: null,
  }));
  const records: LedgerTransactionRecord[] = [];
  for (const wallet of wallets) {
    records.push(...seedOnChain(rng, wallet, wallets, treasury));
    if (cards.some((c) => c.walletNamespace === wallet.domainNamespace)) {
      records.push(...seedOffChain(rng, wallet, merchants));
    }
  }
  return records;
}

/** Minutes-ago values within `spanDays`, about one in eight repeating its predecessor (tie-breaks). */
function seedTimes(rng: SeededRandom, count: number, spanDays: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const previous = times[i - 1];
    times.push(previous !== undefined && rng.next() < 0.125 ? previous : rng.int(0, spanDays * DAY_MINUTES));
  }
  return times;
}

function seedOnChain(rng: SeededRandom, wallet: LedgerWallet, wallets: readonly LedgerWallet[], treasury: Party): LedgerTransactionRecord[] {
  const self = partyOf(wallet);
  const opening = newTransaction(rng, {
    self,
    other: treasury,
    paymentType: 'credit',
    amount: (BigInt(rng.int(5_000, 20_000)) * WEI_PER_TOKEN).toString(),
    minutesAgo: rng.int(150, 180) * DAY_MINUTES,
    status: 'Completed',
    failure: '',
  });
  const others = wallets.filter((w) => w !== wallet);
  const rest = seedTimes(rng, rng.int(5, 10), 150).map((minutesAgo) =>
    newTransaction(rng, {
      self,
      other: rng.next() < 0.7 ? partyOf(rng.pick(others)) : treasury,
      paymentType: rng.next() < 0.55 ? 'credit' : 'debit',
      amount: seedAmount(rng),
      minutesAgo,
      status: seedStatus(rng),
      failure: rng.pick(REVERT_REASONS),
    }),
  );
  return [opening, ...rest].map((transaction) => ({ chain: 'on-chain', walletNamespace: wallet.domainNamespace, transaction }));
}

function seedOffChain(rng: SeededRandom, wallet: LedgerWallet, merchants: readonly Party[]): LedgerTransactionRecord[] {
  const self = partyOf(wallet);
  return seedTimes(rng, rng.int(4, 9), 120).map((minutesAgo) => ({
    chain: 'off-chain',
    walletNamespace: wallet.domainNamespace,
    transaction: newTransaction(rng, {
      self,
      other: rng.pick(merchants),
      // Card spend, with the odd merchant refund.
      paymentType: rng.next() < 0.8 ? 'debit' : 'credit',
      amount: seedAmount(rng),
      minutesAgo,
      status: seedStatus(rng),
      failure: CARD_DECLINE_REASON,
    }),
  }));
}

/** 0.01 to 250 tokens; some whole, most fractional (e.g. "1250000000000000000" = 1.25). */
function seedAmount(rng: SeededRandom): string {
  let hundredths = rng.int(1, 25_000);
  if (rng.next() < 0.4) hundredths = Math.max(100, Math.round(hundredths / 100) * 100);
  return (BigInt(hundredths) * WEI_PER_HUNDREDTH).toString();
}

function seedStatus(rng: SeededRandom): TransactionStatus {
  const r = rng.next();
  if (r < 0.8) return 'Completed';
  return r < 0.92 ? 'Pending' : 'Failed';
}

interface TransactionSeed {
  self: Party;
  other: Party;
  paymentType: 'credit' | 'debit';
  amount: string;
  minutesAgo: number;
  status: TransactionStatus;
  /** The revert reason, used only when the status is Failed. */
  failure: string;
}

function newTransaction(rng: SeededRandom, s: TransactionSeed): LedgerTransaction {
  const [from, to] = s.paymentType === 'credit' ? [s.other, s.self] : [s.self, s.other];
  const seconds = Math.floor(SEED_EPOCH / 1000) - s.minutesAgo * 60;
  const block = BLOCK_AT_SEED_EPOCH - Math.floor((s.minutesAgo * 60) / SECONDS_PER_BLOCK);
  const trxId = `0x${rng.hex(64)}`;
  const failed = s.status === 'Failed';
  return {
    trxId,
    // Derived from the block number so transactions in one block share its hash.
    blockHash: `0x${createHash('sha256').update(`block:${block}`).digest('hex')}`,
    blockNumber: String(block),
    amount: s.amount,
    paymentType: s.paymentType,
    from: from.address,
    to: to.address,
    tokenSymbol: LEDGER_TOKEN_SYMBOL,
    fromNamespace: from.namespace,
    toNamespace: to.namespace,
    fromCustomNamespace: from.customNamespace,
    toCustomNamespace: to.customNamespace,
    status: s.status,
    timestamp: String(seconds),
    isError: failed ? '1' : '0',
    revertReason: failed ? s.failure : null,
    navigationURL: `${EXPLORER_TX_URL}/${trxId}/internal-transactions`,
  };
}

/**
 * Completed credits less completed debits, on and off chain: the opening credit (at least
 * 5,000 tokens) exceeds the most a wallet can spend (19 debits of at most 250), so it is never
 * negative.
 */
function settledBalance(records: readonly LedgerTransactionRecord[], walletNamespace: string): string {
  let total = 0n;
  for (const { walletNamespace: owner, transaction: t } of records) {
    if (owner !== walletNamespace || t.status !== 'Completed') continue;
    total += t.paymentType === 'credit' ? BigInt(t.amount) : -BigInt(t.amount);
  }
  return total.toString();
}

