/**
 * utgl's documented vocabulary (docs/utgl.txt; utgl.md "Errors", "Objects", "Endpoints"), as
 * `as const` lists. errors.ts and mapping.ts type their tables over these, so a value added
 * here does not compile until it is mapped.
 */

/** Every error code the provider documents. */
export const UTGL_ERROR_CODES = [
  'INVALID_PARAMETERS',
  'INVALID_ACCOUNT',
  'INVALID_CARD_ACCOUNT',
  'INSUFFICIENT_BALANCE',
  'INVALID_SIGNATURE',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMIT_EXCEEDED',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
] as const;
export type UtglErrorCode = (typeof UTGL_ERROR_CODES)[number];

/** Every `<status> <code>` row of the provider's error table (5xx: each status with each of its codes). */
export const UTGL_ERROR_ROWS = [
  '400 INVALID_PARAMETERS',
  '400 INVALID_ACCOUNT',
  '400 INVALID_CARD_ACCOUNT',
  '400 INSUFFICIENT_BALANCE',
  '401 INVALID_SIGNATURE',
  '403 FORBIDDEN',
  '404 NOT_FOUND',
  '404 INVALID_CARD_ACCOUNT',
  '409 INVALID_PARAMETERS',
  '409 CONFLICT',
  '429 RATE_LIMIT_EXCEEDED',
  '500 INTERNAL_ERROR',
  '500 SERVICE_UNAVAILABLE',
  '502 INTERNAL_ERROR',
  '502 SERVICE_UNAVAILABLE',
  '503 INTERNAL_ERROR',
  '503 SERVICE_UNAVAILABLE',
  '504 INTERNAL_ERROR',
  '504 SERVICE_UNAVAILABLE',
] as const satisfies ReadonlyArray<`${number} ${UtglErrorCode}`>;
export type UtglErrorRow = (typeof UTGL_ERROR_ROWS)[number];

/**
 * A card's `status`: the five `PATCH /v1/cards/{id}` sets, plus `expired` and `pending`. The
 * card object does not enumerate its statuses; those two are assumed (a card past its expiry
 * date, a card being issued) and the simulator uses them.
 */
export const UTGL_CARD_STATUSES = ['active', 'frozen', 'lost', 'stolen', 'closed', 'expired', 'pending'] as const;
export type UtglCardStatus = (typeof UTGL_CARD_STATUSES)[number];

/** What `PATCH /v1/cards/{id}` accepts. */
export type UtglSettableCardStatus = Exclude<UtglCardStatus, 'expired' | 'pending'>;

export const UTGL_CARD_TYPES = ['virtual', 'physical'] as const;
export type UtglCardType = (typeof UTGL_CARD_TYPES)[number];

/** A cardholder's `kyc_status`. */
export const UTGL_KYC_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type UtglKycStatus = (typeof UTGL_KYC_STATUSES)[number];

export const UTGL_TRANSACTION_TYPES = ['purchase', 'refund', 'transfer', 'fee'] as const;
export type UtglTransactionType = (typeof UTGL_TRANSACTION_TYPES)[number];

export const UTGL_TRANSACTION_STATUSES = ['pending', 'posted', 'declined', 'reversed'] as const;
export type UtglTransactionStatus = (typeof UTGL_TRANSACTION_STATUSES)[number];

export const UTGL_TRANSFER_STATUSES = ['pending', 'completed', 'failed'] as const;
export type UtglTransferStatus = (typeof UTGL_TRANSFER_STATUSES)[number];

/** `GET /v1/cards?ids=` takes at most this many ids per request ("batch, ≤100"). */
export const UTGL_MAX_BATCH_IDS = 100;
