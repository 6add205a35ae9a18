/**
 * When the transport may try a request again, as a pure function (unit-tested branch by
 * branch). Retries follow the request's kind, not the HTTP method: a read is safe to resend; a
 * write never is here (a write's retry, where a provider's idempotency rules allow one, is
 * decided by that provider's write path, not by the transport).
 */
export type RequestKind = 'read' | 'write';

export type AttemptOutcome =
  | { kind: 'response'; status: number; retryAfterMs?: number }
  | { kind: 'network'; code: string };

export interface RetryDecision {
  retry: boolean;
  delayMs: number;
  /** Why, when a retry is unusual enough to be worth a log line (the transport logs it). */
  note?: string;
}

export const NO_RETRY: RetryDecision = { retry: false, delayMs: 0 };

const RETRY_BASE_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 2_000;
/** A Retry-After longer than this is not waited for: the caller gets RATE_LIMITED with it. */
export const RETRY_AFTER_CAP_MS = 5_000;

const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

export function shouldRetry(
  kind: RequestKind,
  outcome: AttemptOutcome,
  attempt: number,
  maxRetries: number,
  random: () => number = Math.random,
): RetryDecision {
  const no = NO_RETRY;
  if (kind !== 'read' || attempt >= maxRetries) return no;
  if (outcome.kind === 'network') {
    // A TLS/certificate failure will fail the same way again.
    if (isTlsFailure(outcome.code)) return no;
    return { retry: true, delayMs: backoff(attempt, random) };
  }
  if (!RETRYABLE_STATUSES.has(outcome.status)) return no;
  if (outcome.retryAfterMs !== undefined) {
    if (outcome.retryAfterMs > RETRY_AFTER_CAP_MS) return no;
    return { retry: true, delayMs: Math.max(outcome.retryAfterMs, backoff(attempt, random)) };
  }
  return { retry: true, delayMs: backoff(attempt, random) };
}

/** Full-jitter exponential back-off: random in [0, min(max, base·2^attempt)]. */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/** `Retry-After` in either form (delta-seconds or HTTP-date), in ms; undefined if absent or invalid. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The longest upstream Retry-After the gateway believes unless configured otherwise. */
export const DEFAULT_MAX_RETRY_AFTER_SECONDS = 60;

/**
 * A `Retry-After` header no longer than `maxSeconds` (as delta-seconds when it had to be cut);
 * absent or unreadable values pass through for the parser to ignore.
 */
export function clampRetryAfter(value: string | undefined, maxSeconds: number, now: number = Date.now()): string | undefined {
  const ms = parseRetryAfter(value, now);
  if (ms === undefined || ms <= maxSeconds * 1000) return value;
  return String(maxSeconds);
}

export function isTlsFailure(code: string): boolean {
  return /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/.test(code);
}
