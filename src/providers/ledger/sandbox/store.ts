/**
 * ledger's simulated state: the reference's records (customers, wallets, one debit card per
 * wallet, on/off-chain history) and the store the routes read and change.
 */
import { DAY_MINUTES, SEED_EPOCH, SeededRandom, luhnPan } from '../../../sandbox/random.js';

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

export const LEDGER_DEFAULT_SEED = 2;
export const LEDGER_TOKEN_SYMBOL = 'USBC';
export const LEDGER_DEFAULT_PAGE_SIZE = 12;
export const LEDGER_MAX_PAGE_SIZE = 100;
const CARD_BIN = '421922';

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
  /** Seeding and issuance draw from this one sequence, so every start holds the same data. */
  readonly rng: SeededRandom;

  constructor(tenantId: string, seed: number = LEDGER_DEFAULT_SEED) {
    this.tenantName = tenantId;
    this.rng = new SeededRandom(seed);
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


/** A card for `wallet`, drawn from `rng` (seeding and issuance alike). */
export function newCard(
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

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
