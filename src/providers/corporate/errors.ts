/**
 * corporate's error answers → gateway errors: one exhaustive table over every error slug and
 * every plain (unencrypted) message the provider documents (docs/corporate.txt, corporate.md
 * "Errors"), then the shared status fallback for anything it does not list.
 *
 * Two shapes reach here (the client tells them apart):
 * - the standard error object, inside the encrypted body: `{success:false, error, error_slug}`;
 * - the plain `{error: "<message>"}` of the authentication and envelope checks, sent before the
 *   provider could (or would) encrypt anything.
 * The slug, or the plain message, decides; the HTTP status only when neither is known.
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import { fallbackError, upstreamError, type UpstreamAnswer } from '../transport/upstream-errors.js';
import { CORPORATE_ERROR_SLUGS, CORPORATE_PLAIN_ERRORS, type CorporateErrorSlug, type CorporatePlainError } from './contract.js';

/**
 * How one documented error is classified:
 * - an `ErrorCode`, with an optional message of the gateway's own (for errors whose upstream
 *   text would mislead a client: they are about the gateway, not the request);
 * - `fallback`: the shared status classification (a 5xx on a write is OUTCOME_UNKNOWN);
 * - `replay`: the replay check, whose retry safety depends on the operation.
 */
type Rule =
  | { code: ErrorCode; message?: string; retryable?: boolean }
  | { fallback: true }
  | { replay: true };

const FALLBACK: Rule = { fallback: true };
const ENVELOPE_BUG = (what: string): Rule => ({
  code: ErrorCode.UPSTREAM_ERROR,
  message: `CORPORATE refused the gateway's request envelope (${what}): a gateway defect, not the caller's`,
});

const SLUG_RULES = {
  // The payload carries the caller's arguments (ids, amounts, page sizes): theirs to fix.
  invalid_request: { code: ErrorCode.BAD_USER_INPUT },
  invalid_amount: { code: ErrorCode.BAD_USER_INPUT },
  // The gateway sends an Idempotency-Key on every create/top-up; its absence is our defect.
  idempotency_key_required: {
    code: ErrorCode.UPSTREAM_ERROR,
    message: 'CORPORATE says the gateway sent no Idempotency-Key: a gateway defect, not the caller\'s',
  },
  // A 403, but about money, not access: the slug decides, not the status.
  insufficient_funds: { code: ErrorCode.INSUFFICIENT_FUNDS },
  user_not_found: { code: ErrorCode.NOT_FOUND },
  card_not_found: { code: ErrorCode.NOT_FOUND },
  cardholder_not_found: { code: ErrorCode.NOT_FOUND },
  order_not_found: { code: ErrorCode.NOT_FOUND },
  external_user_id_exists: { code: ErrorCode.CONFLICT },
  cardholder_already_exists: { code: ErrorCode.CONFLICT },
  card_not_active: { code: ErrorCode.INVALID_STATE },
  // The card exists but is another user's: answered as if absent, so that an id cannot be
  // used to probe which cards exist under other users.
  card_user_mismatch: { code: ErrorCode.NOT_FOUND, message: 'The card was not found for this user' },
  // Server failures: UPSTREAM_UNAVAILABLE on reads (retried), OUTCOME_UNKNOWN on writes.
  internal_error: FALLBACK,
  provider_error: FALLBACK,
  // The provider gave up on the top-up itself ("Try again later"): a definite refusal, not an
  // unknown outcome, so it is safe for the caller to try again later.
  topup_attempts_exceeded: { code: ErrorCode.LIMIT_EXCEEDED, retryable: true },
} satisfies Record<CorporateErrorSlug, Rule>;

const PLAIN_RULES = {
  // The gateway's own credentials: operators must fix CORPORATE_API_KEY (ARCHITECTURE.md, "Errors").
  'API key not found': {
    code: ErrorCode.UPSTREAM_AUTH_FAILED,
    message: 'CORPORATE does not know the gateway\'s API key (API key not found): check CORPORATE_API_KEY',
  },
  'You do not have access to this API.': {
    code: ErrorCode.UPSTREAM_AUTH_FAILED,
    message: 'CORPORATE denied the gateway\'s API key access to this API: the account needs access enabled',
  },
  'Encrypted payload not found': ENVELOPE_BUG('Encrypted payload not found'),
  // Our envelopes are tested against the provider's format, so the one way a correct client
  // gets this answer is a CORPORATE_SECRET_KEY that differs from the provider's: the
  // provider cannot authenticate the box. That is the gateway's credential, like the API key.
  'Invalid encrypted payload format': {
    code: ErrorCode.UPSTREAM_AUTH_FAILED,
    message:
      'CORPORATE could not decrypt the gateway\'s request (Invalid encrypted payload format): CORPORATE_SECRET_KEY most likely differs from the provider\'s key',
  },
  'Request timestamp not found in encrypted payload': ENVELOPE_BUG('Request timestamp not found in encrypted payload'),
  'Invalid timestamp format': ENVELOPE_BUG('Invalid timestamp format'),
  // Our timestamp is the host clock: more than 30 s off the provider's is a skewed clock that
  // every request will hit until an operator fixes it; retrying cannot help.
  'Request timestamp outside allowed window': {
    code: ErrorCode.UPSTREAM_AUTH_FAILED,
    message:
      'CORPORATE rejected the request timestamp as outside its 30 s window: the gateway host clock is skewed (check NTP)',
  },
  'Duplicate request detected': { replay: true },
} satisfies Record<CorporatePlainError, Rule>;

function isCorporateErrorSlug(value: unknown): value is CorporateErrorSlug {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CORPORATE_ERROR_SLUGS, value);
}

function isCorporatePlainError(value: unknown): value is CorporatePlainError {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CORPORATE_PLAIN_ERRORS, value);
}

/** What the client found in an error answer. */
export type CorporateErrorBody =
  | { kind: 'standard'; slug: string }
  | { kind: 'plain'; message: string }
  | { kind: 'none' };

function apply(rule: Rule, answer: UpstreamAnswer): GatewayError {
  if ('fallback' in rule) return fallbackError(answer);
  if ('replay' in rule) {
    // Each attempt of a read carries a fresh timestamp, so sending it again is safe and fixes
    // it. A write is never resent blindly: the first copy may have been executed.
    const read = answer.requestKind === 'read';
    const { code, message, provider, retryAfterSeconds, upstream } = upstreamError(
      ErrorCode.UPSTREAM_ERROR,
      answer,
      read
        ? 'CORPORATE took the request for a replay (Duplicate request detected); asking again sends a fresh timestamp'
        : 'CORPORATE took the write for a replay (Duplicate request detected); it was not resent. Look the operation up before retrying',
    );
    return new ReplayRejection(code, message, { provider, retryAfterSeconds, upstream, retryable: read });
  }
  const error = upstreamError(rule.code, answer, rule.message ?? rejectionMessage(rule.code, answer.message));
  return rule.retryable === undefined ? error : error.with({ retryable: rule.retryable });
}

function rejectionMessage(code: ErrorCode, message: string): string {
  return code === ErrorCode.BAD_USER_INPUT ? `CORPORATE rejected the request: ${message}` : message;
}

/** The one mapping: slug or plain message first, then the status. */
export function mapCorporateError(answer: UpstreamAnswer, body: CorporateErrorBody): GatewayError {
  if (body.kind === 'standard' && isCorporateErrorSlug(body.slug)) return apply(SLUG_RULES[body.slug], answer);
  if (body.kind === 'plain' && isCorporatePlainError(body.message)) return apply(PLAIN_RULES[body.message], answer);
  return fallbackError(answer);
}

/**
 * The replay check's answer, as `mapCorporateError` makes it: a class of its own, because
 * its message is no contract and the client must recognise it (it resends a read once).
 */
export class ReplayRejection extends GatewayError {}

/** The error is the provider's replay check (the client resends a read once on it). */
export function isDuplicateRequest(error: unknown): error is ReplayRejection {
  return error instanceof ReplayRejection;
}
