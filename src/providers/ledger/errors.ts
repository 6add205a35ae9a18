/**
 * ledger's error answers → gateway errors. The reference (docs/ledger.txt) identifies errors
 * by `type` under each status, a few also by `error_code`; this is one table over every pair
 * it lists (contract.ts), most mapped to a code of their own, the rest to their status's
 * classification, then the shared status fallback for anything it does not list.
 * Notably a missing card is a 400 "Not found" (not a 404).
 */
import { ErrorCode, type GatewayError } from '../../core/errors.js';
import { BY_STATUS, fallbackError, upstreamError, type UpstreamAnswer } from '../transport/upstream-errors.js';
import { documented } from '../transport/upstream-shape.js';
import type { LedgerErrorCode, LedgerErrorRow } from './contract.js';
import { sanitizeUpstreamMessage } from '../transport/http.js';

/** `error_code` → gateway code; these win over the type. */
const BY_ERROR_CODE = {
  ULOT0043: ErrorCode.CONFLICT, // blockchain address already exists
  ULOT0044: ErrorCode.CONFLICT, // custom namespace already exists
  ULOT0045: ErrorCode.CONFLICT, // customer already onboarded
  ULOT0046: ErrorCode.BAD_USER_INPUT, // missing identification parameters
  ULOT0047: ErrorCode.BAD_USER_INPUT, // badge allocation denied (denial_reason says why)
  ULUP0001: ErrorCode.UPSTREAM_ERROR, // failed to update badge
  ULDT2005: ErrorCode.LIMIT_EXCEEDED, // monthly deposit count limit
} satisfies Record<LedgerErrorCode, ErrorCode>;

/** `<status> <type, lower-case, trimmed>` → gateway code. */
const BY_TYPE = {
  '400 not found': ErrorCode.NOT_FOUND,
  '400 transaction error': ErrorCode.NOT_FOUND, // unknown identifier / not this tenant's
  '400 client error': ErrorCode.NOT_FOUND, // balance of an unknown identifier
  '400 filtererror': ErrorCode.BAD_USER_INPUT,
  '400 datavalidation': ErrorCode.BAD_USER_INPUT,
  '400 missing data': ErrorCode.BAD_USER_INPUT,
  '400 customer': ErrorCode.BAD_USER_INPUT,
  '400 documents': ErrorCode.BAD_USER_INPUT,
  '400 onboard customer': ErrorCode.BAD_USER_INPUT,
  '400 add wallet': ErrorCode.BAD_USER_INPUT,
  '400 add fund': ErrorCode.BAD_USER_INPUT,
  '400 redeem': ErrorCode.BAD_USER_INPUT,
  '400 email verification': ErrorCode.BAD_USER_INPUT,
  '400 phone number verification': ErrorCode.BAD_USER_INPUT,
  '400 challenge': ErrorCode.BAD_USER_INPUT,
  '400 duplicate': ErrorCode.CONFLICT,
  '400 onboard': ErrorCode.CONFLICT,
  '400 upgrade': ErrorCode.INVALID_STATE,
  '400 upgrade customer': ErrorCode.INVALID_STATE,
  '400 rule failed': ErrorCode.INVALID_STATE,
  '400 rule error': ErrorCode.INVALID_STATE,
  '400 deposit-tier2-failed': ErrorCode.LIMIT_EXCEEDED,
  // The gateway's tenant header or tenant account: its configuration, not the client.
  '400 tenant': ErrorCode.UPSTREAM_AUTH_FAILED,
  '400 invalid uuid': ErrorCode.UPSTREAM_AUTH_FAILED,
  '400 pre auth': ErrorCode.UPSTREAM_AUTH_FAILED,
  '400 catch': ErrorCode.UPSTREAM_ERROR,
  '400 fetch': ErrorCode.UPSTREAM_ERROR,
  '400 agreement': ErrorCode.UPSTREAM_ERROR,
  '400 finclusive': ErrorCode.UPSTREAM_ERROR,
  '400 bank-book': ErrorCode.UPSTREAM_ERROR,
  '400 identity': ErrorCode.UPSTREAM_ERROR,
  '400 wallet user': ErrorCode.UPSTREAM_ERROR,
  '401 api key': ErrorCode.UPSTREAM_AUTH_FAILED,
  // A customer's signature, nonce or OTP (endpoints the gateway does not call): by status.
  '401 challenge': BY_STATUS,
  '401 email verification': BY_STATUS,
  '401 not authorized': ErrorCode.UPSTREAM_AUTH_FAILED,
  '401 access denied': ErrorCode.UPSTREAM_AUTH_FAILED,
  '403 access control': ErrorCode.UPSTREAM_AUTH_FAILED,
  '403 phone number verification': ErrorCode.LIMIT_EXCEEDED,
  '404 email verification': BY_STATUS,
  '404 phone number verification': BY_STATUS,
  '404 no data available': ErrorCode.NOT_FOUND,
  '404 no data found': ErrorCode.NOT_FOUND,
  '404 fetch': ErrorCode.NOT_FOUND,
  '409 email verification': ErrorCode.CONFLICT,
  '409 phone number verification': ErrorCode.CONFLICT,
  '429 rate limit exceeded': ErrorCode.RATE_LIMITED,
  '429 email verification': ErrorCode.RATE_LIMITED,
  // Server failures (mapLedgerError classifies every 5xx by status before the table).
  '500 internal server error': BY_STATUS,
  '500 phone number verification': BY_STATUS,
} satisfies Record<LedgerErrorRow, ErrorCode | typeof BY_STATUS>;

/**
 * Messages that decide under a generic type. The reference's generic `catch` type carries
 * whatever the server threw; a card status change the card's state forbids (e.g. unblocking
 * a card reported lost or stolen) is answered that way — `400 catch "Card status cannot be
 * changed from Lost"` — and is the object's state, not a provider failure.
 */
const LEDGER_ERROR_MESSAGES: ReadonlyArray<{ status: number; pattern: RegExp; code: ErrorCode }> = [
  { status: 400, pattern: /card status cannot be changed/i, code: ErrorCode.INVALID_STATE },
];

export interface LedgerErrorEntry {
  type?: string;
  message: string;
  errorCode?: string;
}

/** The first entry of any error shape the reference shows, its message made safe to show. */
export function firstErrorEntry(body: unknown, status: number): LedgerErrorEntry {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  const first = (Array.isArray(errors) ? errors[0] : errors) as Record<string, unknown> | undefined;
  const fallback = `LEDGER answered ${status}`;
  if (!first || typeof first !== 'object') return { message: fallback };
  return {
    type: typeof first.type === 'string' ? first.type : undefined,
    message: sanitizeUpstreamMessage(first.message ?? first.error, fallback),
    errorCode: typeof first.error_code === 'string' ? first.error_code : undefined,
  };
}

export function mapLedgerError(answer: UpstreamAnswer, entry: LedgerErrorEntry): GatewayError {
  if (answer.status >= 500) return fallbackError(answer);
  // Whatever its type, a missing tenant header is the gateway's configuration.
  if (/tenant id is missing/i.test(entry.message)) return upstreamError(ErrorCode.UPSTREAM_AUTH_FAILED, answer);
  const byCode = documented(BY_ERROR_CODE, entry.errorCode);
  const byType = entry.type ? documented(BY_TYPE, `${answer.status} ${entry.type.trim().toLowerCase()}`) : undefined;
  const byMessage = LEDGER_ERROR_MESSAGES.find((rule) => rule.status === answer.status && rule.pattern.test(entry.message))?.code;
  const code = byCode ?? byMessage ?? byType;
  return code === undefined || code === BY_STATUS ? fallbackError(answer) : upstreamError(code, answer);
}
