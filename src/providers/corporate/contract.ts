/**
 * corporate's documented vocabulary (docs/corporate.txt; corporate.md "Errors", "Objects"),
 * as `as const` tables and lists. The error tables carry the status the provider documents
 * for each error: the simulator answers with these statuses, and errors.ts classifies them.
 * errors.ts and mapping.ts type their tables over these, so a value added here does not
 * compile until it is mapped.
 */

/** Every documented slug, with the status the provider documents for it. */
export const CORPORATE_ERROR_SLUGS = {
  invalid_request: 400,
  invalid_amount: 400,
  idempotency_key_required: 400,
  insufficient_funds: 403,
  user_not_found: 404,
  card_not_found: 404,
  cardholder_not_found: 404,
  order_not_found: 404,
  external_user_id_exists: 409,
  cardholder_already_exists: 409,
  card_not_active: 422,
  card_user_mismatch: 422,
  internal_error: 500,
  provider_error: 502,
  topup_attempts_exceeded: 503,
} as const;

export type CorporateErrorSlug = keyof typeof CORPORATE_ERROR_SLUGS;

/** Every documented plain message, with its status. */
export const CORPORATE_PLAIN_ERRORS = {
  'API key not found': 404,
  'You do not have access to this API.': 403,
  'Encrypted payload not found': 400,
  'Invalid encrypted payload format': 400,
  'Request timestamp not found in encrypted payload': 400,
  'Invalid timestamp format': 400,
  'Request timestamp outside allowed window': 400,
  'Duplicate request detected': 400,
} as const;

export type CorporatePlainError = keyof typeof CORPORATE_PLAIN_ERRORS;

/** A card's `status` (`inactive`: issued, not yet activated). */
export const CORPORATE_CARD_STATUSES = ['active', 'frozen', 'inactive', 'closed'] as const;
export type CorporateCardStatus = (typeof CORPORATE_CARD_STATUSES)[number];

/** A cardholder's `kyc_status`. */
export const CORPORATE_KYC_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type CorporateKycStatus = (typeof CORPORATE_KYC_STATUSES)[number];

export const CORPORATE_TRANSACTION_TYPES = ['purchase', 'refund', 'topup', 'fee'] as const;
export type CorporateTransactionType = (typeof CORPORATE_TRANSACTION_TYPES)[number];

export const CORPORATE_TRANSACTION_STATUSES = ['pending', 'completed', 'declined', 'reversed'] as const;
export type CorporateTransactionStatus = (typeof CORPORATE_TRANSACTION_STATUSES)[number];

/** An order's `type`. */
export const CORPORATE_ORDER_TYPES = ['card_issue', 'topup'] as const;
export type CorporateOrderType = (typeof CORPORATE_ORDER_TYPES)[number];

/** An order's `status`: "orders move through predictable states" (pending → processing → completed | failed). */
export const CORPORATE_ORDER_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type CorporateOrderStatus = (typeof CORPORATE_ORDER_STATUSES)[number];
