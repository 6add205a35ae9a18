/**
 * The HTTP server: request ids, CORS, `/healthz` and `/readyz` (http/readiness.ts), and Apollo
 * Server on `/graphql`.
 * Every response carries `x-request-id`, the same id as every error's `extensions.requestId`.
 *
 * Middleware order matters: request id → CORS (a browser's preflight is answered here,
 * before authentication, since it never carries a token) → routes, each authenticating.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import compression from 'compression';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { VerifyToken } from './auth/verifier.js';
import { Scope, type Viewer } from './core/viewer.js';
import { createRequestScope } from './core/request-scope.js';
import { RateLimiter, rateLimitedError } from './gateway/rate-limiter.js';
import { ErrorCode, extensionsOf, GatewayError } from './core/errors.js';
import { createContext, type GraphQLContext } from './context.js';
import { type Gateway } from './gateway/gateway.js';
import { REVEAL_PATH } from './gateway/reveal/card-reveal.js';
import { errorPlugin, formatError, requestScope } from './graphql/error-plugin.js';
import { costPlugin, DEFAULT_QUERY_LIMITS, limitParseOptions, limitRules, type QueryLimits } from './graphql/limits.js';
import { costBudget, type CostBudgetOptions } from './graphql/cost-budget.js';
import { documentScanError } from './graphql/document-scan.js';
import { noSubscriptionsRule } from './graphql/no-subscriptions.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { apolloPersistedQueries, persistedQueriesPlugin, type PersistedQuerySettings } from './graphql/persisted-queries.js';
import type { Logger } from './core/logger.js';
import { pageSizeProblem } from './core/page.js';
import { corsMiddleware, type CorsSettings } from './http/cors.js';
import type { Metrics } from './http/metrics.js';
import { noteErrorCode, observationPlugin, observeRequests } from './http/request-observation.js';
import { listen } from './http/listen.js';
import { livenessEndpoint, readinessEndpoint, type Readiness } from './http/readiness.js';
import { applyConnectionLimits, connectionsCheckingIntervalMs, type HttpServerLimits } from './http/connection-limits.js';

export interface ServerOptions {
  gateway: Gateway;
  log: Logger;
  production: boolean;
  /** Verifies the client's bearer token into a viewer. */
  verify: VerifyToken;
  /** Introspection and the Apollo Sandbox landing page. */
  introspection: boolean;
  /** Per-viewer request rate (token bucket). */
  rateLimit: { perSecond: number; burst: number };
  /** Per-viewer upstream budget (token bucket charged with each document's cost). */
  costBudget: CostBudgetOptions;
  /** Query limits (DEFAULT_QUERY_LIMITS unless given). */
  limits?: QueryLimits;
  /** Largest request body accepted. */
  bodyLimit?: string;
  /** Browser origins allowed to call the API. */
  cors: CorsSettings;
  /** Automatic persisted queries, a safelist, or neither. */
  persistedQueries: PersistedQuerySettings;
  /** What `/readyz` reports (start-up, the state store, draining). */
  readiness: Readiness;
  /** Request metrics (served on their own listener, see http/metrics.ts). */
  metrics: Metrics;
  /** Request timeouts and the per-address connection cap. */
  http: HttpServerLimits;
}

/**
 * GraphQL responses at least this large are compressed (brotli or gzip, as the client's
 * Accept-Encoding prefers); smaller ones cost more CPU to compress than they save on the wire.
 */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** A client may offer its own request id for tracing, if it is a sane token. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * Every request gets the gateway's own id: the audit trail, upstream calls, logs and the
 * `x-request-id` header all carry it, so no client can collide with or forge another request's
 * id. A client's offered id is kept apart as `clientRequestId` (in the request's log lines) to
 * correlate with its own traces.
 */
const requestId: RequestHandler = (req, res, next) => {
  const id = randomUUID();
  const offered = req.header('x-request-id');
  if (offered && CLIENT_REQUEST_ID.test(offered)) res.locals.clientRequestId = offered;
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  requestScope.run({ requestId: id }, next);
};

/** The request's logger: the client's offered id, when it gave one, on every line. */
function requestLogger(log: Logger, res: express.Response): Logger {
  const clientRequestId = res.locals.clientRequestId as string | undefined;
  return clientRequestId ? log.child({ clientRequestId }) : log;
}

/** A typed error body outside GraphQL execution (authentication, body parsing). */
function sendError(res: express.Response, status: number, error: GatewayError): void {
  noteErrorCode(error.code);
  res.status(status).json({ errors: [{ message: error.message, extensions: extensionsOf(error, res.locals.requestId as string) }] });
}

/**
 * Every GraphQL request carries a verified bearer token; the viewer it yields scopes the
 * request. Only the Sandbox landing page (a browser GET for HTML) is served without one.
 */
function authenticate(options: ServerOptions): RequestHandler {
  return async (req, res, next) => {
    if (req.method === 'GET' && options.introspection && req.accepts(['application/json', 'text/html']) === 'text/html') return next();
    try {
      res.locals.viewer = await options.verify(req.header('authorization'));
      next();
    } catch (error) {
      res.setHeader('www-authenticate', 'Bearer');
      sendError(res, 401, error instanceof GatewayError ? error : new GatewayError(ErrorCode.UNAUTHENTICATED, 'The token could not be verified'));
    }
  };
}

/** HTTP status of a typed error outside GraphQL (the reveal endpoint). */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNSUPPORTED_BY_PROVIDER: 422,
  RATE_LIMITED: 429,
  UPSTREAM_TIMEOUT: 504,
};

/** Each viewer gets a token bucket of requests; past it, RATE_LIMITED with Retry-After. */
function rateLimit(limits: ServerOptions['rateLimit']): RequestHandler {
  const limiter = new RateLimiter({ capacity: limits.burst, refillPerSecond: limits.perSecond });
  return (_req, res, next) => {
    const viewer = res.locals.viewer as Viewer | undefined;
    if (!viewer) return next();
    const taken = limiter.take(`${viewer.tenant}:${viewer.subject}`);
    if (taken.allowed) return next();
    res.setHeader('retry-after', String(taken.retryAfterSeconds));
    sendError(res, 429, rateLimitedError(taken.retryAfterSeconds));
  };
}

/**
 * `POST /reveal {"token": "..."}` → the card's PAN, CVV and expiry, once. Never cached, never
 * logged; needs the same viewer (and scope) that requested the reveal.
 */
function revealEndpoint(options: ServerOptions): RequestHandler {
  return async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('pragma', 'no-cache');
    const viewer = res.locals.viewer as Viewer;
    const requestId = res.locals.requestId as string;
    try {
      if (!viewer.scopes.has(Scope.CARDS_REVEAL)) {
        throw new GatewayError(ErrorCode.FORBIDDEN, 'Revealing a card needs the scope cards:reveal', { details: { missingScopes: [Scope.CARDS_REVEAL] } });
      }
      const token = (req.body as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || !/^rvl_[A-Za-z0-9_-]{43}$/.test(token)) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'token must be a reveal token');
      const scope = createRequestScope(requestId, viewer, requestLogger(options.log, res), options.gateway.requestDeadlineMs);
      const secrets = await options.gateway.reveals.redeem({ ...scope, registry: options.gateway.tenant(viewer.tenant).registry }, token);
      res.json(secrets);
    } catch (error) {
      const typed = error instanceof GatewayError ? error : new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      if (!(error instanceof GatewayError)) options.log.error({ err: error, requestId }, 'reveal failed unexpectedly');
      sendError(res, HTTP_STATUS[typed.code] ?? 502, typed);
    }
  };
}

/**
 * The linear scan before Apollo parses or validates (graphql/document-scan.ts): a document
 * writing more fields or selections than allowed is refused for the price of lexing it.
 */
function documentScan(limits: QueryLimits): RequestHandler {
  return (req, res, next) => {
    const query: unknown = req.method === 'GET' ? req.query.query : (req.body as { query?: unknown } | undefined)?.query;
    const refused = typeof query === 'string' ? documentScanError(query, limits) : undefined;
    if (!refused) return next();
    sendError(res, 400, refused);
  };
}

/** Body parser failures (malformed JSON, too large) as typed GraphQL-shaped errors. */
const bodyErrors: ErrorRequestHandler = (error: { type?: string; status?: number }, _req, res, next) => {
  if (res.headersSent) return next(error);
  const tooLarge = error.type === 'entity.too.large';
  const message = tooLarge ? 'The request body is too large' : 'The request body is not valid JSON';
  sendError(res, tooLarge ? 413 : 400, new GatewayError(ErrorCode.BAD_USER_INPUT, message));
};

export async function startServer(options: ServerOptions, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  // GraphQL answers POSTs: an ETag (a SHA-1 of every response body) would be CPU spent for nothing.
  app.set('etag', false);
  const httpServer = http.createServer({ connectionsCheckingInterval: connectionsCheckingIntervalMs(options.http) }, app);
  applyConnectionLimits(httpServer, options.http);
  const limits = options.limits ?? DEFAULT_QUERY_LIMITS;
  const apollo = new ApolloServer<GraphQLContext>({
    schema: buildGatewaySchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: options.introspection,
    // No "Did you mean …?" hints: they would map the schema for someone without access to it.
    hideSchemaDetailsFromClientErrors: true,
    // Abuse limits: fields/selections before parsing (documentScan), tokens at parse,
    // depth/aliases/directives at validation, cost, ids and the viewer's budget before execution.
    parseOptions: limitParseOptions(limits),
    validationRules: [...limitRules(limits), noSubscriptionsRule],
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    persistedQueries: apolloPersistedQueries(options.persistedQueries),
    plugins: [
      persistedQueriesPlugin(options.persistedQueries),
      errorPlugin(),
      // After errorPlugin: it sees the partial failures errorPlugin appends to the answer.
      observationPlugin<GraphQLContext>(),
      costPlugin<GraphQLContext>({ maxCost: limits.maxCost, maxIds: limits.maxIds, charge: costBudget(options.costBudget), checkFirst: pageSizeProblem }),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      options.introspection
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  app.use(requestId);
  app.use(corsMiddleware(options.cors));
  app.get('/healthz', livenessEndpoint);
  app.get('/readyz', readinessEndpoint(options.readiness));
  const limit = rateLimit(options.rateLimit);
  app.post(REVEAL_PATH, observeRequests(options.log, options.metrics, REVEAL_PATH), authenticate(options), limit, express.json({ limit: '2kb' }), revealEndpoint(options));
  app.use(
    '/graphql',
    observeRequests(options.log, options.metrics, '/graphql'),
    authenticate(options),
    limit,
    // Only GraphQL answers are compressed: /reveal's card secrets are small and never should be.
    compression({ threshold: COMPRESSION_THRESHOLD_BYTES }),
    express.json({ limit: options.bodyLimit ?? '100kb' }),
    documentScan(limits),
    expressMiddleware(apollo, {
      context: async ({ res }) => createContext(options.gateway, res.locals.requestId as string, res.locals.viewer as Viewer, requestLogger(options.log, res)),
    }),
  );
  app.use(bodyErrors);

  const url = await listen(httpServer, port, host);
  return {
    url,
    async close() {
      await apollo.stop();
    },
  };
}
