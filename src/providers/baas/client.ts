/**
 * baas's transport specifics: mutual TLS (the gateway's client certificate and key, and the
 * CA that must have signed the *server's* certificate — verification is never turned off),
 * `X-API-Key` on every request, and the `{status, data, meta?}` envelope.
 *
 * Mutual TLS needs one thing the shared transport cannot see. Under TLS 1.3 the server checks
 * the client certificate only after the client considers the handshake done, and a server
 * that rejects it may just close the connection without an alert (Node's own TLS servers do;
 * so would some proxies). undici then reports a plain "other side closed", indistinguishable
 * from an outage: the gateway would retry and call it UPSTREAM_UNAVAILABLE. So this client
 * dials through its own connector, which waits, on each new TLS 1.3 connection, for the
 * server's first session ticket (sent once it has accepted the certificate) before handing
 * the socket over; a close (or reset) in that window, or during a TLS 1.2 handshake, becomes
 * `ERR_TLS_CLIENT_CERT_REJECTED`, which the transport classifies as a TLS failure:
 * UPSTREAM_AUTH_FAILED, never retried. A server that sends no tickets costs each new
 * connection at most `ACCEPTANCE_WINDOW_MS` (connections are kept alive and reused).
 */
import type { TLSSocket } from 'node:tls';
import { Pool, buildConnector } from 'undici';
import { ErrorCode, GatewayError } from '../../gateway/errors.js';
import { upstreamObject } from '../../gateway/upstream-shape.js';
import type { CallContext } from '../../gateway/call-context.js';
import {
  ProviderHttpClient,
  parseJsonBody,
  tryParseJson,
  type OutgoingRequest,
  type RequestSpec,
  type TransportOptions,
  type UpstreamResponse,
} from '../http.js';
import { mapBaasError, readErrorBody } from './errors.js';

export interface BaasTls {
  /** The gateway's client certificate (PEM). */
  cert: string;
  /** Its private key (PEM). */
  key: string;
  /** The CA the server's certificate must chain to (PEM). */
  ca: string;
}

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

/** How long a new TLS 1.3 connection waits for the server to confirm it took our certificate. */
export const ACCEPTANCE_WINDOW_MS = 250;
export const CLIENT_CERT_REJECTED = 'ERR_TLS_CLIENT_CERT_REJECTED';

export class BaasClient extends ProviderHttpClient {
  private readonly apiKey: string;

  constructor(options: BaasClientOptions) {
    super('baas', { ...options, dispatcher: options.dispatcher ?? mutualTlsPool(options) });
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
    return mapBaasError(
      {
        provider: 'baas',
        status: response.status,
        code: body.code,
        message: body.message,
        requestId: response.requestId,
        retryAfterHeader: response.headers['retry-after'],
        operation: spec.operation,
      },
      body,
      { operationName: spec.name },
    );
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

/** The shared transport's pool settings, dialling through the mutual-TLS connector. */
function mutualTlsPool(options: BaasClientOptions): Pool {
  return new Pool(new URL(options.baseUrl).origin, {
    connections: options.connections ?? 64,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    connect: mutualTlsConnector(options.tls, options.connectTimeoutMs),
  });
}

function certificateRejected(detail: string, cause?: unknown): Error {
  const error = new Error(`BAAS ended the connection ${detail}: it did not accept the gateway's client certificate`, { cause });
  return Object.assign(error, { code: CLIENT_CERT_REJECTED });
}

/** A reset while TLS was still being negotiated (Node's wording since v8). */
function isHandshakeReset(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (code === 'ECONNRESET' || code === 'EPIPE') && /before secure TLS connection was established/i.test(error.message);
}

export function mutualTlsConnector(tls: BaasTls, timeoutMs: number): buildConnector.connector {
  const dial = buildConnector({ ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: true, timeout: timeoutMs });
  const window = Math.min(ACCEPTANCE_WINDOW_MS, timeoutMs);
  return (options, callback) => {
    dial(options, (error, socket) => {
      if (error) {
        callback(isHandshakeReset(error) ? certificateRejected('during the TLS handshake', error) : error, null);
        return;
      }
      const tlsSocket = socket as TLSSocket;
      if (typeof tlsSocket.getProtocol !== 'function' || tlsSocket.getProtocol() !== 'TLSv1.3' || tlsSocket.isSessionReused()) {
        // TLS 1.2 (and earlier) verify the client before the handshake completes; a resumed
        // session was authenticated by the handshake that created it.
        callback(null, socket);
        return;
      }
      awaitAcceptance(tlsSocket, window, callback);
    });
  };
}

function awaitAcceptance(socket: TLSSocket, windowMs: number, callback: buildConnector.Callback): void {
  if (socket.destroyed) {
    callback(certificateRejected('right after the TLS handshake'), null);
    return;
  }
  let settled = false;
  const finish = (error?: Error) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.off('session', onSession);
    socket.off('error', onError);
    socket.off('close', onClose);
    if (error) {
      socket.destroy();
      callback(error, null);
    } else {
      // Not from inside the 'session' event: it is raised while OpenSSL is still reading, and
      // a request written from there would stall.
      setImmediate(() => callback(null, socket));
    }
  };
  const onSession = () => finish();
  // An alert (e.g. ERR_SSL_TLSV1_ALERT_UNKNOWN_CA) keeps its own code; a bare reset is a rejection.
  const onError = (error: Error) => finish(isResetCode(error) ? certificateRejected('right after the TLS handshake', error) : error);
  const onClose = () => finish(certificateRejected('right after the TLS handshake'));
  const timer = setTimeout(() => finish(), windowMs);
  socket.on('session', onSession);
  socket.on('error', onError);
  socket.on('close', onClose);
}

function isResetCode(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
