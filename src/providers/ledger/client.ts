/**
 * ledger's transport specifics: a bearer API key and the tenant header on every request;
 * errors come as `{errors: [...]}` (or one object under `errors`), each entry with `type`
 * and `message` or `error`, sometimes `error_code`.
 */
import type { GatewayError } from '../../core/errors.js';
import {
  ProviderHttpClient,
  tryParseJson,
  type OutgoingRequest,
  type RequestSpec,
  type TransportOptions,
  type UpstreamResponse,
} from '../transport/http.js';
import { firstErrorEntry, mapLedgerError } from './errors.js';

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
    return mapLedgerError(this.answer(response, spec, { code: entry.errorCode ?? entry.type, message: entry.message }), entry);
  }
}
