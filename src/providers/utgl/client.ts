/**
 * utgl's transport specifics: every request carries a fresh RS256 JWT binding it to its
 * exact path+query, method and body hash (utgl.md, "Transport and authentication"), and
 * every POST an Idempotency-Key.
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import type { GatewayError } from '../../core/errors.js';
import {
  ProviderHttpClient,
  type OutgoingRequest,
  type RequestSpec,
  type TransportOptions,
  type UpstreamResponse,
} from '../transport/http.js';
import { mapUtglError, readErrorBody } from './errors.js';
import { requestTokenSigner, type SignedRequest } from './request-token.js';

export interface UtglClientOptions extends TransportOptions {
  accessKey: string;
  privateKeyPem: string;
}

export class UtglClient extends ProviderHttpClient {
  private readonly signer: (request: SignedRequest) => Promise<string>;

  constructor(options: UtglClientOptions) {
    super('utgl', options);
    // Node parses both PKCS#8 and PKCS#1 PEM.
    this.signer = requestTokenSigner(options.accessKey, createPrivateKey(options.privateKeyPem));
  }

  protected override async willSendRequest(request: OutgoingRequest): Promise<void> {
    if (request.method === 'POST' && !request.headers['idempotency-key']) {
      request.headers['idempotency-key'] = randomUUID();
    }
    request.headers.authorization = `Bearer ${await this.sign(request)}`;
  }

  /** The per-request JWT: `uri` is the path with its query string exactly as sent. */
  sign(request: Pick<OutgoingRequest, 'method' | 'pathWithQuery' | 'body'>): Promise<string> {
    return this.signer(request);
  }

  protected override errorFromResponse(response: UpstreamResponse, spec: RequestSpec): GatewayError {
    return mapUtglError(this.answer(response, spec, readErrorBody(response.body)));
  }
}
