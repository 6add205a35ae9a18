/**
 * A per-provider circuit breaker: it stops calling a provider that is answering with errors.
 *
 * Some providers treat a burst of error answers as abuse: pushpull blocks the caller's IP
 * address when a volume spike is "all (or mostly) errors" (404s on transaction reads, 409s on
 * creates), and that block takes every client of the gateway down with it. The breaker keeps
 * a sliding window of the outcomes of recent calls; when the window holds at least
 * `threshold` error answers and they are at least `minErrorRatio` of the calls, it *opens*:
 * for `coolDownMs` every call fails at once with a retryable UPSTREAM_UNAVAILABLE naming the
 * provider, and the provider is not called at all. A rate-limit answer (429) opens it too,
 * for the Retry-After the provider asked for. After the cool-down the breaker closes with an
 * empty window, so the provider gets a fresh start rather than an instant re-trip.
 *
 * What counts as an "error answer" is a classifier (the default: NOT_FOUND/CONFLICT
 * answered with a 4xx, and any 5xx answer); network failures, the caller's own deadline and
 * ordinary rejections (400, 401, 422 …) count as calls but not as errors. Pure and
 * synchronous apart from awaiting the call: no timers, the clock is injected.
 *
 * The transport runs one breaker around every attempt (`BREAKER_PRESETS.unavailability`); a
 * provider's client may add its own around each logical call (`ProviderHttpClient.guards`,
 * e.g. pushpull's `BREAKER_PRESETS.errorBurst`).
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import type { ProviderKey } from '../../core/provider-key.js';
import { OutcomeWindow } from './outcome-window.js';

/** How one call's outcome weighs in the window. */
export type BreakerVerdict =
  /** A success or an ordinary answer: a call, not an error. */
  | { kind: 'call' }
  /** An error answer of the kind that gets callers blocked. */
  | { kind: 'error' }
  /** The provider asked us to slow down: stop calling for `ms` (or the default pause). */
  | { kind: 'pause'; ms?: number };

export type BreakerClassifier = (error: unknown) => BreakerVerdict;

export interface CircuitBreakerOptions {
  provider: ProviderKey;
  /** The sliding window the errors are counted in. */
  windowMs?: number;
  /** Errors in the window that open the breaker (with `minErrorRatio`). */
  threshold?: number;
  /** The share of the window's calls that must be errors, 0–1 ("all or mostly errors"). */
  minErrorRatio?: number;
  /** How long the breaker stays open after tripping on errors. */
  coolDownMs?: number;
  /** Pause after a 429 without a usable Retry-After. */
  defaultPauseMs?: number;
  /** A Retry-After longer than this pauses only this long (a bad header must not stop us for hours). */
  maxPauseMs?: number;
  /**
   * Count calls in flight as errors that may yet come: a call is admitted only while errors in
   * the window plus calls in flight stay under `threshold`, so even if every admitted call
   * fails, the errors never pass it (a burst of parallel calls cannot overshoot before the
   * first answer opens the breaker). A call that is not admitted waits its turn (first come,
   * first served) for at most `admissionWaitMs`, then is refused as UPSTREAM_UNAVAILABLE:
   * concurrency past the threshold queues instead of failing, errors past it refuse.
   */
  countInFlight?: boolean;
  /** How long a call waits to be admitted under `countInFlight` before it is refused. */
  admissionWaitMs?: number;
  now?: () => number;
  classify?: BreakerClassifier;
}

/** What a breaker uses for any option its preset or caller leaves out. */
const CIRCUIT_BREAKER_DEFAULTS = {
  windowMs: 60_000,
  threshold: 10,
  minErrorRatio: 0.5,
  coolDownMs: 30_000,
  defaultPauseMs: 1_000,
  maxPauseMs: 60_000,
  admissionWaitMs: 5_000,
} as const;

export interface BreakerStatus {
  open: boolean;
  /** Why it is open. */
  reason?: 'errors' | 'rate-limited';
  /** Until it closes, 0 when closed. */
  remainingMs: number;
  /** In the current window. */
  calls: number;
  errors: number;
  /** Calls admitted and not yet answered. */
  inFlight: number;
}

const CALL: BreakerVerdict = { kind: 'call' };

/**
 * The default classification: what a provider *answered* (an upstream status is known).
 * A 4xx NOT_FOUND/CONFLICT and any 5xx are error answers; RATE_LIMITED is a pause.
 */
export function classifyUpstreamFailure(error: unknown): BreakerVerdict {
  if (!(error instanceof GatewayError)) return CALL;
  const status = error.upstream?.status;
  if (status === undefined) return CALL;
  if (error.code === ErrorCode.RATE_LIMITED) {
    return { kind: 'pause', ms: error.retryAfterSeconds === undefined ? undefined : error.retryAfterSeconds * 1000 };
  }
  if (status >= 500) return { kind: 'error' };
  if (status >= 400 && (error.code === ErrorCode.NOT_FOUND || error.code === ErrorCode.CONFLICT)) return { kind: 'error' };
  return CALL;
}

/**
 * The circuit breaker's classification, for every provider: a provider is failing when it
 * answers 5xx or cannot be reached / does not answer in time. A 429 pauses calls for its
 * Retry-After. Client-side rejections (4xx) say nothing about the provider's health.
 */
function classifyUnavailability(error: unknown): BreakerVerdict {
  if (!(error instanceof GatewayError)) return CALL;
  if (error.code === ErrorCode.RATE_LIMITED) {
    return { kind: 'pause', ms: error.retryAfterSeconds === undefined ? undefined : error.retryAfterSeconds * 1000 };
  }
  const status = error.upstream?.status;
  if (status !== undefined) return status >= 500 ? { kind: 'error' } : CALL;
  const unreachable = error.code === ErrorCode.UPSTREAM_UNAVAILABLE || error.code === ErrorCode.UPSTREAM_TIMEOUT || error.code === ErrorCode.OUTCOME_UNKNOWN;
  return unreachable ? { kind: 'error' } : CALL;
}

/**
 * The breakers the gateway runs, in one place so their thresholds can be read side by side.
 * `provider` is the one option a preset cannot know.
 */
export const BREAKER_PRESETS = {
  /**
   * Every provider's transport, around each attempt: open at ≥ 10 failures (5xx, unreachable,
   * no answer) making ≥ half the calls of 10 s, for 5 s; a 429 pauses for at most 30 s.
   */
  unavailability: { windowMs: 10_000, threshold: 10, minErrorRatio: 0.5, coolDownMs: 5_000, maxPauseMs: 30_000, classify: classifyUnavailability },
  /**
   * For a provider that blocks callers on bursts of error answers (pushpull), around each
   * logical call: open at ≥ 10 error answers (404/409, 5xx) making ≥ half the calls of 60 s,
   * for 30 s. Well below pushpull's own automatic block (the simulator's: 20 errors in 60 s),
   * so the gateway stops first; pushpull does not publish its thresholds.
   */
  errorBurst: { windowMs: 60_000, threshold: 10, minErrorRatio: 0.5, coolDownMs: 30_000, countInFlight: true, classify: classifyUpstreamFailure },
} as const satisfies Record<string, Omit<CircuitBreakerOptions, 'provider'>>;

export class CircuitBreaker {
  readonly provider: ProviderKey;
  private readonly windowMs: number;
  private readonly threshold: number;
  private readonly minErrorRatio: number;
  private readonly coolDownMs: number;
  private readonly defaultPauseMs: number;
  private readonly maxPauseMs: number;
  private readonly now: () => number;
  private readonly classify: BreakerClassifier;

  /** Outcomes in the window, oldest first: time and whether it was an error. */
  private readonly window = new OutcomeWindow();
  private inFlight = 0;
  private readonly countInFlight: boolean;
  private readonly admissionWaitMs: number;
  /** Calls waiting to be admitted under `countInFlight`, oldest first. */
  private readonly waiting: Array<{ admit: () => void; timer: NodeJS.Timeout }> = [];
  private openUntil = 0;
  private reason: BreakerStatus['reason'];

  constructor(options: CircuitBreakerOptions) {
    const o = { ...CIRCUIT_BREAKER_DEFAULTS, ...stripUndefined(options) };
    if (!(o.windowMs > 0) || !(o.coolDownMs >= 0) || !Number.isInteger(o.threshold) || o.threshold < 1) {
      throw new RangeError('windowMs must be > 0, coolDownMs ≥ 0 and threshold a positive integer');
    }
    if (!(o.minErrorRatio >= 0 && o.minErrorRatio <= 1)) throw new RangeError('minErrorRatio must be within 0–1');
    this.provider = options.provider;
    this.windowMs = o.windowMs;
    this.threshold = o.threshold;
    this.minErrorRatio = o.minErrorRatio;
    this.coolDownMs = o.coolDownMs;
    this.defaultPauseMs = o.defaultPauseMs;
    this.maxPauseMs = o.maxPauseMs;
    this.now = options.now ?? Date.now;
    this.classify = options.classify ?? classifyUpstreamFailure;
    this.countInFlight = options.countInFlight ?? false;
    this.admissionWaitMs = o.admissionWaitMs;
  }

  /**
   * Runs one call to the provider, unless the breaker is open: then it throws the retryable
   * UPSTREAM_UNAVAILABLE at once and `call` is never invoked. Under `countInFlight` a call
   * first waits to be admitted (see `acquire`).
   */
  async run<T>(call: () => Promise<T>): Promise<T> {
    this.assertClosed();
    if (this.countInFlight) {
      await this.acquire();
      try {
        this.assertClosed();
      } catch (error) {
        this.release();
        throw error;
      }
    } else {
      this.inFlight += 1;
    }
    let value: T;
    try {
      value = await call();
    } catch (error) {
      // Recorded before the slot is given back, so a waiter admitted by it counts this error.
      this.record(this.classify(error));
      this.release();
      throw error;
    }
    this.record(CALL);
    this.release();
    return value;
  }

  /** Whether one more call may go out: errors seen plus calls in flight stay under the threshold. */
  private admissible(): boolean {
    this.prune(this.now());
    return this.window.errors + this.inFlight < this.threshold;
  }

  /**
   * Takes a slot in flight, at once when nobody waits and the budget allows, else in turn when
   * a call in flight ends; refused after `admissionWaitMs` (errors, not load, keep it closed).
   */
  private acquire(): Promise<void> {
    if (this.waiting.length === 0 && this.admissible()) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        admit: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(this.busy());
        }, this.admissionWaitMs),
      };
      waiter.timer.unref();
      this.waiting.push(waiter);
    });
  }

  /** Gives a slot back and admits whoever waits, as far as the budget allows. */
  private release(): void {
    this.inFlight -= 1;
    while (this.waiting.length > 0 && this.admissible()) {
      const next = this.waiting.shift()!;
      clearTimeout(next.timer);
      this.inFlight += 1; // reserved for `next`, which resumes on a later tick
      next.admit();
    }
  }

  /** Refusal of a call that, failing, could take the errors past the threshold. */
  private busy(): GatewayError {
    const name = this.provider.toUpperCase();
    return new GatewayError(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      `${name} is called sparingly (it blocks callers on bursts of errors): it failed recently and calls waited too long to be admitted; retry shortly`,
      { provider: this.provider, retryable: true, retryAfterSeconds: 1 },
    );
  }

  /** Throws the short-circuit error while the breaker is open. */
  assertClosed(): void {
    const now = this.now();
    if (now >= this.openUntil) {
      if (this.openUntil !== 0) this.close();
      return;
    }
    throw this.shortCircuit(this.openUntil - now);
  }

  /** Records one outcome (for callers that do not go through `run`). */
  record(verdict: BreakerVerdict): void {
    const now = this.now();
    this.prune(now);
    if (verdict.kind === 'pause') {
      const ms = Math.min(verdict.ms ?? this.defaultPauseMs, this.maxPauseMs);
      this.window.push(now, false);
      if (now + ms > this.openUntil) {
        this.openUntil = now + ms;
        this.reason = 'rate-limited';
      }
      return;
    }
    const error = verdict.kind === 'error';
    this.window.push(now, error);
    const errors = this.window.errors;
    if (error && errors >= this.threshold && errors >= this.minErrorRatio * this.window.size) {
      this.openUntil = Math.max(this.openUntil, now + this.coolDownMs);
      this.reason = 'errors';
      // Counted errors led to this opening; after it, the provider starts with a clean slate.
      this.window.clear();
    }
  }

  status(): BreakerStatus {
    const now = this.now();
    this.prune(now);
    const open = now < this.openUntil;
    return {
      open,
      reason: open ? this.reason : undefined,
      remainingMs: open ? this.openUntil - now : 0,
      calls: this.window.size,
      errors: this.window.errors,
      inFlight: this.inFlight,
    };
  }

  /** Closes the breaker and forgets the window. */
  reset(): void {
    this.close();
  }

  private close(): void {
    this.openUntil = 0;
    this.reason = undefined;
    this.window.clear();
  }

  private prune(now: number): void {
    this.window.forgetUpTo(now - this.windowMs);
  }

  private shortCircuit(remainingMs: number): GatewayError {
    const name = this.provider.toUpperCase();
    const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
    const why =
      this.reason === 'rate-limited'
        ? `${name} asked the gateway to slow down`
        : `${name} has been failing (mostly error answers recently)`;
    return new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `${why}: the gateway is not calling it for ${seconds} s`, {
      provider: this.provider,
      retryable: true,
      retryAfterSeconds: seconds,
    });
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
