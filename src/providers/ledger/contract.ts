/**
 * ledger's documented vocabulary (docs/ledger.txt, the provider's "Public API v2.8.0"
 * reference; ledger.md), as `as const` lists. errors.ts and mapping.ts type their tables over
 * these, so a value added here does not compile until it is mapped.
 */

/** Every `error_code` the reference shows. */
export const LEDGER_ERROR_CODES = ['ULOT0043', 'ULOT0044', 'ULOT0045', 'ULOT0046', 'ULOT0047', 'ULUP0001', 'ULDT2005'] as const;
export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

/**
 * Every error row the reference shows, as `<status> <type>` with the type lower-cased and
 * trimmed (the reference spells one type several ways: `catch`/`Catch`, `Add Fund `).
 */
export const LEDGER_ERROR_ROWS = [
  '400 add fund',
  '400 add wallet',
  '400 agreement',
  '400 bank-book',
  '400 catch',
  '400 challenge',
  '400 client error',
  '400 customer',
  '400 datavalidation',
  '400 deposit-tier2-failed',
  '400 documents',
  '400 duplicate',
  '400 email verification',
  '400 fetch',
  '400 filtererror',
  '400 finclusive',
  '400 identity',
  '400 invalid uuid',
  '400 missing data',
  '400 not found',
  '400 onboard',
  '400 onboard customer',
  '400 phone number verification',
  '400 pre auth',
  '400 redeem',
  '400 rule error',
  '400 rule failed',
  '400 tenant',
  '400 transaction error',
  '400 upgrade',
  '400 upgrade customer',
  '400 wallet user',
  '401 access denied',
  '401 api key',
  '401 challenge',
  '401 email verification',
  '401 not authorized',
  '403 access control',
  '403 phone number verification',
  '404 email verification',
  '404 fetch',
  '404 no data available',
  '404 no data found',
  '404 phone number verification',
  '409 email verification',
  '409 phone number verification',
  '429 email verification',
  '429 rate limit exceeded',
  '500 internal server error',
  '500 phone number verification',
] as const;
export type LedgerErrorRow = (typeof LEDGER_ERROR_ROWS)[number];

/** A card's numeric `statusCode`: every code the reference lists ("1000: Fully operational" …). */
export const LEDGER_CARD_STATUS_CODES = [1000, 1001, 1004, 1005, 1007, 1008, 1041, 1043, 1054, 1062, 1140, 1143, 1154] as const;
export type LedgerCardStatusCode = (typeof LEDGER_CARD_STATUS_CODES)[number];

/**
 * A card's `status` text, lower-cased: the texts ledger.md names (Active, Temporary block,
 * Lost, Stolen, Expired), and the texts of the status codes' descriptions that name a state
 * of their own (decline all, restricted). Read only when no `statusCode` is sent.
 */
export const LEDGER_CARD_STATUS_TEXTS = ['active', 'temporary block', 'decline all', 'lost', 'stolen', 'expired', 'restricted'] as const;
export type LedgerCardStatusText = (typeof LEDGER_CARD_STATUS_TEXTS)[number];

/**
 * A customer's `kycStatus`, upper-cased. The reference shows only `PENDING` (and `ACCEPTED`,
 * `APPROVED` as other statuses' values); the rest are assumed spellings of the review states.
 */
export const LEDGER_KYC_STATUSES = ['PENDING', 'SUBMITTED', 'IN_REVIEW', 'ACCEPTED', 'APPROVED', 'REJECTED', 'DENIED'] as const;
export type LedgerKycStatus = (typeof LEDGER_KYC_STATUSES)[number];

/**
 * A history item's `status`, lower-cased. The reference shows `Completed`; `success`,
 * `pending` and `failed` are assumed (a failed item is also flagged by `isError: "1"`).
 */
export const LEDGER_TRANSACTION_STATUSES = ['completed', 'success', 'pending', 'failed'] as const;
export type LedgerTransactionStatus = (typeof LEDGER_TRANSACTION_STATUSES)[number];
