/**
 * baas's documented vocabulary (docs/baas.txt; baas.md "Envelope", "Objects"), as `as const`
 * lists. errors.ts and mapping.ts type their tables over these, so a value added here does
 * not compile until it is mapped.
 */

/** Every error status of the documentation's status table. */
export const BAAS_ERROR_STATUSES = [400, 401, 403, 404, 409, 422, 429, 500, 502, 503] as const;
export type BaasErrorStatus = (typeof BAAS_ERROR_STATUSES)[number];

/** The error `code`s it documents (only one). */
export const BAAS_ERROR_CODES = ['insufficient_funds'] as const;
export type BaasErrorCode = (typeof BAAS_ERROR_CODES)[number];

/** A cardholder's `complianceStatus`. */
export const BAAS_COMPLIANCE_STATUSES = ['draft', 'submitted', 'under_review', 'approved', 'rejected'] as const;
export type BaasComplianceStatus = (typeof BAAS_COMPLIANCE_STATUSES)[number];

/** A card's `status`; a `blocked` card also has a `blockReason`. */
export const BAAS_CARD_STATUSES = ['active', 'frozen', 'blocked', 'expired'] as const;
export type BaasCardStatus = (typeof BAAS_CARD_STATUSES)[number];

/** A blocked card's `blockReason` (also what `POST /cards/{id}/block` takes as `reason`). */
export const BAAS_BLOCK_REASONS = ['lost', 'stolen', 'fraud'] as const;
export type BaasBlockReason = (typeof BAAS_BLOCK_REASONS)[number];

export const BAAS_CARD_TYPES = ['virtual', 'physical'] as const;
export type BaasCardType = (typeof BAAS_CARD_TYPES)[number];

/** A transaction's `kind`. */
export const BAAS_TRANSACTION_KINDS = ['purchase', 'refund', 'deposit', 'transfer_in', 'transfer_out', 'fee'] as const;
export type BaasTransactionKind = (typeof BAAS_TRANSACTION_KINDS)[number];

/**
 * A transaction's `status`. The contract does not describe the deposit and transfer objects
 * of `bank-deposit` and `POST /wallets/transfer`; their `status` is read with these values.
 */
export const BAAS_TRANSACTION_STATUSES = ['pending', 'settled', 'declined', 'reversed'] as const;
export type BaasTransactionStatus = (typeof BAAS_TRANSACTION_STATUSES)[number];
