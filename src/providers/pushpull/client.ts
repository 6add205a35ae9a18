/**
 * pushpull's transport specifics: a bearer token on every request, the ClientID in every
 * path, packed JSON bodies (the shared transport serialises with `JSON.stringify`, which never
 * writes a raw newline: pushpull answers 400 to a body containing one), and two error body
 * formats — JSON `{EC, EM}`, and the XML `<Error><Code>IPNotAllowed</Code>…` its IP
 * allow-list answers with (403, sometimes 500).
 *
 * 207 Multi-Status is a 2xx that is not a success: "one or more upstream processing failed",
 * the resource is in an UNKNOWN state. It goes through `errorFromResponse` like any error.
 *
 * Volume spikes of errors get the caller's IP blocked, which takes every client of the
 * gateway down with it: every call goes through an error-burst guard (a `CircuitBreaker`,
 * `BREAKER_PRESETS.errorBurst`), which stops calling pushpull for a cool-down while it answers
 * mostly errors (and for the Retry-After of a 429).
 */
import type { GatewayError } from '../../core/errors.js';
import { BREAKER_PRESETS, CircuitBreaker, type CircuitBreakerOptions } from '../transport/circuit-breaker.js';
import {
  ProviderHttpClient,
  type OutgoingRequest,
  type RequestSpec,
  type TransportOptions,
  type UpstreamResponse,
} from '../transport/http.js';
import { routeTemplate } from '../transport/route-template.js';
import { mapPushpullError, readErrorBody } from './errors.js';

export interface PushpullClientOptions extends TransportOptions {
  clientId: string;
  token: string;
  /** Overrides of the error-burst guard (tests). */
  guard?: Omit<CircuitBreakerOptions, 'provider'>;
}

export class PushpullClient extends ProviderHttpClient {
  private readonly token: string;
  private readonly clientPrefix: string;
  /** Around every call; exposed for tests. */
  readonly errorBurstGuard: CircuitBreaker;
  private readonly guardList: readonly CircuitBreaker[];

  constructor(options: PushpullClientOptions) {
    super('pushpull', options);
    this.token = options.token;
    this.clientPrefix = `/v1/clients/${encodeURIComponent(options.clientId)}`;
    this.errorBurstGuard = new CircuitBreaker({ ...BREAKER_PRESETS.errorBurst, ...options.guard, provider: 'pushpull' });
    this.guardList = [this.errorBurstGuard];
  }

  protected override guards(): readonly CircuitBreaker[] {
    return this.guardList;
  }

  /** A contract path (`/accounts/…`, relative to the client) as sent: under `/v1/clients/{clientId}`. */
  path(relative = ''): string {
    return `${this.clientPrefix}${relative}`;
  }

  /** The ClientID may be a plain word, which the default template would keep: it is named instead. */
  protected override route(spec: RequestSpec): string {
    const relative = spec.path.startsWith(this.clientPrefix) ? spec.path.slice(this.clientPrefix.length) : spec.path;
    return `/v1/clients/{clientId}${routeTemplate(relative)}`;
  }

  protected override willSendRequest(request: OutgoingRequest): void {
    request.headers.authorization = `Bearer ${this.token}`;
  }

  /** 207 is in the 2xx range but reports a failure (the resource's state is unknown). */
  protected override isSuccess(response: UpstreamResponse): boolean {
    return response.status >= 200 && response.status < 300 && response.status !== 207;
  }

  protected override errorFromResponse(response: UpstreamResponse, spec: RequestSpec): GatewayError {
    const body = readErrorBody(response);
    return mapPushpullError(this.answer(response, spec, body), { format: body.format, resourceId: body.resourceId });
  }
}
