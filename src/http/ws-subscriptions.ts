/**
 * Subscriptions over WebSocket: the `graphql-transport-ws` protocol (graphql-ws `useServer`,
 * on `ws`) on the HTTP server's `/graphql`, as Apollo Server documents it, with the same
 * security as queries:
 *
 * - The upgrade obeys the CORS origin rules (http/cors.ts): a browser's `Origin` that may not
 *   call the API is refused with 403 before any WebSocket exists (a page elsewhere cannot ride
 *   a user's network position). Clients without an Origin (mobile, servers) are not browsers.
 * - The bearer token travels in `connection_init` (`{ "authorization": "Bearer …" }`) and is
 *   checked by the same verifier as HTTP requests; scopes and tenancy apply per subscription.
 * - Only subscriptions run here; queries and mutations go over HTTP (their rate limits, cost
 *   budget and persisted-query rules live there). Documents pass the same scan, parse and
 *   validation limits as over HTTP.
 * - Limits: sockets per viewer, subscriptions per socket and per viewer (per replica), an idle
 *   timeout, and a bounded send buffer per socket (a slow consumer is dropped).
 *
 * Close codes (README, "Live updates"): 4403 no valid token at `connection_init`, or the token
 * expired (reconnect with a fresh one); 4408 no `connection_init` in time; 4409 too many
 * sockets for this viewer; 4410 idle (no subscription) for WS_IDLE_TIMEOUT_MS; 4413 too slow
 * (the socket's unsent data or queued events passed their bound); 1001 the server is shutting
 * down. A subscription over a per-socket or per-viewer limit is refused with an `error`
 * message (LIMIT_EXCEEDED), the socket stays open.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type ExecutionArgs, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { VerifyToken } from '../auth/verifier.js';
import { ErrorCode, GatewayError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { viewerKey, type Viewer } from '../core/viewer.js';
import { createSubscriptionContext } from '../context.js';
import type { Gateway } from '../gateway/gateway.js';
import { documentScanError } from '../graphql/document-scan.js';
import { formatError } from '../graphql/error-plugin.js';
import { limitParseOptions, limitRules, type QueryLimits } from '../graphql/limits.js';
import { isAllowedOrigin, type CorsSettings } from './cors.js';
import type { SubscriptionSettings } from './subscription-settings.js';

export const SUBSCRIPTIONS_PATH = '/graphql';

/** Close codes beyond graphql-ws's own (4403 Forbidden, 4408 init timeout, 4400 bad request). */
export const CloseCode = {
  /** No valid token at connection_init, or the token expired while connected: reconnect with a fresh token. */
  TOKEN_REFUSED: 4403,
  /** The viewer already holds WS_MAX_CONNECTIONS_PER_VIEWER sockets on this replica. */
  TOO_MANY_CONNECTIONS: 4409,
  /** No subscription for WS_IDLE_TIMEOUT_MS. */
  IDLE: 4410,
  /** Events were not read fast enough: unsent bytes or queued events passed their bound. */
  TOO_SLOW: 4413,
} as const;

/** Largest message a client may send (a subscribe message with its document). */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** Sockets ping their client this often; one that does not answer is dropped (graphql-ws). */
const KEEP_ALIVE_MS = 12_000;

export interface WsSubscriptionOptions {
  schema: GraphQLSchema;
  gateway: Gateway;
  verify: VerifyToken;
  log: Logger;
  cors: CorsSettings;
  limits: QueryLimits;
  settings: SubscriptionSettings;
  production: boolean;
}

/** One socket's state, kept in graphql-ws's context `extra`. */
interface Connection {
  viewer?: Viewer;
  viewerKey?: string;
  active: Set<string>;
  idleTimer?: NodeJS.Timeout;
  expiryTimer?: NodeJS.Timeout;
}

// A type (not an interface): graphql-ws wants an index-signature-compatible record.
type Extra = { connection?: Connection };

export interface RunningSubscriptions {
  /** Sockets open now. */
  readonly sockets: number;
  /** Closes every socket (1001) and stops accepting upgrades: Apollo's drain hook calls it. */
  dispose(): Promise<void>;
}

export function attachSubscriptions(httpServer: http.Server, options: WsSubscriptionOptions): RunningSubscriptions {
  const { settings, log } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  /** Open sockets per viewer (tenant:subject) on this replica. */
  const byViewer = new Map<string, Set<Connection>>();

  httpServer.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== SUBSCRIPTIONS_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    const origin = request.headers.origin;
    if (origin !== undefined && !isAllowedOrigin(options.cors, origin)) return refuseUpgrade(socket, 403, 'Forbidden');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  const closeWith = (connection: Connection, socket: WebSocket, code: number, reason: string) => {
    clearTimeout(connection.idleTimer);
    clearTimeout(connection.expiryTimer);
    socket.close(code, reason);
  };
  const armIdle = (connection: Connection, socket: WebSocket) => {
    clearTimeout(connection.idleTimer);
    if (connection.active.size > 0) return;
    connection.idleTimer = setTimeout(() => closeWith(connection, socket, CloseCode.IDLE, 'Idle: no subscription'), settings.idleTimeoutMs);
    connection.idleTimer.unref();
  };
  const viewerSubscriptions = (key: string) => [...(byViewer.get(key) ?? [])].reduce((n, c) => n + c.active.size, 0);

  const server = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema: options.schema,
      connectionInitWaitTimeout: settings.connectionInitTimeoutMs,
      async onConnect(ctx) {
        const connection: Connection = { active: new Set() };
        ctx.extra.connection = connection;
        const socket = ctx.extra.socket;
        let viewer: Viewer;
        const authorization = tokenOf(ctx.connectionParams);
        try {
          viewer = await options.verify(authorization);
        } catch (error) {
          const reason = error instanceof GatewayError ? error.message : 'The token could not be verified';
          closeWith(connection, socket, CloseCode.TOKEN_REFUSED, limitReason(reason));
          return false;
        }
        const key = viewerKey(viewer);
        const open = byViewer.get(key) ?? new Set<Connection>();
        if (open.size >= settings.maxConnectionsPerViewer) {
          closeWith(connection, socket, CloseCode.TOO_MANY_CONNECTIONS, `At most ${settings.maxConnectionsPerViewer} sockets per viewer`);
          return false;
        }
        open.add(connection);
        byViewer.set(key, open);
        connection.viewer = viewer;
        connection.viewerKey = key;
        const expiresAt = expiryOf(authorization);
        if (expiresAt !== undefined) {
          // setTimeout holds at most ~24.8 days; tokens live at most 31 days and are checked again at reconnect.
          const inMs = Math.min(Math.max(0, expiresAt - Date.now()), 2_147_000_000);
          connection.expiryTimer = setTimeout(() => closeWith(connection, socket, CloseCode.TOKEN_REFUSED, 'The token has expired'), inMs);
          connection.expiryTimer.unref();
        }
        armIdle(connection, socket);
        return true;
      },
      async onSubscribe(ctx, id, payload) {
        const connection = ctx.extra.connection!;
        const viewer = connection.viewer!;
        const requestId = randomUUID();
        const refuse = (error: GatewayError) => [toGraphQLError(error, requestId)];
        if (connection.active.size >= settings.maxSubscriptionsPerConnection) {
          return refuse(limitExceeded(`At most ${settings.maxSubscriptionsPerConnection} subscriptions per socket: complete one first`));
        }
        if (viewerSubscriptions(connection.viewerKey!) >= settings.maxSubscriptionsPerViewer) {
          return refuse(limitExceeded(`At most ${settings.maxSubscriptionsPerViewer} subscriptions per viewer: complete one first`));
        }
        const scanned = documentScanError(payload.query, options.limits);
        if (scanned) return refuse(scanned);
        let document: DocumentNode;
        try {
          document = parse(payload.query, limitParseOptions(options.limits));
        } catch (error) {
          return refuse(new GatewayError(ErrorCode.BAD_USER_INPUT, (error as Error).message));
        }
        const invalid = validate(options.schema, document, [...specifiedRules, ...limitRules(options.limits)]);
        if (invalid.length > 0) return refuse(new GatewayError(ErrorCode.BAD_USER_INPUT, invalid[0]!.message));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return refuse(new GatewayError(ErrorCode.BAD_USER_INPUT, 'Name the operation to run (operationName)'));
        if (operation.operation !== 'subscription') {
          return refuse(new GatewayError(ErrorCode.BAD_USER_INPUT, `Only subscriptions run over WebSocket: send ${operation.operation === 'query' ? 'queries' : 'mutations'} over HTTP POST /graphql`));
        }
        connection.active.add(id);
        clearTimeout(connection.idleTimer);
        const socket = ctx.extra.socket;
        let first = true;
        const args: ExecutionArgs = {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: createSubscriptionContext(
            options.gateway,
            () => (first ? ((first = false), requestId) : randomUUID()),
            viewer,
            log.child({ subscription: true }),
            { maxQueued: settings.maxQueuedEvents, onOverflow: () => closeWith(connection, socket, CloseCode.TOO_SLOW, 'Too slow: events were not read in time') },
          ),
        };
        return args;
      },
      onNext(ctx, _id, _payload, args, result) {
        const socket = ctx.extra.socket;
        if (socket.bufferedAmount > settings.maxBufferedBytes) {
          closeWith(ctx.extra.connection!, socket, CloseCode.TOO_SLOW, 'Too slow: events were not read in time');
        }
        const requestId = (args.contextValue as { requestId: string }).requestId;
        if (!result.errors) return undefined;
        return { ...result, errors: result.errors.map((error) => withRequestId(formatError(error.toJSON(), error), requestId)) };
      },
      onError(_ctx, _id, _payload, errors) {
        return errors.map((error) => formatError(error.toJSON(), error));
      },
      onComplete(ctx, id) {
        const connection = ctx.extra.connection;
        if (!connection) return;
        connection.active.delete(id);
        armIdle(connection, ctx.extra.socket);
      },
      onClose(ctx) {
        const connection = ctx.extra.connection;
        if (!connection) return;
        clearTimeout(connection.idleTimer);
        clearTimeout(connection.expiryTimer);
        connection.active.clear();
        if (!connection.viewerKey) return;
        const open = byViewer.get(connection.viewerKey);
        open?.delete(connection);
        if (open?.size === 0) byViewer.delete(connection.viewerKey);
      },
    },
    wss,
    KEEP_ALIVE_MS,
  );
  // A socket whose client never sends connection_init has no Connection yet: graphql-ws
  // closes it (4408) after connectionInitWaitTimeout.

  return {
    get sockets() {
      return wss.clients.size;
    },
    async dispose() {
      await server.dispose();
    },
  };
}

/** The token from `connection_init`'s payload: `authorization` ("Bearer …"), or `token` alone. */
function tokenOf(params: Record<string, unknown> | undefined): string | undefined {
  const authorization = params?.authorization ?? params?.Authorization;
  if (typeof authorization === 'string') return authorization;
  return typeof params?.token === 'string' ? `Bearer ${params.token}` : undefined;
}

/** When the (already verified) token expires, epoch ms. */
function expiryOf(authorization: string | undefined): number | undefined {
  try {
    const exp = decodeJwt(authorization!.replace(/^Bearer +/i, '')).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** A WebSocket close reason is at most 123 bytes. */
function limitReason(reason: string): string {
  return Buffer.byteLength(reason) <= 123 ? reason : `${reason.slice(0, 110)}…`;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function limitExceeded(message: string): GatewayError {
  return new GatewayError(ErrorCode.LIMIT_EXCEEDED, message, { retryable: false });
}

/** A typed refusal as graphql-ws sends errors (its `error` message), formatted as over HTTP. */
function toGraphQLError(error: GatewayError, requestId: string): GraphQLError {
  const formatted = withRequestId(formatError({ message: error.message }, error), requestId);
  return new GraphQLError(formatted.message, { extensions: formatted.extensions });
}

function withRequestId(formatted: GraphQLFormattedError, requestId: string): GraphQLFormattedError {
  return { ...formatted, extensions: { ...formatted.extensions, requestId } };
}
