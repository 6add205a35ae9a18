/**
 * ledger's transport specifics: a bearer API key and the tenant header on every request;
 * errors come as `{errors: [...]}` (or one object under `errors`), each entry with `type`
 * and `message` or `error`, sometimes `error_code`.
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
import { mapLedgerError, type LedgerErrorEntry } from './errors.js';

export interface LedgerClientOptions extends TransportOptions {
  apiKey: string;
  tenantId: string;
}

export class LedgerClient extends ProviderHttpClient {
  constructor(private readonly credentials: LedgerClientOptions) {
    super('ledger', credentials);
  }

  protected override willSendRequest(request: OutgoingRequest): void {
    request.headers.authorization = `Bearer ${this.credentials.apiKey}`;
    request.headers['x-tenant-id'] = this.credentials.tenantId;
  }

  protected override errorFromResponse(response: UpstreamResponse, spec: RequestSpec): GatewayError {
    const entry = firstErrorEntry(tryParseJson(response.body), response.status);
    return mapLedgerError(
      {
        provider: 'ledger',
        status: response.status,
        code: entry.errorCode ?? entry.type,
        message: entry.message,
        requestId: response.requestId,
        retryAfterHeader: response.headers['retry-after'],
        requestKind: spec.kind,
      },
      entry,
    );
  }
}

/** The first entry of any error shape the reference shows. */
export function firstErrorEntry(body: unknown, status: number): LedgerErrorEntry {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  const first = (Array.isArray(errors) ? errors[0] : errors) as Record<string, unknown> | undefined;
  const fallback = `LEDGER answered ${status}`;
  if (!first || typeof first !== 'object') return { message: fallback };
  return {
    type: typeof first.type === 'string' ? first.type : undefined,
    message: sanitizeUpstreamMessage(first.message ?? first.error, fallback),
    errorCode: typeof first.error_code === 'string' ? first.error_code : undefined,
  };
}
