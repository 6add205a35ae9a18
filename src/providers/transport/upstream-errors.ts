/**
 * Shared pieces of the providers' error mappings: building a gateway error from what a
 * provider answered, and the status-only fallback every mapping ends with (so an unknown
 * code under a known status is still classified, and a 5xx on a write is never a failure
 * the client may take as final: its outcome is unknown).
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import type { ProviderKey } from '../../core/provider-key.js';
import { parseRetryAfter, type RequestKind } from './retry-policy.js';

export interface UpstreamAnswer {
  provider: ProviderKey;
  status: number;
  /** The provider's machine-readable code, if it sent one. */
  code?: string;
  /** Already sanitised. */
  message: string;
  requestId?: string;
  retryAfterHeader?: string;
  /** What was asked: a write's 5xx leaves its outcome unknown. */
  requestKind: RequestKind;
}

export function upstreamError(code: ErrorCode, answer: UpstreamAnswer, message = answer.message): GatewayError {
  const retryAfterMs = parseRetryAfter(answer.retryAfterHeader);
  return new GatewayError(code, message, {
    provider: answer.provider,
    retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
    upstream: { status: answer.status, code: answer.code, requestId: answer.requestId },
  });
}

/** The classification of a status alone, for codes a provider's table does not list. */
function codeForStatus(status: number, kind: RequestKind): ErrorCode {
  if (status >= 500 && kind === 'write') return ErrorCode.OUTCOME_UNKNOWN;
  switch (status) {
    case 400:
    case 422:
      return ErrorCode.BAD_USER_INPUT;
    case 401:
    case 403:
      return ErrorCode.UPSTREAM_AUTH_FAILED;
    case 404:
    case 410:
      return ErrorCode.NOT_FOUND;
    case 409:
      return ErrorCode.CONFLICT;
    case 423:
      return ErrorCode.INVALID_STATE;
    case 429:
      return ErrorCode.RATE_LIMITED;
    case 500:
    case 502:
    case 503:
      return ErrorCode.UPSTREAM_UNAVAILABLE;
    case 504:
      return ErrorCode.UPSTREAM_TIMEOUT;
    default:
      return ErrorCode.UPSTREAM_ERROR;
  }
}

/**
 * In a provider's error table: the row is documented, and its status's classification
 * (`fallbackError`) is the right one for it.
 */
export const BY_STATUS = 'by status';

/** The fallback error for an answer: its status's classification. */
export function fallbackError(answer: UpstreamAnswer): GatewayError {
  const code = codeForStatus(answer.status, answer.requestKind);
  if (code === ErrorCode.OUTCOME_UNKNOWN) {
    return upstreamError(
      code,
      answer,
      `${answer.provider.toUpperCase()} answered ${answer.status} to a write; its outcome is unknown (${answer.message})`,
    );
  }
  return upstreamError(code, answer);
}
