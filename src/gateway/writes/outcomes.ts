/**
 * How a write's failure is recorded: a definitive refusal (replayed as the same error), a
 * refusal before anything reached the provider (free to retry), or an uncertain outcome (to
 * reconcile, never to resend blindly). And the errors the engine itself answers with.
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import type { ProviderKey } from '../../core/provider-key.js';
import type { Outcome, StoredError } from '../../store/state-store.js';

/** Codes that mean the provider definitively refused: replayed as they are. */
const DEFINITIVE = new Set<ErrorCode>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.INSUFFICIENT_FUNDS,
  ErrorCode.INVALID_STATE,
  ErrorCode.COMPLIANCE_LOCKED,
  ErrorCode.LIMIT_EXCEEDED,
  ErrorCode.UNSUPPORTED_BY_PROVIDER,
  ErrorCode.FORBIDDEN,
]);

/**
 * Codes that mean nothing happened upstream: refused by the gateway's own guards (circuit,
 * bulkhead, rate limit) or the provider's authentication. A timeout or unreachable provider
 * after the request could have been received is OUTCOME_UNKNOWN already (the transport
 * decides by whether it was sent).
 */
const NOTHING_HAPPENED = new Set<ErrorCode>([
  ErrorCode.RATE_LIMITED,
  ErrorCode.UPSTREAM_UNAVAILABLE,
  ErrorCode.UPSTREAM_TIMEOUT,
  ErrorCode.UPSTREAM_AUTH_FAILED,
  ErrorCode.UNAUTHENTICATED,
]);

export type FailureStatus = Exclude<Outcome['status'], 'SUCCEEDED'>;

export function statusOf(error: unknown): FailureStatus {
  if (!(error instanceof GatewayError)) return 'OUTCOME_UNKNOWN';
  if (DEFINITIVE.has(error.code)) return 'FAILED';
  if (NOTHING_HAPPENED.has(error.code) && (error.upstream?.status === undefined || error.upstream.status < 500)) return 'NOT_SENT';
  // Anything else on a write (an unclassified answer, an internal failure) may have acted.
  return 'OUTCOME_UNKNOWN';
}

export function storedError(error: GatewayError): StoredError {
  return { code: error.code, message: error.message, provider: error.provider, upstream: error.upstream };
}

export function fromStored(error: StoredError): GatewayError {
  return new GatewayError(error.code, error.message, { provider: error.provider, upstream: error.upstream });
}

export function idempotencyConflict(key: string): GatewayError {
  return new GatewayError(ErrorCode.IDEMPOTENCY_CONFLICT, `The idempotency key ${key} was already used with a different input`);
}

/** The store refused the write-ahead: nothing was sent, so the client may simply retry. */
export function notRecorded(provider: ProviderKey): GatewayError {
  return new GatewayError(
    ErrorCode.INTERNAL_SERVER_ERROR,
    `The gateway could not record the mutation before sending it, so nothing was sent to ${provider.toUpperCase()}. Retry with the same idempotency key.`,
    { provider, retryable: true, retryAfterSeconds: 1 },
  );
}

/** Whole seconds until `leftMs` has passed (at least 1): what `retryAfterSeconds` says. */
const secondsLeft = (leftMs: number) => Math.max(1, Math.ceil(leftMs / 1000));

/** An earlier attempt may still land: answered without sending anything. */
export function stillSettling(provider: ProviderKey, mutation: string, leftMs: number): GatewayError {
  const seconds = secondsLeft(leftMs);
  return new GatewayError(
    ErrorCode.OUTCOME_UNKNOWN,
    `An earlier attempt of this ${mutation} may still be processed by ${provider.toUpperCase()}: nothing was sent again. Resubmit the same idempotency key after ${seconds} s to learn its outcome.`,
    { provider, retryable: true, retryAfterSeconds: seconds },
  );
}

/**
 * The first answer of an attempt whose outcome is unknown: retryable under the same key (the
 * resubmit reconciles, never resends blindly), after the time the attempt may still land.
 */
export function resubmitAfter(error: GatewayError, leftMs: number): GatewayError {
  return error.with({ retryable: true, retryAfterSeconds: secondsLeft(leftMs) });
}

export function cannotLookUp(provider: ProviderKey, mutation: string): GatewayError {
  return new GatewayError(
    ErrorCode.OUTCOME_UNKNOWN,
    `The earlier ${mutation} may have reached ${provider.toUpperCase()}, which offers no way to look it up: it is not sent again. Check with the provider before retrying under a new key.`,
    { provider },
  );
}
