/**
 * Mutual TLS, for any provider whose transport options carry a client certificate.
 *
 * Under TLS 1.3 the server checks the client certificate only after the client considers the
 * handshake done, and a server that rejects it may just close the connection without an alert
 * (Node's own TLS servers do; so would some proxies). undici would then report a plain "other
 * side closed", indistinguishable from an outage: the gateway would retry and call it
 * UPSTREAM_UNAVAILABLE. So mutual-TLS pools dial through this connector, which waits, on each
 * new TLS 1.3 connection, for the server's first session ticket (sent once it has accepted
 * the certificate) before handing the socket over; a close (or reset) in that window, or
 * during a TLS 1.2 handshake, becomes `ERR_TLS_CLIENT_CERT_REJECTED`, which the transport
 * classifies as a TLS failure: UPSTREAM_AUTH_FAILED, never retried. A server that sends no
 * tickets costs each new connection at most `ACCEPTANCE_WINDOW_MS` (connections are reused).
 * Server verification against the configured CA is never turned off.
 *
 * The certificate, key and CA are loaded into one TLS context when the connector is built, and
 * every connection of the pool dials with it: given them as PEM, Node parses all three again for
 * each new connection, about a millisecond of the main thread each time (issue 14) — thirty
 * connections opened at once after an idle spell held the event loop for some 30 ms.
 */
import { createSecureContext, type TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import type { ProviderKey } from '../../core/provider-key.js';

export interface ClientTls {
  /** The gateway's client certificate (PEM). */
  cert: string;
  /** Its private key (PEM). */
  key: string;
  /** The CA the server's certificate must chain to (PEM). */
  ca: string;
}

/** How long a new TLS 1.3 connection waits for the server to confirm it took our certificate. */
const ACCEPTANCE_WINDOW_MS = 250;
export const CLIENT_CERT_REJECTED = 'ERR_TLS_CLIENT_CERT_REJECTED';

function certificateRejected(provider: ProviderKey, detail: string, cause?: unknown): Error {
  const error = new Error(`${provider.toUpperCase()} ended the connection ${detail}: it did not accept the gateway's client certificate`, { cause });
  return Object.assign(error, { code: CLIENT_CERT_REJECTED });
}

/** A reset while TLS was still being negotiated (Node's wording since v8). */
function isHandshakeReset(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (code === 'ECONNRESET' || code === 'EPIPE') && /before secure TLS connection was established/i.test(error.message);
}

export function mutualTlsConnector(provider: ProviderKey, tls: ClientTls, timeoutMs: number): buildConnector.connector {
  const secureContext = createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key });
  const dial = buildConnector({ secureContext, rejectUnauthorized: true, timeout: timeoutMs });
  const window = Math.min(ACCEPTANCE_WINDOW_MS, timeoutMs);
  return (options, callback) => {
    dial(options, (error, socket) => {
      if (error) {
        callback(isHandshakeReset(error) ? certificateRejected(provider, 'during the TLS handshake', error) : error, null);
        return;
      }
      const tlsSocket = socket as TLSSocket;
      if (typeof tlsSocket.getProtocol !== 'function' || tlsSocket.getProtocol() !== 'TLSv1.3' || tlsSocket.isSessionReused()) {
        // TLS 1.2 (and earlier) verify the client before the handshake completes; a resumed
        // session was authenticated by the handshake that created it.
        callback(null, socket);
        return;
      }
      awaitAcceptance(provider, tlsSocket, window, callback);
    });
  };
}

function awaitAcceptance(provider: ProviderKey, socket: TLSSocket, windowMs: number, callback: buildConnector.Callback): void {
  if (socket.destroyed) {
    callback(certificateRejected(provider, 'right after the TLS handshake'), null);
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
  const onError = (error: Error) => finish(isResetCode(error) ? certificateRejected(provider, 'right after the TLS handshake', error) : error);
  const onClose = () => finish(certificateRejected(provider, 'right after the TLS handshake'));
  const timer = setTimeout(() => finish(), windowMs);
  socket.on('session', onSession);
  socket.on('error', onError);
  socket.on('close', onClose);
}

function isResetCode(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
