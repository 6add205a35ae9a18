/**
 * The one transport every provider client is built on (undici). It owns: a keep-alive pool
 * per provider, connect/headers/body timeouts, the retry loop (reads only, see
 * retry-policy.ts), a circuit breaker around every attempt, request ids, response size
 * limits, logging without secrets, and turning network failures into gateway errors. A
 * provider client extends `ProviderHttpClient` and overrides only its hooks:
 * - `willSendRequest`: sign, encrypt, authenticate — called for every attempt, so each one
 *   is freshly signed;
 * - `parseBody` / `isSuccess`: decrypt, unwrap envelopes, tell errors under a 2xx apart;
 * - `errorFromResponse`: its error bodies → gateway errors (built from `answer()`);
 * - `retryDecision`: whether a failed attempt is sent again (default: retry-policy.ts);
 * - `guards`: circuit breakers of its own around each logical call (retries included),
 *   folded into `health()`.
 * Every attempt is reported to the `observer` the application wires in (metrics, traces: it
 * may add the trace context to the attempt's headers), so no provider needs to know how
 * attempts are counted or traced.
 */
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { ErrorCode, GatewayError } from '../../core/errors.js';
import type { CallContext } from '../../core/call-context.js';
import type { ProviderKey } from '../../core/provider-key.js';
import { redact } from '../../core/redact.js';
import { Bulkhead } from './bulkhead.js';
import { BREAKER_PRESETS, CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { LatencyWindow } from './latency-window.js';
import { mutualTlsConnector, type ClientTls } from './mutual-tls.js';
import { clampRetryAfter, DEFAULT_MAX_RETRY_AFTER_SECONDS, isTlsFailure, NO_RETRY, shouldRetry, type AttemptOutcome, type RequestKind, type RetryDecision } from './retry-policy.js';
import { routeTemplate } from './route-template.js';
import type { UpstreamAnswer } from './upstream-errors.js';
import { DEFAULT_MAX_ANSWER_BYTES, SMALL_ANSWER_BYTES, type AnswerMemory } from './answer-memory.js';

/** Timeouts, retries and concurrency of one provider's transport. */
export interface UpstreamTimeouts {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxRetries: number;
  /** Calls in flight per provider (its bulkhead and connection pool). */
  maxConcurrency: number;
  /** Told of every attempt (the application's metrics); none when unset. */
  observer?: AttemptObserver;
  /** The longest upstream Retry-After believed (`UPSTREAM_MAX_RETRY_AFTER_SECONDS`); longer ones are clamped to it. */
  maxRetryAfterSeconds?: number;
  /** The largest answer read from the provider (`UPSTREAM_MAX_ANSWER_BYTES`); a larger one is an UPSTREAM_ERROR. */
  maxAnswerBytes?: number;
  /** The memory large answers share while read, one for every provider of the process (`UPSTREAM_ANSWER_MEMORY_BYTES`). */
  answerMemory?: AnswerMemory;
}

/** An attempt about to be sent, as reported to an observer: bounded values only (no ids, raw paths or tokens). */
export interface AttemptStart {
  provider: ProviderKey;
  /** The RequestSpec's `name`, e.g. `getCard`. */
  operation: string;
  kind: RequestKind;
  method: HttpMethod;
  /** The path as a template, ids replaced by `{id}` (see route-template.ts), e.g. `/v1/cards/{id}`. */
  route: string;
  /** 0 for the first attempt of a call, 1 for its first retry, … */
  attempt: number;
}

/** One finished attempt, as reported to an observer. */
export interface AttemptReport extends AttemptStart {
  /** `ok`, or the gateway error code the attempt failed with. */
  outcome: 'ok' | ErrorCode;
  /** The HTTP status the provider answered; none when no answer came (network failure, refused before sending). */
  status?: number;
  /** From asking for a slot to the answer (a wait in the bulkhead included). */
  durationMs: number;
}

/**
 * Told of every attempt as it starts, once it is signed and just before it asks for a slot,
 * with the call context of the request it is made for; returns the function told how it
 * ended. Headers it adds to `headers` are sent upstream with the attempt (the trace context):
 * they are outside every provider's signature or envelope, which cover the method, path and
 * body only.
 */
export type AttemptObserver = (attempt: AttemptStart, headers: Record<string, string>, cx: CallContext) => (report: AttemptReport) => void;

export interface TransportOptions {
  baseUrl: string;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Retries of a read after the first attempt. */
  maxRetries: number;
  /** Upstream Retry-After values above this many seconds are clamped to it (default 60). */
  maxRetryAfterSeconds?: number;
  /** Calls in flight at once (the bulkhead), and keep-alive connections. */
  maxConcurrency?: number;
  /** Calls waiting for a slot before new ones are refused. */
  maxQueue?: number;
  /** Overrides of the transport's circuit breaker (`BREAKER_PRESETS.unavailability`). */
  breaker?: Partial<Pick<CircuitBreakerOptions, 'windowMs' | 'threshold' | 'minErrorRatio' | 'coolDownMs' | 'now'>>;
  /** Client certificate, its key and the server's trust anchor (PEM), for mutual TLS. */
  tls?: ClientTls;
  /** Injected in tests (e.g. undici's MockAgent); defaults to a keep-alive Pool. */
  dispatcher?: Dispatcher;
  /** Told of every attempt (see `UpstreamTimeouts.observer`). */
  observer?: AttemptObserver;
  /** See `UpstreamTimeouts.maxAnswerBytes` (default 16 MiB). */
  maxAnswerBytes?: number;
  /** See `UpstreamTimeouts.answerMemory`; none: large answers are read without waiting. */
  answerMemory?: AnswerMemory;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a provider operation asks for. */
export interface RequestSpec {
  method: HttpMethod;
  /** Path relative to the base URL, starting with `/`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined | null>;
  /** Serialised as packed JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Decides retries: only reads are retried by the transport. */
  kind: RequestKind;
  /** A name for logs and metrics, e.g. `getCard`. */
  name: string;
}

/** One attempt, as the hooks see and may change it. */
export interface OutgoingRequest {
  method: HttpMethod;
  /** Path with the query string exactly as it will be sent. */
  pathWithQuery: string;
  headers: Record<string, string>;
  body?: Buffer;
  spec: RequestSpec;
  attempt: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The provider's own request id, when it sent one. */
  requestId?: string;
}

const DEFAULT_MAX_CONCURRENCY = 64;
export const DEFAULT_MAX_QUEUE = 8_192;


/** Network errors raised before any byte of the request could reach the provider. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function buildPathWithQuery(path: string, query: RequestSpec['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.append(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export interface TransportHealth {
  circuitOpen: boolean;
  circuitOpenReason: string | null;
  circuitRetryAfterMs: number;
  recentCalls: number;
  recentErrors: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  inFlight: number;
  queued: number;
}

/** What an error body said, before it is made safe to show (see `ProviderHttpClient.answer`). */
export interface ErrorBodyFields {
  /** The provider's machine-readable code, if it sent one. */
  code?: string;
  /** Its message, as sent: `answer()` sanitises it. */
  message?: unknown;
}

const NO_GUARDS: readonly CircuitBreaker[] = [];

export abstract class ProviderHttpClient {
  protected readonly dispatcher: Dispatcher;
  private readonly origin: string;
  private readonly breaker: CircuitBreaker;
  private readonly bulkhead: Bulkhead;
  private readonly latencies = new LatencyWindow(256);

  protected constructor(
    readonly provider: ProviderKey,
    protected readonly options: TransportOptions,
  ) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.breaker = new CircuitBreaker({ ...BREAKER_PRESETS.unavailability, ...options.breaker, provider });
    this.bulkhead = new Bulkhead(provider, options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY, options.maxQueue ?? DEFAULT_MAX_QUEUE);
    this.dispatcher =
      options.dispatcher ??
      new Pool(this.origin, {
        connections: options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connectTimeout: options.connectTimeoutMs,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
        connect: options.tls ? mutualTlsConnector(provider, options.tls, options.connectTimeoutMs) : undefined,
      });
  }

  /** Adds authentication, signatures, encryption. Called once per attempt. */
  protected willSendRequest(_request: OutgoingRequest): void | Promise<void> {}

  /** Decodes a success body. The default parses JSON and refuses anything else. */
  protected parseBody(response: UpstreamResponse, spec: RequestSpec): unknown {
    return parseJsonBody(this.provider, response, spec);
  }

  /** Whether the answer is a success; providers with error bodies under 2xx override it. */
  protected isSuccess(response: UpstreamResponse): boolean {
    return response.status >= 200 && response.status < 300;
  }

  /** The provider's error answer as a gateway error (its exhaustive mapping, over `answer()`). */
  protected abstract errorFromResponse(response: UpstreamResponse, spec: RequestSpec): GatewayError;

  /**
   * What the provider answered, as its error mapping reads it: the status, request id and
   * Retry-After of the response, what was asked, and the body's code and message (the
   * message sanitised, `<PROVIDER> answered <status>` when there is none).
   */
  protected answer(response: UpstreamResponse, spec: RequestSpec, body: ErrorBodyFields): UpstreamAnswer {
    return {
      provider: this.provider,
      status: response.status,
      code: body.code,
      message: sanitizeUpstreamMessage(body.message, `${this.provider.toUpperCase()} answered ${response.status}`),
      requestId: response.requestId,
      // Clamped before anything reads it: one `Retry-After: 1000000` must neither pause the
      // provider for days nor be shown to clients as is.
      retryAfterHeader: clampRetryAfter(response.headers['retry-after'], this.options.maxRetryAfterSeconds ?? DEFAULT_MAX_RETRY_AFTER_SECONDS),
      requestKind: spec.kind,
    };
  }

  /**
   * Whether to send the request again after `failure`. `history` holds the failures of the
   * call's earlier attempts, oldest first (so `history.length` is this attempt's index). The
   * caller's deadline is checked before this is asked. The default: not when the mapping
   * made the failure final (e.g. pushpull's XML IP refusal under a 500) or the circuit has
   * just opened on failures (a rate-limit pause is not final: the retry waits out its
   * Retry-After anyway); otherwise retry-policy.ts decides. A client overrides it for a
   * resend of its own (corporate's replay check).
   */
  protected retryDecision(spec: RequestSpec, failure: GatewayError, history: readonly GatewayError[]): RetryDecision {
    if (!failure.retryable || this.breaker.status().reason === 'errors') return NO_RETRY;
    return shouldRetry(spec.kind, attemptOutcome(failure), history.length, this.options.maxRetries);
  }

  /**
   * Circuit breakers of the client's own, run around each logical call (all its attempts
   * and the parsing of its answer): while one is open the call fails at once without reaching
   * the provider. Their state shows in `health()`; `resetHealth()` closes them.
   */
  protected guards(): readonly CircuitBreaker[] {
    return NO_GUARDS;
  }

  /** Sends the request (retrying reads), and returns the parsed success body. */
  request<T = unknown>(spec: RequestSpec, cx: CallContext): Promise<T> {
    return this.guarded(async () => {
      const response = await this.attempts(spec, cx);
      try {
        return this.parseBody(response, spec) as T;
      } finally {
        this.settle(response);
      }
    });
  }

  /** Sends the request (retrying reads) and returns the raw successful response. */
  send(spec: RequestSpec, cx: CallContext): Promise<UpstreamResponse> {
    return this.guarded(async () => {
      const response = await this.attempts(spec, cx);
      // The caller decodes it: its share of the answer memory ends here.
      this.settle(response);
      return response;
    });
  }

  /** Each answer's share of the answer memory, until it is decoded (see `readAnswer`). */
  private readonly reservations = new WeakMap<UpstreamResponse, () => void>();

  /** Gives an answer's share of the answer memory back, once it has been decoded. */
  private settle(response: UpstreamResponse): void {
    this.reservations.get(response)?.();
    this.reservations.delete(response);
  }

  /** `call` through every guard, the first one outermost. */
  private guarded<T>(call: () => Promise<T>): Promise<T> {
    return this.guards().reduceRight<() => Promise<T>>((inner, guard) => () => guard.run(inner), call)();
  }

  /**
   * The request's path as a template for traces and metrics: ids replaced (see
   * route-template.ts). A client whose paths carry a fixed value of its own overrides it.
   */
  protected route(spec: RequestSpec): string {
    return routeTemplate(spec.path);
  }

  /** The attempts of one call, until one succeeds or `retryDecision` says to stop. */
  private async attempts(spec: RequestSpec, cx: CallContext): Promise<UpstreamResponse> {
    const pathWithQuery = buildPathWithQuery(spec.path, spec.query);
    const body = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body), 'utf8');
    const history: GatewayError[] = [];
    const route = this.options.observer ? this.route(spec) : '';
    for (let attempt = 0; ; attempt += 1) {
      const outgoing: OutgoingRequest = {
        method: spec.method,
        pathWithQuery,
        headers: {
          accept: 'application/json',
          'x-request-id': cx.requestId,
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...spec.headers,
        },
        body,
        spec,
        attempt,
      };
      await this.willSendRequest(outgoing);
      const start: AttemptStart = { provider: this.provider, operation: spec.name, kind: spec.kind, method: spec.method, route, attempt };
      const finished = this.options.observer?.(start, outgoing.headers, cx);
      let failure: GatewayError;
      const started = performance.now();
      try {
        // The bulkhead caps calls in flight; the breaker refuses to call a failing provider.
        const response = await this.bulkhead.run(() => this.breaker.run(() => this.attempt(outgoing, cx)), cx.signal);
        finished?.({ outcome: 'ok', status: response.status, durationMs: performance.now() - started, ...start });
        return response;
      } catch (error) {
        failure = error instanceof GatewayError ? error : this.networkFailure(error, networkErrorCode(error), spec, cx);
      }
      finished?.({ outcome: failure.code, status: failure.upstream?.status, durationMs: performance.now() - started, ...start });
      const decision = cx.signal?.aborted ? NO_RETRY : this.retryDecision(spec, failure, history);
      if (!decision.retry) throw failure;
      if (decision.note) cx.log.warn({ provider: this.provider, op: spec.name, attempt }, decision.note);
      history.push(failure);
      await sleep(decision.delayMs, cx.signal);
    }
  }

  /** One attempt: the response if it is a success, else the mapped error (thrown). */
  private async attempt(outgoing: OutgoingRequest, cx: CallContext): Promise<UpstreamResponse> {
    const { spec } = outgoing;
    const started = performance.now();
    let response: UpstreamResponse;
    try {
      response = await this.dispatch(outgoing, cx.signal);
    } catch (error) {
      const code = networkErrorCode(error);
      cx.log.warn({ provider: this.provider, op: spec.name, method: spec.method, path: spec.path, code, attempt: outgoing.attempt }, 'upstream request failed');
      throw this.networkFailure(error, code, spec, cx);
    }
    const ms = performance.now() - started;
    this.latencies.add(ms);
    // Asked first: the request's logger is made only when a line is written.
    if (cx.logs('debug')) {
      cx.log.debug(
        { provider: this.provider, op: spec.name, method: spec.method, path: spec.path, status: response.status, ms: Math.round(ms), attempt: outgoing.attempt, upstreamRequestId: response.requestId },
        'upstream response',
      );
    }
    if (this.isSuccess(response)) return response;
    try {
      throw this.errorFromResponse(response, spec);
    } finally {
      this.settle(response);
    }
  }

  /**
   * Circuit, recent error rate and latency, concurrency: what `providers { health }` shows.
   * The circuit is the transport's breaker; while it is closed, the first open guard stands
   * for it (it keeps the provider from being called just the same). Recent calls and errors
   * are the transport's.
   */
  health(): TransportHealth {
    const circuit = this.breaker.status();
    const bulkhead = this.bulkhead.stats();
    const open = circuit.open ? circuit : this.guards().map((guard) => guard.status()).find((status) => status.open);
    return {
      circuitOpen: open !== undefined,
      circuitOpenReason: open ? open.reason ?? 'errors' : null,
      circuitRetryAfterMs: open ? open.remainingMs : 0,
      recentCalls: circuit.calls,
      recentErrors: circuit.errors,
      latencyP50Ms: this.latencies.percentile(50),
      latencyP99Ms: this.latencies.percentile(99),
      inFlight: bulkhead.inFlight,
      queued: bulkhead.queued,
    };
  }

  /** Forgets recent failures and closes the circuit and every guard (operators and tests). */
  resetHealth(): void {
    this.breaker.reset();
    for (const guard of this.guards()) guard.reset();
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async dispatch(request: OutgoingRequest, signal?: AbortSignal): Promise<UpstreamResponse> {
    const { statusCode, headers, body } = await this.dispatcher.request({
      origin: this.origin,
      method: request.method,
      path: request.pathWithQuery,
      headers: request.headers,
      body: request.body,
      signal,
      headersTimeout: this.options.headersTimeoutMs,
      bodyTimeout: this.options.bodyTimeoutMs,
    });
    const flat: Record<string, string> = {};
    for (const key in headers) {
      const value = headers[key];
      if (value !== undefined) flat[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const { bytes, release } = await this.readAnswer(body, statusCode, flat, signal);
    const response = { status: statusCode, headers: flat, body: bytes, requestId: flat['x-request-id'] };
    if (release) this.reservations.set(response, release);
    return response;
  }

  /**
   * An answer's body, in one buffer: copied into a buffer of its announced length as it
   * arrives (no list of chunks joined at the end, which held it twice), refused as soon as it
   * is announced or grows past `maxAnswerBytes`, and — when large — read only once the shared
   * answer memory has room for it. The reservation is answered with the bytes and given back
   * once they are decoded (`settle`), so it covers the text and objects made from them too.
   */
  private async readAnswer(
    body: Dispatcher.ResponseData['body'],
    status: number,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<{ bytes: Buffer; release?: () => void }> {
    const max = this.options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
    const announced = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
    const tooLarge = () => {
      body.destroy();
      return new GatewayError(ErrorCode.UPSTREAM_ERROR, `${this.provider.toUpperCase()}'s answer is larger than the ${max} bytes the gateway reads (UPSTREAM_MAX_ANSWER_BYTES)`, {
        provider: this.provider,
        retryable: false,
        upstream: { status, requestId: headers['x-request-id'] },
      });
    };
    if (announced !== undefined && announced > max) throw tooLarge();
    const memory = this.options.answerMemory;
    let release: (() => void) | undefined;
    const reserve = async (bytes: number) => {
      if (memory && !release && bytes > SMALL_ANSWER_BYTES) release = await memory.reserve(bytes, this.provider, signal);
    };
    try {
      // An answer of unknown length reserves for the largest it may be once it is no longer small.
      if (announced !== undefined) await reserve(announced);
      const bytes = await collectBody(body, Buffer.allocUnsafe(announced !== undefined && Number.isSafeInteger(announced) ? announced : 0), max, (size) => {
        if (size > max) throw tooLarge();
        return size > SMALL_ANSWER_BYTES && memory && !release ? reserve(max) : undefined;
      });
      return { bytes, release };
    } catch (error) {
      release?.();
      throw error;
    }
  }

  /** A failure with no HTTP answer, classified by whether the request may have been received. */
  private networkFailure(error: unknown, code: string, spec: RequestSpec, cx: CallContext): GatewayError {
    if (error instanceof GatewayError) return error;
    const provider = this.provider;
    if (isTlsFailure(code)) {
      return new GatewayError(ErrorCode.UPSTREAM_AUTH_FAILED, `The TLS handshake with ${provider.toUpperCase()} failed (${code}): check the client certificate and CA`, { provider, cause: error });
    }
    const sent = !NOT_SENT_CODES.has(code);
    if (spec.kind === 'write' && sent) {
      return new GatewayError(
        ErrorCode.OUTCOME_UNKNOWN,
        `The request to ${provider.toUpperCase()} was sent but no answer came back (${code}); its outcome is unknown`,
        { provider, cause: error },
      );
    }
    const timedOut = /TIMEOUT/.test(code) || code === 'ABORT_ERR' || cx.signal?.aborted === true;
    return new GatewayError(
      timedOut ? ErrorCode.UPSTREAM_TIMEOUT : ErrorCode.UPSTREAM_UNAVAILABLE,
      timedOut ? `${provider.toUpperCase()} did not answer in time` : `${provider.toUpperCase()} could not be reached (${code})`,
      { provider, cause: error },
    );
  }
}

/**
 * A response body in one buffer: copied into `buffer` (grown by doubling when the answer is
 * longer than announced) as its chunks arrive, from the stream's own events rather than an
 * async iterator (which cost a promise and an object per chunk on every upstream call, issue
 * 14). `admit(size)` is asked before the buffer grows to hold `size` bytes: it throws to
 * refuse the answer (the stream is destroyed), or returns a promise the reading waits for
 * (paused); the buffer never grows past `limit`, which `admit` refuses to exceed.
 */
function collectBody(body: Dispatcher.ResponseData['body'], initial: Buffer, limit: number, admit: (size: number) => Promise<void> | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffer = initial;
    let size = 0;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      body.destroy();
      reject(error);
    };
    const append = (chunk: Buffer) => {
      if (size + chunk.length > buffer.length) {
        const grown = Buffer.allocUnsafe(Math.min(limit, Math.max(buffer.length * 2, size + chunk.length)));
        buffer.copy(grown, 0, 0, size);
        buffer = grown;
      }
      chunk.copy(buffer, size);
      size += chunk.length;
    };
    body.on('data', (chunk: Buffer) => {
      if (failed) return;
      if (size + chunk.length <= buffer.length) return append(chunk);
      let waiting: Promise<void> | undefined;
      try {
        waiting = admit(size + chunk.length);
      } catch (error) {
        return fail(error);
      }
      if (!waiting) return append(chunk);
      body.pause();
      waiting.then(() => {
        if (failed) return;
        append(chunk);
        body.resume();
      }, fail);
    });
    body.on('end', () => {
      if (!failed) resolve(size === buffer.length ? buffer : buffer.subarray(0, size));
    });
    body.on('error', fail);
  });
}

/** A failed attempt as retry-policy.ts reads it: the status answered, or the network failure. */
function attemptOutcome(failure: GatewayError): AttemptOutcome {
  const status = failure.upstream?.status;
  if (status === undefined) return { kind: 'network', code: failure.code };
  return { kind: 'response', status, retryAfterMs: failure.retryAfterSeconds === undefined ? undefined : failure.retryAfterSeconds * 1000 };
}

/** The error code of a network failure: undici's own, or the system error's. */
function networkErrorCode(error: unknown): string {
  if (error instanceof GatewayError) return error.code;
  if (error instanceof undiciErrors.UndiciError) return (error as { code?: string }).code ?? 'UND_ERR';
  const e = error as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | undefined;
  if (e && typeof e.code === 'string') return e.code;
  if (e && e.name === 'AbortError') return 'ABORT_ERR';
  if (e && e.cause && typeof e.cause.code === 'string') return e.cause.code;
  return 'UNKNOWN';
}

export function parseJsonBody(provider: ProviderKey, response: UpstreamResponse, spec: RequestSpec): unknown {
  const text = response.body.toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `${provider.toUpperCase()} answered ${spec.name} with a body that is not JSON`, {
      provider,
      upstream: { status: response.status, requestId: response.requestId },
    });
  }
}

/** Parses an error body leniently: a provider's error answer may be JSON, XML or nothing. */
export function tryParseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** An upstream message made safe to show: secrets removed, length bounded. */
export function sanitizeUpstreamMessage(message: unknown, fallback: string): string {
  if (typeof message !== 'string' || message.trim() === '') return fallback;
  const clean = redact(message.replace(/[\u0000-\u001f]+/g, ' ').trim());
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
