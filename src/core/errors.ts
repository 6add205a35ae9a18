/**
 * The gateway's error model. Every failure that reaches a client is a `GatewayError` with a
 * code from the closed `ErrorCode` set; `extensionsOf` gives the `extensions` every answer
 * carries, as ARCHITECTURE.md ("Errors") lays out. Anything else is masked as INTERNAL_SERVER_ERROR.
 */
import type { ProviderKey } from './provider-key.js';
import { redact } from './redact.js';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  IDEMPOTENCY_CONFLICT = 'IDEMPOTENCY_CONFLICT',
  INSUFFICIENT_FUNDS = 'INSUFFICIENT_FUNDS',
  INVALID_STATE = 'INVALID_STATE',
  COMPLIANCE_LOCKED = 'COMPLIANCE_LOCKED',
  LIMIT_EXCEEDED = 'LIMIT_EXCEEDED',
  UNSUPPORTED_BY_PROVIDER = 'UNSUPPORTED_BY_PROVIDER',
  RATE_LIMITED = 'RATE_LIMITED',
  UPSTREAM_AUTH_FAILED = 'UPSTREAM_AUTH_FAILED',
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  OUTCOME_UNKNOWN = 'OUTCOME_UNKNOWN',
  UPSTREAM_ERROR = 'UPSTREAM_ERROR',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  // The automatic persisted queries protocol's own codes, kept as the protocol names them so
  // APQ clients (Apollo Client's persisted-queries link, Relay, urql) recognise them.
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
}

/** Descriptions published with the enum in the schema. */
export const ERROR_CODE_DESCRIPTIONS = {
  BAD_USER_INPUT: 'An argument is missing, malformed or out of range; the message names it. Fix the request.',
  UNAUTHENTICATED: 'The request carries no valid credentials for the gateway.',
  FORBIDDEN: 'The caller is authenticated but may not do this.',
  NOT_FOUND: 'The object does not exist (or is not visible to the caller).',
  CONFLICT: 'The request conflicts with existing state (e.g. a duplicate reference).',
  IDEMPOTENCY_CONFLICT: 'The idempotency key was already used with a different input.',
  INSUFFICIENT_FUNDS: 'The funding source does not hold enough money.',
  INVALID_STATE: 'The object is in a state that does not allow this operation (e.g. unfreezing a lost card).',
  COMPLIANCE_LOCKED: 'The fields are locked while the cardholder is under compliance review or approved.',
  LIMIT_EXCEEDED: 'A transaction, daily or velocity limit at the provider was reached.',
  UNSUPPORTED_BY_PROVIDER: 'The provider holding this object cannot perform this operation; see `providers` for capabilities.',
  RATE_LIMITED: 'Too many requests; retry after `retryAfterSeconds`.',
  UPSTREAM_AUTH_FAILED: "The provider rejected the gateway's own credentials (not the caller's). Operators must fix the configuration.",
  UPSTREAM_UNAVAILABLE: 'The provider could not be reached or answered that it is unavailable. Retryable.',
  UPSTREAM_TIMEOUT: 'The provider did not answer in time. Retryable for reads.',
  OUTCOME_UNKNOWN: 'A write was sent but its outcome could not be determined. Do not assume success or failure; resubmit with the same idempotency key to reconcile.',
  UPSTREAM_ERROR: 'The provider failed in a way the gateway does not classify further.',
  INTERNAL_SERVER_ERROR: 'The gateway failed unexpectedly. Details are in its logs under the request id.',
  PERSISTED_QUERY_NOT_FOUND:
    'No operation is known under the persisted query id sent. With automatic persisted queries, send the same request again with its `query` text; with PERSISTED_QUERIES=only, only the ids of the generated manifest run.',
  PERSISTED_QUERY_NOT_SUPPORTED: 'This gateway does not take persisted query ids (PERSISTED_QUERIES=off): send the `query` text.',
} satisfies Record<ErrorCode, string>;

/** Which codes a client may retry as they are (after `retryAfterSeconds` when given). */
const RETRYABLE = {
  BAD_USER_INPUT: false,
  UNAUTHENTICATED: false,
  FORBIDDEN: false,
  NOT_FOUND: false,
  CONFLICT: false,
  IDEMPOTENCY_CONFLICT: false,
  INSUFFICIENT_FUNDS: false,
  INVALID_STATE: false,
  COMPLIANCE_LOCKED: false,
  LIMIT_EXCEEDED: false,
  UNSUPPORTED_BY_PROVIDER: false,
  RATE_LIMITED: true,
  UPSTREAM_AUTH_FAILED: false,
  UPSTREAM_UNAVAILABLE: true,
  UPSTREAM_TIMEOUT: true,
  OUTCOME_UNKNOWN: false,
  UPSTREAM_ERROR: false,
  INTERNAL_SERVER_ERROR: false,
  PERSISTED_QUERY_NOT_FOUND: false,
  PERSISTED_QUERY_NOT_SUPPORTED: false,
} satisfies Record<ErrorCode, boolean>;

function isRetryableCode(code: ErrorCode): boolean {
  return RETRYABLE[code];
}

/** What the gateway saw of the provider's answer, published in `extensions.upstream`. */
export interface UpstreamInfo {
  status?: number;
  code?: string;
  requestId?: string;
}

export interface GatewayErrorOptions {
  provider?: ProviderKey;
  retryable?: boolean;
  retryAfterSeconds?: number;
  upstream?: UpstreamInfo;
  /** Extra machine-readable facts for the client, e.g. `{ missingScopes: [...] }`. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly provider?: ProviderKey;
  readonly retryable: boolean;
  readonly retryAfterSeconds?: number;
  readonly upstream?: UpstreamInfo;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.provider = options.provider;
    this.retryable = options.retryable ?? isRetryableCode(code);
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.upstream = options.upstream;
    this.details = options.details;
  }

  /** A copy of this error attributed to another provider / with more upstream detail. */
  with(options: GatewayErrorOptions): GatewayError {
    return new GatewayError(this.code, this.message, {
      provider: this.provider,
      retryable: this.retryable,
      retryAfterSeconds: this.retryAfterSeconds,
      upstream: this.upstream,
      details: this.details,
      cause: this.cause,
      ...options,
    });
  }
}

export const badInput = (message: string): GatewayError => new GatewayError(ErrorCode.BAD_USER_INPUT, message);

export const notFound = (what: string, provider?: ProviderKey): GatewayError =>
  new GatewayError(ErrorCode.NOT_FOUND, `${what} was not found`, { provider });

export const unsupported = (provider: ProviderKey, operation: string): GatewayError =>
  new GatewayError(ErrorCode.UNSUPPORTED_BY_PROVIDER, `Provider ${provider.toUpperCase()} does not support ${operation}`, {
    provider,
  });

export function isNotFound(error: unknown): error is GatewayError {
  return error instanceof GatewayError && error.code === ErrorCode.NOT_FOUND;
}

/** The value read, or null where the provider says there is no such object. */
export async function nullIfNotFound<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** The extensions every GraphQL error carries (ARCHITECTURE.md, "Errors"). */
export interface ErrorExtensions {
  code: ErrorCode;
  provider?: string;
  retryable: boolean;
  retryAfterSeconds?: number;
  upstream?: UpstreamInfo;
  requestId: string;
}

export function extensionsOf(error: GatewayError, requestId: string): ErrorExtensions {
  const extensions: ErrorExtensions = { ...error.details, code: error.code, retryable: error.retryable, requestId };
  if (error.provider) extensions.provider = error.provider.toUpperCase();
  if (error.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = error.retryAfterSeconds;
  if (error.upstream) extensions.upstream = { ...error.upstream };
  return extensions;
}
