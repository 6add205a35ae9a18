/**
 * pushpull's documented vocabulary (docs/pushpull.txt, its status-code page; pushpull.md
 * "Errors", "Objects"), as `as const` lists. errors.ts and mapping.ts type their tables over
 * these, so a value added here does not compile until it is mapped.
 */

/** Every status the status-code page lists besides the successes 200 and 201. */
export const PUSHPULL_ERROR_STATUSES = [
  207, 400, 401, 403, 404, 405, 406, 409, 410, 415, 421, 422, 423, 429, 431, 500, 502, 503, 504,
] as const;
export type PushpullErrorStatus = (typeof PUSHPULL_ERROR_STATUSES)[number];

/** The `<Code>` of the XML body pushpull's IP allow-list answers with. */
export const IP_NOT_ALLOWED_CODE = 'IPNotAllowed';

/** A card account's `status` (deleted accounts answer 410 and are not listed). */
export const PUSHPULL_ACCOUNT_STATUSES = ['active', 'deleted'] as const;
export type PushpullAccountStatus = (typeof PUSHPULL_ACCOUNT_STATUSES)[number];

/**
 * A transaction's `type`. The transaction object does not enumerate it; `CreateTransaction`
 * takes `push` or `pull`, and a transaction is read back with the type it was created with.
 */
export const PUSHPULL_TRANSACTION_TYPES = ['push', 'pull'] as const;
export type PushpullTransactionType = (typeof PUSHPULL_TRANSACTION_TYPES)[number];

/** A transaction's `status` (`unknown`: what a 207 left behind). */
export const PUSHPULL_TRANSACTION_STATUSES = ['completed', 'pending', 'failed', 'unknown'] as const;
export type PushpullTransactionStatus = (typeof PUSHPULL_TRANSACTION_STATUSES)[number];
