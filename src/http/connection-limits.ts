/**
 * What one client may hold of the HTTP server: how long it may take to send a request (a
 * client dribbling its body byte by byte must not keep a socket and a parser for minutes), and
 * how many connections one remote address may keep open at once (past the cap a new one is
 * closed at once, so one address cannot exhaust the server's sockets and memory).
 */
import type http from 'node:http';
import type { Socket } from 'node:net';

export interface HttpServerLimits {
  /** Time to receive a request's headers. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Connections one remote address may hold open at once. */
  maxConnectionsPerClient: number;
}

/**
 * How often Node checks the headers and request timeouts: its default (30 s) would let a slow
 * client overstay a short timeout by that much.
 */
export function connectionsCheckingIntervalMs(limits: HttpServerLimits): number {
  return Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 2)));
}

/** Applies the timeouts and the per-address connection cap to a server. */
export function applyConnectionLimits(server: http.Server, limits: HttpServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerClient) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
