/**
 * utgl's error answers → gateway errors: one exhaustive table of the statuses and codes its
 * documentation lists (contract.ts: docs/utgl.txt, utgl.md "Errors"), then the shared status
 * fallback for anything it does not list.
 */
import { ErrorCode, type GatewayError } from '../../core/errors.js';
import { BY_STATUS, fallbackError, upstreamError, type UpstreamAnswer } from '../transport/upstream-errors.js';
import { documented } from '../transport/upstream-shape.js';
import type { UtglErrorRow } from './contract.js';
import { tryParseJson, type ErrorBodyFields } from '../transport/http.js';

/** `{code, message, details?}`, read leniently: any part may be missing, the body may not be JSON. */
export function readErrorBody(raw: Buffer): ErrorBodyFields {
  const body = tryParseJson(raw) as { code?: unknown; message?: unknown } | undefined;
  return { code: typeof body?.code === 'string' ? body.code : undefined, message: body?.message };
}

/** `<status> <code>` → gateway code, for every row of the provider's table. */
const TABLE = {
  '400 INVALID_PARAMETERS': ErrorCode.BAD_USER_INPUT,
  '400 INVALID_ACCOUNT': ErrorCode.BAD_USER_INPUT,
  '400 INVALID_CARD_ACCOUNT': ErrorCode.BAD_USER_INPUT,
  '400 INSUFFICIENT_BALANCE': ErrorCode.INSUFFICIENT_FUNDS,
  // The provider rejected the gateway's own signature or credentials: not the client's fault.
  '401 INVALID_SIGNATURE': ErrorCode.UPSTREAM_AUTH_FAILED,
  // Inactive account, feature not subscribed, IP not whitelisted: the gateway's account.
  '403 FORBIDDEN': ErrorCode.UPSTREAM_AUTH_FAILED,
  '404 NOT_FOUND': ErrorCode.NOT_FOUND,
  '404 INVALID_CARD_ACCOUNT': ErrorCode.NOT_FOUND,
  // A reused reference (or idempotency key with another body).
  '409 INVALID_PARAMETERS': ErrorCode.CONFLICT,
  // A change the object's current state forbids, e.g. from a terminal card status.
  '409 CONFLICT': ErrorCode.INVALID_STATE,
  '429 RATE_LIMIT_EXCEEDED': ErrorCode.RATE_LIMITED,
  // Server failures, whatever the code: UPSTREAM_UNAVAILABLE/TIMEOUT on reads, OUTCOME_UNKNOWN on writes.
  '500 INTERNAL_ERROR': BY_STATUS,
  '500 SERVICE_UNAVAILABLE': BY_STATUS,
  '502 INTERNAL_ERROR': BY_STATUS,
  '502 SERVICE_UNAVAILABLE': BY_STATUS,
  '503 INTERNAL_ERROR': BY_STATUS,
  '503 SERVICE_UNAVAILABLE': BY_STATUS,
  '504 INTERNAL_ERROR': BY_STATUS,
  '504 SERVICE_UNAVAILABLE': BY_STATUS,
} satisfies Record<UtglErrorRow, ErrorCode | typeof BY_STATUS>;

export function mapUtglError(answer: UpstreamAnswer): GatewayError {
  // A 5xx, whatever its code, is classified by status: on a write the outcome is unknown.
  if (answer.status >= 500) return fallbackError(answer);
  const code = answer.code ? documented(TABLE, `${answer.status} ${answer.code}`) : undefined;
  if (code === undefined || code === BY_STATUS) return fallbackError(answer);
  if (code === ErrorCode.BAD_USER_INPUT) {
    return upstreamError(code, answer, `UTGL rejected the request: ${answer.message}`);
  }
  return upstreamError(code, answer);
}
