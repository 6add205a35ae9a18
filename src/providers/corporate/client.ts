/**
 * corporate's transport specifics (corporate.md, "Transport and authentication"): every call
 * is a POST under /api/v1 carrying the `API-KEY` header and an encrypted envelope whose
 * payload holds the endpoint's fields beside `request_timestamp` (µs since the epoch).
 *
 * The envelope is built in `willSendRequest`, which the transport calls for every attempt:
 * a retried read therefore goes out with a new timestamp and a new nonce, as the provider's
 * replay check requires. Answers are encrypted too (success and standard errors); the
 * authentication and envelope failures are plain `{error}` JSON. Both are told apart here and
 * classified by errors.ts.
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import type { CallContext } from '../../core/call-context.js';
import { fallbackError, upstreamError } from '../transport/upstream-errors.js';
import {
  ProviderHttpClient,
  tryParseJson,
  type OutgoingRequest,
  type RequestSpec,
  type TransportOptions,
  type UpstreamResponse,
} from '../transport/http.js';
import { NO_RETRY, type RequestKind, type RetryDecision } from '../transport/retry-policy.js';
import { OPEN_FAILURE_TEXT, open, seal, type OpenFailure } from './envelope.js';
import { isDuplicateRequest, mapCorporateError } from './errors.js';

const CORPORATE_API_PREFIX = '/api/v1';

export interface CorporateClientOptions extends TransportOptions {
  apiKey: string;
  /** The 32-byte shared secretbox key. */
  secretKey: Uint8Array;
  /** Wall clock in ms since the epoch; injectable for tests. */
  clock?: () => number;
}

/** One call: a path under /api/v1 and the endpoint's own payload fields. */
export interface CorporateCall {
  /** E.g. `/cards/get`. */
  path: string;
  payload?: Record<string, unknown>;
  kind: RequestKind;
  name: string;
  /** `Idempotency-Key`, required by `/cards/create` and `/cards/topup`. */
  idempotencyKey?: string;
}

/** What an answer's body turned out to be, decided once per response. */
type Decoded =
  | { kind: 'success'; data: unknown }
  | { kind: 'standard'; slug: string; message: unknown }
  | { kind: 'plain'; message: string }
  | { kind: 'undecryptable'; failure: OpenFailure }
  | { kind: 'unrecognised' };

export class CorporateClient extends ProviderHttpClient {
  private readonly apiKey: string;
  private readonly secretKey: Uint8Array;
  private readonly clock: () => number;
  private lastTimestamp = 0;
  private readonly decoded = new WeakMap<UpstreamResponse, Decoded>();

  constructor(options: CorporateClientOptions) {
    super('corporate', options);
    this.apiKey = options.apiKey;
    this.secretKey = options.secretKey;
    this.clock = options.clock ?? Date.now;
  }

  /** Sends one call and returns the answer's `data`. */
  call<T = unknown>(call: CorporateCall, cx: CallContext): Promise<T> {
    return this.request<T>(
      {
        method: 'POST',
        path: `${CORPORATE_API_PREFIX}${call.path}`,
        body: call.payload ?? {},
        headers: call.idempotencyKey ? { 'idempotency-key': call.idempotencyKey } : undefined,
        kind: call.kind,
        name: call.name,
      },
      cx,
    );
  }

  /**
   * A read the provider took for a replay is sent once more, at once (with a fresh
   * timestamp): our timestamps never repeat, so that answer means a copy of the request was
   * replayed in between (or another gateway instance shares the key and the microsecond).
   * Writes are not. The attempts after that resend get the transport's whole retry budget
   * again, as a call of their own would.
   */
  protected override retryDecision(spec: RequestSpec, failure: GatewayError, history: readonly GatewayError[]): RetryDecision {
    const lastReplay = history.findLastIndex(isDuplicateRequest);
    if (isDuplicateRequest(failure)) {
      if (spec.kind !== 'read' || lastReplay >= 0) return NO_RETRY;
      return { retry: true, delayMs: 0, note: 'read taken for a replay; sending it again with a fresh timestamp' };
    }
    return super.retryDecision(spec, failure, history.slice(lastReplay + 1));
  }

  /** Microseconds since the epoch, strictly increasing per client so no two calls share one. */
  nextTimestamp(): number {
    const now = Math.floor(this.clock()) * 1000;
    this.lastTimestamp = Math.max(now, this.lastTimestamp + 1);
    return this.lastTimestamp;
  }

  protected override willSendRequest(request: OutgoingRequest): void {
    const fields = (request.spec.body ?? {}) as Record<string, unknown>;
    // The timestamp goes at the root beside the endpoint's fields, never wrapped in `data`.
    const payload = { ...fields, request_timestamp: this.nextTimestamp() };
    request.headers['api-key'] = this.apiKey;
    request.headers['content-type'] = 'application/json';
    request.body = Buffer.from(JSON.stringify(seal(payload, this.secretKey)), 'utf8');
  }

  /** 2xx and not an encrypted `{success:false}` (the provider uses real statuses, but still). */
  protected override isSuccess(response: UpstreamResponse): boolean {
    return response.status >= 200 && response.status < 300 && this.decode(response).kind !== 'standard';
  }

  protected override parseBody(response: UpstreamResponse, spec: RequestSpec): unknown {
    const decoded = this.decode(response);
    if (decoded.kind === 'success') return decoded.data;
    const problem =
      decoded.kind === 'undecryptable' ? OPEN_FAILURE_TEXT[decoded.failure] : 'is not an encrypted {success:true, data} answer';
    throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `CORPORATE's answer to ${spec.name} ${problem}`, {
      provider: 'corporate',
      upstream: { status: response.status, requestId: response.requestId },
    });
  }

  protected override errorFromResponse(response: UpstreamResponse, spec: RequestSpec): GatewayError {
    const decoded = this.decode(response);
    const answer = (code: string | undefined, message: unknown) => this.answer(response, spec, { code, message });
    switch (decoded.kind) {
      case 'standard':
        return mapCorporateError(answer(decoded.slug, decoded.message), { kind: 'standard', slug: decoded.slug });
      case 'plain':
        return mapCorporateError(answer(undefined, decoded.message), { kind: 'plain', message: decoded.message });
      case 'undecryptable':
        // Below 500 the answer is final and unreadable: our defect or theirs, not the caller's.
        // From 500 on, the status still says the server failed (and a write's outcome is unknown).
        if (response.status < 500) {
          return upstreamError(ErrorCode.UPSTREAM_ERROR, answer(undefined, undefined), `CORPORATE's ${response.status} answer ${OPEN_FAILURE_TEXT[decoded.failure]}`);
        }
        return fallbackError(answer(undefined, undefined));
      case 'success': // a success body under an error status: the status decides
      case 'unrecognised': // e.g. a proxy's HTML 503
        return mapCorporateError(answer(undefined, undefined), { kind: 'none' });
    }
  }

  private decode(response: UpstreamResponse): Decoded {
    let decoded = this.decoded.get(response);
    if (!decoded) {
      decoded = decodeAnswer(response.body, this.secretKey);
      this.decoded.set(response, decoded);
    }
    return decoded;
  }
}

/** Classifies a response body: encrypted success or error, plain error, or neither. */
function decodeAnswer(raw: Buffer, key: Uint8Array): Decoded {
  const body = tryParseJson(raw);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'unrecognised' };
  const record = body as Record<string, unknown>;
  if (!('encrypted' in record)) {
    return typeof record.error === 'string' ? { kind: 'plain', message: record.error } : { kind: 'unrecognised' };
  }
  const opened = open(record, key);
  if (!opened.ok) return { kind: 'undecryptable', failure: opened.failure };
  const { payload } = opened;
  if (payload.success === true) return { kind: 'success', data: payload.data };
  if (payload.success === false && typeof payload.error_slug === 'string') {
    return { kind: 'standard', slug: payload.error_slug, message: payload.error };
  }
  return { kind: 'unrecognised' };
}
