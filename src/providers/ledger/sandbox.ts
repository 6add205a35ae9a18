/**
 * The ledger simulator: the endpoints of the provider's "Public API v2.8.0" that the gateway
 * uses (tenant customers, one debit card per wallet, on/off-chain history, token balances),
 * over seeded data. Paths, fields and error bodies follow shared/providers/docs/ledger.txt;
 * what it leaves open follows shared/providers/ledger.md.
 */
import { createHash } from 'node:crypto';
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
} from '../../sandbox/random.js';

export interface LedgerSandboxOptions {
  /** The bearer key accepted. */
  apiKey: string;
  /** The tenant that key belongs to. */
  tenantId: string;
  /** Default 2. */
  seed?: number;
  baseLatencyMs?: number;
}

export interface LedgerSandbox {
  server: SandboxServer;
  store: LedgerStore;
  /** Seeded customerAccountIds, for the gateway's directory. */
  customerIds: string[];
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

export type CardStatusText = 'Active' | 'Temporary block' | 'Decline all' | 'Lost' | 'Stolen' | 'Expired' | 'Restricted';
export type ChainType = 'on-chain' | 'off-chain';
export type TransactionStatus = 'Completed' | 'Pending' | 'Failed';
export type KycStatus = 'PENDING' | 'ACCEPTED' | 'REJECTED';

export interface LedgerAddress {
  city: string;
  state: string;
  address1: string;
  country: string;
  postalCode: string;
  isoCountryCode: string;
}

export interface LedgerDocument {
  fileName: string;
  side: string;
  type: string;
  number: string;
  expired: boolean;
  description: string;
  issuedCountry: string;
  validFromDate: string;
  validTillDate: string;
  documentId: string;
}

export interface LedgerCustomerNote {
  tenantCustomerNoteId: string;
  customerAccountId: string;
  comment: string;
  attachment: Record<string, never>;
  createdBy: string | null;
}

export interface LedgerIdBadgeLog {
  badgeId: string;
  customerAccountId: string;
  createdAt: string;
  updatedAt: string;
  badgeName: string;
  badgeType: 'IDENTIFICATION';
  IdBadgeTokens: Array<{ publicId: string; identificationBadgeId: string; financialBadgeId: string; tokenSymbol: string; financialBadgeName: string }>;
}

export interface LedgerInfoBadge {
  informationBadgeId: string;
  customerAccountId: string;
  createdAt: string;
  updatedAt: string;
  badgeName: string;
  badgeType: 'INFORMATION';
}

/** A tenant customer as `customer-full-details` returns it, less `wallets` (kept apart). */
export interface LedgerCustomer {
  customerAccountId: string;
  domainNamespace: string;
  customNamespace: string | null;
  namespaceProvider: string | null;
  tenantName: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  taxIdNumber: string;
  ssn: string;
  phoneNumber: string;
  dateOfBirth: string;
  address: LedgerAddress;
  latLong: { lat_long_data: string; lat_long_country: string; lat_long_city: string };
  email: string;
  /** The primary wallet's address. */
  accountAddress: string;
  kycStatus: KycStatus;
  fundingStatus: 'PENDING' | 'ACCEPTED';
  complianceStatus: 'PENDING' | 'ACCEPTED' | 'REJECTED';
  accountStatus: 'ACTIVE' | 'INACTIVE';
  customerAccountCategory: 'bronze' | 'silver' | 'gold';
  documents: LedgerDocument[];
  tenant_customer_notes: LedgerCustomerNote[];
  idBadgeLogs: LedgerIdBadgeLog[];
  infoBadge: LedgerInfoBadge[];
}

/** A wallet as in the customer's `wallets`, plus its owner (not part of the public shape). */
export interface LedgerWallet {
  customerAccountId: string;
  tenantName: string;
  domainNamespace: string;
  /** Lower-case `0x` + 40 hex; matched case-insensitively, as Ethereum addresses are. */
  accountAddress: string;
  isGlobal: boolean;
  isPrimary: boolean;
  customNamespace: string | null;
  namespaceProvider: string | null;
}

/** The one debit card of a wallet. PAN and CVV are secrets to the gateway. */
export interface LedgerCard {
  walletNamespace: string;
  cardProductId: string;
  cardNumber: string;
  cardHolderName: string;
  /** YYYY-MM-DD */
  expiryDate: string;
  cvv: string;
  cardType: 'VISA';
  status: CardStatusText;
  statusCode: number;
}

/** A history item exactly as the reference shapes it. */
export interface LedgerTransaction {
  trxId: string;
  blockHash: string;
  blockNumber: string;
  /** Base units, 18 decimals. */
  amount: string;
  paymentType: 'credit' | 'debit';
  from: string;
  to: string;
  tokenSymbol: string;
  fromNamespace: string | null;
  toNamespace: string | null;
  fromCustomNamespace: string | null;
  toCustomNamespace: string | null;
  status: TransactionStatus;
  /** Seconds since the epoch. */
  timestamp: string;
  isError: '0' | '1';
  revertReason: string | null;
  navigationURL: string;
}

export interface LedgerTransactionRecord {
  chain: ChainType;
  /** The wallet whose history holds it (its domainNamespace). */
  walletNamespace: string;
  transaction: LedgerTransaction;
}

/** The card endpoints' way to name a wallet: any one of these. */
export interface WalletRef {
  walletAddress?: string;
  nameSpace?: string;
  customNameSpace?: string;
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

const DEFAULT_SEED = 2;
export const LEDGER_TOKEN_SYMBOL = 'USBC';
export const LEDGER_DEFAULT_PAGE_SIZE = 12;
export const LEDGER_MAX_PAGE_SIZE = 100;
const WEI_PER_HUNDREDTH = 10n ** 16n;
const WEI_PER_TOKEN = 10n ** 18n;
const CARD_BIN = '421922';
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;
const EXPLORER_TX_URL = 'https://rpc.tst.ent.universalledger.publicmint.io:8545/tx';
const BLOCK_AT_SEED_EPOCH = 9_000_000;
const SECONDS_PER_BLOCK = 5;

/** The one product `eligible-cards` offers, as in the reference. */
export const LEDGER_CARD_PRODUCT = {
  cardProductId: '7d405976-87f5-47a1-aa23-76a4ee8e63d0',
  isActive: true,
  createdAt: '2025-06-02T06:01:50.9030000+00:00',
  updatedAt: '2025-06-02T06:01:50.9030000+00:00',
  productVendorId: '23d2c6c8-2458-4537-8c10-f4f64ff995bd',
  productTypeId: '6d2fdf75-0acf-4d94-8ae6-910d6269b42d',
  vendorDssTypeId: 'fc902297-b48c-4e85-9530-623670af3fde',
  productName: 'Via Carte Debit Card New',
  productVendorName: 'VIACARTE',
  productTypeName: 'DEBIT CARD',
} as const;

/** The code each status takes when the simulator sets it (seeding may use the alternatives). */
export const CARD_STATUS_CODES: Record<CardStatusText, number> = {
  Active: 1000,
  'Temporary block': 1005,
  'Decline all': 1007,
  Lost: 1041,
  Stolen: 1043,
  Expired: 1054,
  Restricted: 1062,
};

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
// Store
// ---------------------------------------------------------------------------------------------

/** The simulator's state: seeded once, then changed only by card status updates and issuance. */
export class LedgerStore {
  readonly tenantName: string;
  readonly customers: LedgerCustomer[] = [];
  readonly wallets: LedgerWallet[] = [];
  readonly cards: LedgerCard[] = [];
  readonly transactions: LedgerTransactionRecord[] = [];
  /** Wallet balances by domainNamespace, in base units (18 decimals). */
  readonly balances = new Map<string, string>();
  private readonly rng: SeededRandom;

  constructor(tenantId: string, seed: number = DEFAULT_SEED) {
    this.tenantName = tenantId;
    this.rng = new SeededRandom(seed);
    const tenant = namespaceSlug(tenantId);
    seedCustomers(this.rng, tenant, tenantId, this.customers, this.wallets);
    this.cards.push(...seedCards(this.rng, this.wallets, this.customers));
    this.transactions.push(...seedTransactions(this.rng, tenant, this.wallets, this.cards));
    for (const wallet of this.wallets) {
      this.balances.set(wallet.domainNamespace, settledBalance(this.transactions, wallet.domainNamespace));
    }
  }

  customer(customerAccountId: string): LedgerCustomer | undefined {
    return this.customers.find((c) => c.customerAccountId === customerAccountId);
  }

  walletsOf(customerAccountId: string): LedgerWallet[] {
    return this.wallets.filter((w) => w.customerAccountId === customerAccountId);
  }

  /** A wallet by its domainNamespace, customNamespace or accountAddress (the path identifiers). */
  walletByIdentifier(identifier: string): LedgerWallet | undefined {
    const address = identifier.toLowerCase();
    return this.wallets.find(
      (w) => w.domainNamespace === identifier || w.customNamespace === identifier || w.accountAddress === address,
    );
  }

  /** The wallet every given identifier names; undefined when none is given or they disagree. */
  findWallet(ref: WalletRef): LedgerWallet | undefined {
    const lookups: Array<[string | undefined, (w: LedgerWallet, value: string) => boolean]> = [
      [ref.walletAddress, (w, value) => w.accountAddress === value.toLowerCase()],
      [ref.nameSpace, (w, value) => w.domainNamespace === value],
      [ref.customNameSpace, (w, value) => w.customNamespace === value],
    ];
    const named = lookups
      .filter((lookup): lookup is [string, (w: LedgerWallet, value: string) => boolean] => lookup[0] !== undefined)
      .map(([value, matches]) => this.wallets.find((w) => matches(w, value)));
    const [first] = named;
    return first && named.every((w) => w === first) ? first : undefined;
  }

  cardOf(wallet: LedgerWallet): LedgerCard | undefined {
    return this.cards.find((c) => c.walletNamespace === wallet.domainNamespace);
  }

  history(wallet: LedgerWallet, chain: ChainType): LedgerTransaction[] {
    return this.transactions
      .filter((r) => r.chain === chain && r.walletNamespace === wallet.domainNamespace)
      .map((r) => r.transaction);
  }

  balanceOf(wallet: LedgerWallet): string {
    return this.balances.get(wallet.domainNamespace) ?? '0';
  }

  /** Issues an Active card to a wallet that has none. */
  issueCard(wallet: LedgerWallet, cardProductId: string): LedgerCard {
    const owner = this.customer(wallet.customerAccountId);
    const card = newCard(this.rng, wallet, owner, 'Active', CARD_STATUS_CODES.Active, cardProductId);
    this.cards.push(card);
    return card;
  }
}

// ---------------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------------

/** `special` spread at random over `size` slots, `filler` elsewhere. */
function deck<T>(rng: SeededRandom, special: readonly T[], filler: T, size: number): T[] {
  return shuffle(rng, [...special, ...Array<T>(Math.max(0, size - special.length)).fill(filler)]);
}

function namespaceSlug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
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

function newCard(
  rng: SeededRandom,
  wallet: LedgerWallet,
  owner: LedgerCustomer | undefined,
  status: CardStatusText,
  statusCode: number,
  cardProductId: string,
): LedgerCard {
  const expiryDays = status === 'Expired' ? -rng.int(10, 400) : rng.int(200, 1400);
  return {
    walletNamespace: wallet.domainNamespace,
    cardProductId,
    cardNumber: luhnPan(rng, CARD_BIN),
    cardHolderName: owner ? `${owner.firstName} ${owner.lastName}` : wallet.domainNamespace,
    expiryDate: isoDate(SEED_EPOCH + expiryDays * DAY_MINUTES * 60_000),
    cvv: rng.digits(3),
    cardType: 'VISA',
    status,
    statusCode,
  };
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

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function failure(status: number, type: string, message: string): SandboxResponse {
  return { status, body: { errors: [{ type, message }] } };
}

/** A few of the reference's bodies carry the text under `error` rather than `message`. */
function failureWithErrorKey(status: number, type: string, error: string): SandboxResponse {
  return { status, body: { errors: [{ type, error }] } };
}

const detailsNotFound = (): SandboxResponse => failure(400, 'Not found', 'Details not found, Please make sure details are correct.');
const cardNotFound = (): SandboxResponse => failure(400, 'Not found', 'Card Details Not Found');
const invalidInput = (message: string): SandboxResponse => failure(400, 'catch', message);
const filterError = (message: string): SandboxResponse => failure(400, 'filterError', message);

function authenticate(options: LedgerSandboxOptions): (req: SandboxRequest) => SandboxResponse | undefined {
  return (req) => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '')?.[1];
    if (bearer !== options.apiKey) return failure(401, 'API Key', 'Invalid API Key');
    const tenant = header(req, 'x-tenant-id');
    if (!tenant) return failure(400, 'Tenant', 'Tenant Id is missing in Headers');
    if (tenant !== options.tenantId) return failure(403, 'Access control', 'Access denied for this resource');
    return undefined;
  };
}

/** The body as a JSON object; an empty body is `{}` so that field validation reports it. */
function readBody(req: SandboxRequest): { body: Json } | { error: SandboxResponse } {
  if (req.body.length === 0) return { body: {} };
  try {
    const parsed: unknown = JSON.parse(req.body.toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return { body: parsed as Json };
  } catch {
    // fall through
  }
  return { error: invalidInput('Invalid JSON body') };
}

function walletRef(get: (key: keyof WalletRef) => unknown): WalletRef {
  const ref: WalletRef = {};
  for (const key of ['walletAddress', 'nameSpace', 'customNameSpace'] as const) {
    const value = get(key);
    if (typeof value === 'string' && value !== '') ref[key] = value;
  }
  return ref;
}

const queryRef = (req: SandboxRequest): WalletRef => walletRef((key) => req.query.get(key));
const bodyRef = (body: Json): WalletRef => walletRef((key) => body[key]);

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isIsoDate(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && isoDate(ms) === value;
}

// --- customers ---

function customerDetails(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const customer = store.customer(req.params.customerAccountId ?? '');
  if (!customer) return failure(404, 'No data available', 'There is no such customer account in the given tenant id');
  const wallets = store.walletsOf(customer.customerAccountId).map(({ customerAccountId: _owner, ...wallet }) => wallet);
  const { idBadgeLogs, infoBadge, ...profile } = customer;
  return {
    status: 200,
    body: { message: 'Customer details fetched successfully', data: [{ ...profile, wallets, idBadgeLogs, infoBadge }] },
  };
}

// --- cards ---

function cardView(card: LedgerCard) {
  const { cardNumber, cardHolderName, expiryDate, cvv, cardType, status, statusCode } = card;
  return { cardNumber, cardHolderName, expiryDate, cvv, cardType, status, statusCode };
}

function cardDetails(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const wallet = store.findWallet(queryRef(req));
  const card = wallet && store.cardOf(wallet);
  if (!card) return detailsNotFound();
  return { status: 200, body: { message: 'Card details fetched successfully', data: cardView(card) } };
}

function eligibleCards(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  if (!store.findWallet(queryRef(req))) return detailsNotFound();
  return { status: 200, body: { message: 'Select available product options', data: [LEDGER_CARD_PRODUCT] } };
}

function requestCard(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const read = readBody(req);
  if ('error' in read) return read.error;
  const { body } = read;
  if (!isNonEmptyString(body.cardProductId)) return invalidInput('"cardProductId" must be a non-empty string');
  if (!isNonEmptyString(body.tokenSymbol)) return invalidInput('"tokenSymbol" must be a non-empty string');
  const wallet = store.findWallet(bodyRef(body));
  if (!wallet) return detailsNotFound();
  if (store.cardOf(wallet)) return failure(400, 'Duplicate', 'Card already exists for this wallet');
  if (body.cardProductId !== LEDGER_CARD_PRODUCT.cardProductId || body.tokenSymbol !== LEDGER_TOKEN_SYMBOL) {
    return detailsNotFound();
  }
  const card = store.issueCard(wallet, body.cardProductId);
  return { status: 201, body: { message: 'Debit card issued successfully', data: cardView(card) } };
}

type CardAction = 'block' | 'unblock' | 'lost' | 'stolen';

const ACTION_TARGET: Record<CardAction, CardStatusText> = {
  block: 'Temporary block',
  unblock: 'Active',
  lost: 'Lost',
  stolen: 'Stolen',
};
const TERMINAL_STATUSES: ReadonlySet<CardStatusText> = new Set(['Lost', 'Stolen', 'Expired']);
// block-unblock toggles only the customer's own temporary block: issuer-imposed statuses
// (Restricted, Decline all) and terminal ones are out of its reach.
const TOGGLEABLE_STATUSES: ReadonlySet<CardStatusText> = new Set(['Active', 'Temporary block']);

/** The status an action leads to, or undefined when the card's status forbids it. */
export function cardTransition(
  card: Pick<LedgerCard, 'status' | 'statusCode'>,
  action: CardAction,
): { status: CardStatusText; statusCode: number } | undefined {
  const target = ACTION_TARGET[action];
  // Repeating an action is harmless (a retried request) and keeps the card's own code (1140 …).
  if (card.status === target) return { status: card.status, statusCode: card.statusCode };
  const allowed = action === 'block' || action === 'unblock' ? TOGGLEABLE_STATUSES.has(card.status) : !TERMINAL_STATUSES.has(card.status);
  return allowed ? { status: target, statusCode: CARD_STATUS_CODES[target] } : undefined;
}

function applyCardAction(store: LedgerStore, body: Json, action: CardAction): SandboxResponse {
  const wallet = store.findWallet(bodyRef(body));
  const card = wallet && store.cardOf(wallet);
  if (!card) return cardNotFound();
  const next = cardTransition(card, action);
  if (!next) return invalidInput(`Card status cannot be changed from ${card.status}`);
  card.status = next.status;
  card.statusCode = next.statusCode;
  return { status: 200, body: { message: 'Card status updated successfully', data: next } };
}

function blockUnblock(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const read = readBody(req);
  if ('error' in read) return read.error;
  const { body } = read;
  if (typeof body.block !== 'boolean') return invalidInput('"block" must be a boolean');
  if (!isNonEmptyString(body.reason)) return invalidInput('"reason" must be a non-empty string');
  return applyCardAction(store, body, body.block ? 'block' : 'unblock');
}

function report(store: LedgerStore, req: SandboxRequest, action: 'lost' | 'stolen'): SandboxResponse {
  const read = readBody(req);
  if ('error' in read) return read.error;
  const { body } = read;
  if (!isNonEmptyString(body.reason)) return invalidInput('"reason" must be a non-empty string');
  if (!isIsoDate(body.reportDate)) return invalidInput('"reportDate" must be a date in YYYY-MM-DD format');
  return applyCardAction(store, body, action);
}

// --- transactions ---

export interface HistoryQuery {
  /** Inclusive bounds in epoch seconds. */
  from?: number;
  to?: number;
  sort: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

/** Seconds at the start of a `mm/dd/yyyy` day (UTC), or undefined when it is not a real date. */
function parseUsDate(text: string): number | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  if (!m) return undefined;
  const [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return ms / 1000;
}

function positiveInt(text: string | null, fallback: number): number | undefined {
  if (text === null || text === '') return fallback;
  return /^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : undefined;
}

/** The history filters, or the message of the filterError they deserve. */
export function parseHistoryQuery(query: URLSearchParams, chain: ChainType): HistoryQuery | string {
  const fail = (detail: string) => `Error in ${chain === 'on-chain' ? 'fetchOnChainTransactionHistory' : 'fetchOffChainTransactionHistory'}: ${detail}`;
  const bounds: { from?: number; to?: number } = {};
  for (const [key, field] of [['startdate', 'from'], ['enddate', 'to']] as const) {
    const text = query.get(key);
    if (text === null || text === '') continue;
    const seconds = parseUsDate(text);
    if (seconds === undefined) return fail(`${key} must be a date in mm/dd/yyyy format`);
    bounds[field] = field === 'to' ? seconds + 86_399 : seconds;
  }
  if (bounds.from !== undefined && bounds.to !== undefined && bounds.from > bounds.to) {
    return 'Start date can not be greater than the End date';
  }
  const sort = query.get('sort') || 'desc';
  if (sort !== 'asc' && sort !== 'desc') return fail('sort can only be asc || desc');
  const page = positiveInt(query.get('page'), 1);
  if (page === undefined) return fail('page must be a positive integer');
  const offset = positiveInt(query.get('offset'), LEDGER_DEFAULT_PAGE_SIZE);
  if (offset === undefined) return fail('offset must be a positive integer');
  return { ...bounds, sort, page, pageSize: Math.min(offset, LEDGER_MAX_PAGE_SIZE) };
}

/** Filters, orders (timestamp, then trxId, both in the requested direction) and pages. */
export function historyPage(items: readonly LedgerTransaction[], q: HistoryQuery): LedgerTransaction[] {
  const direction = q.sort === 'asc' ? 1 : -1;
  const compare = (a: LedgerTransaction, b: LedgerTransaction) =>
    direction * (Number(a.timestamp) - Number(b.timestamp) || (a.trxId < b.trxId ? -1 : a.trxId > b.trxId ? 1 : 0));
  const start = (q.page - 1) * q.pageSize;
  return items
    .filter((t) => (q.from === undefined || Number(t.timestamp) >= q.from) && (q.to === undefined || Number(t.timestamp) <= q.to))
    .sort(compare)
    .slice(start, start + q.pageSize);
}

function transactionHistory(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const identifier = req.params.identifier ?? '';
  const chain = req.params.type;
  if (chain !== 'on-chain' && chain !== 'off-chain') return filterError('type can only be on-chain || off-chain');
  const wallet = store.walletByIdentifier(identifier);
  if (!wallet) return failureWithErrorKey(400, 'Transaction error', `No address found for namespace ${identifier}`);
  const query = parseHistoryQuery(req.query, chain);
  if (typeof query === 'string') return filterError(query);
  return { status: 200, body: { data: historyPage(store.history(wallet, chain), query) } };
}

function balance(store: LedgerStore, req: SandboxRequest): SandboxResponse {
  const identifier = req.params.identifier ?? '';
  const wallet = store.walletByIdentifier(identifier);
  if (!wallet) return failureWithErrorKey(400, 'Client error', `Unable to fetch balance for address ${identifier}`);
  return { status: 200, body: { data: { accountBalance: store.balanceOf(wallet) } } };
}

function ledgerRoutes(store: LedgerStore): Route[] {
  const route = (method: string, pattern: string, handle: (store: LedgerStore, req: SandboxRequest) => SandboxResponse): Route => ({
    method,
    pattern,
    handler: (req) => handle(store, req),
  });
  return [
    route('GET', '/tenant/customer/customer-full-details/:customerAccountId', customerDetails),
    route('GET', '/cards/details', cardDetails),
    route('GET', '/cards/eligible-cards', eligibleCards),
    route('PATCH', '/cards/block-unblock', blockUnblock),
    route('POST', '/cards/report/lost', (s, req) => report(s, req, 'lost')),
    route('POST', '/cards/report/stolen', (s, req) => report(s, req, 'stolen')),
    route('POST', '/cards/request-card', requestCard),
    route('GET', '/transactions/identifier/:identifier/type/:type/history', transactionHistory),
    route('GET', '/transactions/:identifier/balance', balance),
  ];
}

export function createLedgerSandbox(options: LedgerSandboxOptions): LedgerSandbox {
  const store = new LedgerStore(options.tenantId, options.seed ?? DEFAULT_SEED);
  const server = new SandboxServer({
    name: 'ledger',
    routes: ledgerRoutes(store),
    baseLatencyMs: options.baseLatencyMs,
    authenticate: authenticate(options),
    notFound: () => failure(404, 'fetch', 'No data found'),
  });
  return { server, store, customerIds: store.customers.map((c) => c.customerAccountId) };
}
