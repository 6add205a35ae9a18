/**
 * corporate's documented error vocabulary (docs/corporate.txt, corporate.md "Errors"), with
 * the status the provider documents for each: one table for the simulator, which answers
 * with these statuses, and for `errors.ts`, which classifies them.
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
