/**
 * pushpull's transport specifics: a bearer token on every request, the ClientID in every
 * path, packed JSON bodies (the shared transport serialises with `JSON.stringify`, which never
 * writes a raw newline: pushpull answers 400 to a body containing one), and two error body
 * formats — JSON `{EC, EM}`, and the XML `<Error><Code>IPNotAllowed</Code>…` its IP
 * allow-list answers with (403, sometimes 500).
 *
 * 207 Multi-Status is a 2xx that is not a success: "one or more upstream processing failed",
 * the resource is in an UNKNOWN state. It goes through `errorFromResponse` like any error.
 */
import type { GatewayError } from '../../core/errors.js';
import {
  ProviderHttpClient,
  sanitizeUpstreamMessage,
  tryParseJson,
  type OutgoingRequest,
  type RequestSpec,
  type TransportOptions,
  type UpstreamResponse,
} from '../transport/http.js';
import { mapPushpullError, type PushpullBodyFormat } from './errors.js';

export interface PushpullClientOptions extends TransportOptions {
  clientId: string;
  token: string;
}

/** What an error answer said, whichever format it came in. */
export interface PushpullErrorBody {
  format: PushpullBodyFormat;
  /** `EC`, or the XML `Code`. */
  code?: string;
  /** `EM`, or the XML `Message` — not yet sanitised. */
  message?: unknown;
  /** `transaction_id`/`account_id` of an object the answer carried (a 207 may carry one). */
  resourceId?: string;
}

export class PushpullClient extends ProviderHttpClient {
  private readonly token: string;
  private readonly clientPrefix: string;

  constructor(options: PushpullClientOptions) {
    super('pushpull', options);
    this.token = options.token;
    this.clientPrefix = `/v1/clients/${encodeURIComponent(options.clientId)}`;
  }

  /** A contract path (`/accounts/…`, relative to the client) as sent: under `/v1/clients/{clientId}`. */
  path(relative = ''): string {
    return `${this.clientPrefix}${relative}`;
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
    return mapPushpullError(
      {
        provider: 'pushpull',
        status: response.status,
        code: body.code,
        message: sanitizeUpstreamMessage(body.message, `PUSHPULL answered ${response.status}`),
        requestId: response.requestId,
        retryAfterHeader: response.headers['retry-after'],
        requestKind: spec.kind,
      },
      { format: body.format, resourceId: body.resourceId },
    );
  }
}

/** Reads an error body leniently: XML (by content type or a leading `<`), JSON, or neither. */
export function readErrorBody(response: Pick<UpstreamResponse, 'headers' | 'body'>): PushpullErrorBody {
  const text = response.body.toString('utf8').trim();
  if (/\bxml\b/i.test(response.headers['content-type'] ?? '') || text.startsWith('<')) {
    return { format: 'xml', code: xmlElement(text, 'Code'), message: xmlElement(text, 'Message') };
  }
  const json = tryParseJson(response.body);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { format: 'none' };
  const o = json as Record<string, unknown>;
  const ec = o.EC;
  const id = o.transaction_id ?? o.account_id;
  return {
    format: 'json',
    code: typeof ec === 'string' || typeof ec === 'number' ? String(ec) : undefined,
    message: o.EM,
    resourceId: typeof id === 'string' && /^[\w-]{1,64}$/.test(id) ? id : undefined,
  };
}

/** The text of the first `<name>` element, entities decoded; undefined when absent. */
function xmlElement(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  if (!m) return undefined;
  return m[1]!
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}
