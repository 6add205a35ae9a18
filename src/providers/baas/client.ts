/**
 * baas's transport specifics: mutual TLS (the gateway's client certificate and key, and the
 * CA that must have signed the *server's* certificate; see ../mutual-tls.ts), `X-API-Key` on
 * every request, and the `{status, data, meta?}` envelope.
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import { upstreamObject } from '../transport/upstream-shape.js';
import type { CallContext } from '../../core/call-context.js';
import {
  ProviderHttpClient,
  parseJsonBody,
  tryParseJson,
  type OutgoingRequest,
  type RequestSpec,
  type TransportOptions,
  type UpstreamResponse,
} from '../transport/http.js';
import type { ClientTls } from '../transport/mutual-tls.js';
import { mapBaasError, readErrorBody } from './errors.js';

export type BaasTls = ClientTls;

export interface BaasClientOptions extends TransportOptions {
  apiKey: string;
  tls: BaasTls;
}

/** A list answer: the page's items and the provider's count of all of them. */
export interface BaasListPage {
  items: unknown[];
  total: number;
}

/** A success envelope, unwrapped: `meta` only on lists. */
interface BaasEnvelope {
  data: unknown;
  meta?: unknown;
}

export class BaasClient extends ProviderHttpClient {
  private readonly apiKey: string;

  constructor(options: BaasClientOptions) {
    super('baas', options);
    this.apiKey = options.apiKey;
  }

  protected override willSendRequest(request: OutgoingRequest): void {
    request.headers['x-api-key'] = this.apiKey;
  }

  /** The envelope, checked: a 2xx that says `status:"error"` is still a failure. */
  protected override parseBody(response: UpstreamResponse, spec: RequestSpec): BaasEnvelope {
    const body = parseJsonBody('baas', response, spec);
    const envelope = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (envelope.status === 'success' && 'data' in envelope) return { data: envelope.data, meta: envelope.meta };
    if (envelope.status === 'error') throw this.errorFromResponse(response, spec);
    throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `BAAS answered ${spec.name} without its {status, data} envelope`, {
      provider: 'baas',
      upstream: { status: response.status, requestId: response.requestId },
    });
  }

  protected override errorFromResponse(response: UpstreamResponse, spec: RequestSpec): GatewayError {
    const body = readErrorBody(tryParseJson(response.body), response.status);
    return mapBaasError(this.answer(response, spec, body), body, { operationName: spec.name });
  }

  /** One object: the envelope's `data`. */
  async data(spec: RequestSpec, cx: CallContext): Promise<unknown> {
    return (await this.request<BaasEnvelope>(spec, cx)).data;
  }

  /** One page of a list: `data` and `meta.total`. */
  async page(spec: RequestSpec, cx: CallContext): Promise<BaasListPage> {
    const envelope = await this.request<BaasEnvelope>(spec, cx);
    if (!Array.isArray(envelope.data)) {
      throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `BAAS answered ${spec.name} with a list that is not an array`, { provider: 'baas' });
    }
    const meta = upstreamObject('baas', `${spec.name} meta`, envelope.meta);
    const total = meta.optInt('total');
    if (total === null || total < 0) {
      throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `BAAS answered ${spec.name} without meta.total`, { provider: 'baas' });
    }
    return { items: envelope.data, total };
  }
}
