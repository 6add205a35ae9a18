/**
 * utgl's transport specifics: every request carries a fresh RS256 JWT binding it to its
 * exact path+query, method and body hash (utgl.md, "Transport and authentication"), and
 * every POST an Idempotency-Key.
 */
import { createHash, createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { GatewayError } from '../../core/errors.js';
import {
  ProviderHttpClient,
  type OutgoingRequest,
  type RequestSpec,
  type TransportOptions,
  type UpstreamResponse,
} from '../transport/http.js';
import { mapUtglError, readErrorBody } from './errors.js';

export interface UtglClientOptions extends TransportOptions {
  accessKey: string;
  privateKeyPem: string;
}

/** The provider rejects tokens older than 30 s; ours live exactly that long. */
const TOKEN_LIFETIME_S = 30;

export class UtglClient extends ProviderHttpClient {
  private readonly accessKey: string;
  private readonly privateKey: KeyObject;

  constructor(options: UtglClientOptions) {
    super('utgl', options);
    this.accessKey = options.accessKey;
    // Node parses both PKCS#8 and PKCS#1 PEM; jose signs with the KeyObject.
    this.privateKey = createPrivateKey(options.privateKeyPem);
  }

  protected override async willSendRequest(request: OutgoingRequest): Promise<void> {
    if (request.method === 'POST' && !request.headers['idempotency-key']) {
      request.headers['idempotency-key'] = randomUUID();
    }
    request.headers.authorization = `Bearer ${await this.sign(request)}`;
  }

  /** The per-request JWT: `uri` is the path with its query string exactly as sent. */
  async sign(request: Pick<OutgoingRequest, 'method' | 'pathWithQuery' | 'body'>): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const bodyHash = createHash('sha256').update(request.body ?? Buffer.alloc(0)).digest('hex');
    return new SignJWT({ uri: request.pathWithQuery, method: request.method, body_sha256: bodyHash })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.accessKey })
      .setSubject(this.accessKey)
      .setIssuedAt(now)
      .setExpirationTime(now + TOKEN_LIFETIME_S)
      .setJti(randomUUID())
      .sign(this.privateKey);
  }

  protected override errorFromResponse(response: UpstreamResponse, spec: RequestSpec): GatewayError {
    return mapUtglError(this.answer(response, spec, readErrorBody(response.body)));
  }
}
