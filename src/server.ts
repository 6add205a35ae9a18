/**
 * The HTTP server, on Node's own `http` module: request ids, CORS, `/healthz` and `/readyz`
 * (http/readiness.ts), `/reveal`, and Apollo Server on `/graphql` (http/graphql-endpoint.ts).
 * Every response carries `x-request-id`, the same id as every error's `extensions.requestId`.
 *
 * Step order matters: request id → CORS (a browser's preflight is answered here, before
 * authentication, since it never carries a token) → the route's steps, each authenticating.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import accepts from 'accepts';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { VerifyToken } from './auth/verifier.js';
import { Scope } from './core/viewer.js';
import { createRequestScope } from './core/request-scope.js';
import { RateLimiter, rateLimitedError } from './gateway/rate-limiter.js';
import { ErrorCode, extensionsOf, GatewayError } from './core/errors.js';
import { createContext, type GraphQLContext } from './context.js';
import { type Gateway } from './gateway/gateway.js';
import { REVEAL_PATH } from './gateway/reveal/card-reveal.js';
import { errorPlugin, formatError } from './graphql/error-plugin.js';
import { costPlugin, DEFAULT_QUERY_LIMITS, limitParseOptions, limitRules, type QueryLimits } from './graphql/limits.js';
import { costBudget, type CostBudgetOptions } from './graphql/cost-budget.js';
import { admissionGate, type Admission } from './graphql/admission.js';
import { documentScanner } from './graphql/document-scan.js';
import { noSubscriptionsRule } from './graphql/no-subscriptions.js';
import { buildGatewaySchema, buildSchemaForFullReaders } from './graphql/schema.js';
import { compiledExecution, type GraphQLExecutor } from './graphql/compiled-execution.js';
import { apolloPersistedQueries, persistedQueriesPlugin, type PersistedQuerySettings } from './graphql/persisted-queries.js';
import type { Logger } from './core/logger.js';
import { pageSizeProblem } from './core/page.js';
import { corsStep, type CorsSettings } from './http/cors.js';
import { runSteps, sendJson, splitUrl, type Exchange, type HttpRequest, type Step } from './http/exchange.js';
import { graphqlEndpoint } from './http/graphql-endpoint.js';
import { jsonBody } from './http/json-body.js';
import type { Metrics } from './http/metrics.js';
import { noteErrorCode, observationPlugin, observeRequests } from './http/request-observation.js';
import { listen } from './http/listen.js';
import { livenessEndpoint, readinessEndpoint, type Readiness } from './http/readiness.js';
import { applyConnectionLimits, connectionsCheckingIntervalMs, type HttpServerLimits } from './http/connection-limits.js';
import { attachSubscriptions } from './http/ws-subscriptions.js';
import type { SubscriptionSettings } from './http/subscription-settings.js';

export interface ServerOptions {
  gateway: Gateway;
  log: Logger;
  production: boolean;
  /** Verifies the client's bearer token into a viewer. */
  verify: VerifyToken;
  /** Introspection and the Apollo Sandbox landing page. */
  introspection: boolean;
  /** What executes queries and mutations (config.ts `executor`); compiled when unset. */
  executor?: GraphQLExecutor;
  /** Per-viewer request rate (token bucket). */
  rateLimit: { perSecond: number; burst: number };
  /** Per-viewer upstream budget (token bucket charged with each document's cost). */
  costBudget: CostBudgetOptions;
  /** How much priced work executes at once, and the queue of the rest (graphql/admission.ts). */
  admission: Admission;
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
  /** Request metrics (served on their own listener, see http/metrics.ts); none when off. */
  metrics?: Metrics;
  /** Request timeouts and the per-address connection cap. */
  http: HttpServerLimits;
  /** Subscriptions over graphql-ws on /graphql: limits (http/subscription-settings.ts). */
  subscriptions: SubscriptionSettings;
}

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
function exchangeOf(req: HttpRequest, res: http.ServerResponse): Exchange {
  const { path, search } = splitUrl(req.url);
  const exchange: Exchange = { req, res, path, search, requestId: randomUUID() };
  const offered = req.headers['x-request-id'];
  if (typeof offered === 'string' && CLIENT_REQUEST_ID.test(offered)) exchange.clientRequestId = offered;
  res.setHeader('x-request-id', exchange.requestId);
  return exchange;
}

/** The request's logger: the client's offered id, when it gave one, on every line. */
function requestLogger(log: Logger, exchange: Exchange): Logger {
  return exchange.clientRequestId ? log.child({ clientRequestId: exchange.clientRequestId }) : log;
}

/** A typed error body outside GraphQL execution (authentication, body parsing). */
function sendError(exchange: Exchange, status: number, error: GatewayError): void {
  noteErrorCode(exchange.requestId, error.code);
  sendJson(exchange.res, status, { errors: [{ message: error.message, extensions: extensionsOf(error, exchange.requestId) }] });
}

/**
 * Every GraphQL request carries a verified bearer token; the viewer it yields scopes the
 * request. Only the Sandbox landing page (a browser GET for HTML) is served without one.
 */
function authenticate(options: ServerOptions): Step {
  return async (exchange, next) => {
    const { req, res } = exchange;
    if (req.method === 'GET' && options.introspection && accepts(req).type(['application/json', 'text/html']) === 'text/html') return next();
    try {
      exchange.viewer = await options.verify(req.headers.authorization);
    } catch (error) {
      res.setHeader('www-authenticate', 'Bearer');
      sendError(exchange, 401, error instanceof GatewayError ? error : new GatewayError(ErrorCode.UNAUTHENTICATED, 'The token could not be verified'));
      return;
    }
    next();
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
function rateLimit(limits: ServerOptions['rateLimit']): Step {
  const limiter = new RateLimiter({ capacity: limits.burst, refillPerSecond: limits.perSecond });
  return (exchange, next) => {
    const { viewer } = exchange;
    if (!viewer) return next();
    const taken = limiter.take(`${viewer.tenant}:${viewer.subject}`);
    if (taken.allowed) return next();
    exchange.res.setHeader('retry-after', String(taken.retryAfterSeconds));
    sendError(exchange, 429, rateLimitedError(taken.retryAfterSeconds));
  };
}

/**
 * `POST /reveal {"token": "..."}` → the card's PAN, CVV and expiry, once. Never cached, never
 * logged; needs the same viewer (and scope) that requested the reveal.
 */
function revealEndpoint(options: ServerOptions): Step {
  return async (exchange) => {
    const { req, res, requestId } = exchange;
    res.setHeader('cache-control', 'no-store');
    res.setHeader('pragma', 'no-cache');
    const viewer = exchange.viewer!;
    try {
      if (!viewer.scopes.has(Scope.CARDS_REVEAL)) {
        throw new GatewayError(ErrorCode.FORBIDDEN, 'Revealing a card needs the scope cards:reveal', { details: { missingScopes: [Scope.CARDS_REVEAL] } });
      }
      const token = (req.body as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || !/^rvl_[A-Za-z0-9_-]{43}$/.test(token)) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'token must be a reveal token');
      const scope = createRequestScope(requestId, viewer, requestLogger(options.log, exchange), options.gateway.requestDeadlineMs, exchange.trace);
      res.once('finish', scope.finish);
      const secrets = await options.gateway.reveals.redeem({ ...scope, registry: options.gateway.tenant(viewer.tenant).registry }, token);
      sendJson(res, 200, secrets);
    } catch (error) {
      const typed = error instanceof GatewayError ? error : new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      if (!(error instanceof GatewayError)) options.log.error({ err: error, requestId }, 'reveal failed unexpectedly');
      sendError(exchange, HTTP_STATUS[typed.code] ?? 502, typed);
    }
  };
}

/**
 * The linear scan before Apollo parses or validates (graphql/document-scan.ts): a document
 * writing more fields or selections than allowed is refused for the price of lexing it.
 */
function documentScan(limits: QueryLimits): Step {
  const scan = documentScanner(limits);
  return (exchange, next) => {
    const { req } = exchange;
    const query: unknown = req.method === 'GET' ? new URLSearchParams(exchange.search).get('query') : (req.body as { query?: unknown } | undefined)?.query;
    const refused = typeof query === 'string' ? scan(query) : undefined;
    if (!refused) return next();
    sendError(exchange, 400, refused);
  };
}

/**
 * What a request that a step abandoned with an error gets: the body parser's refusals
 * (malformed JSON, too large, a charset or encoding it cannot read) as typed GraphQL-shaped
 * errors; anything else is the gateway's fault, logged and masked.
 */
function answerFailure(exchange: Exchange, error: unknown, log: Logger): void {
  if (exchange.res.headersSent) {
    exchange.res.destroy();
    return;
  }
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (typeof type === 'string' && typeof status === 'number' && status < 500) {
    const tooLarge = type === 'entity.too.large';
    const message = tooLarge ? 'The request body is too large' : 'The request body is not valid JSON';
    sendError(exchange, tooLarge ? 413 : 400, new GatewayError(ErrorCode.BAD_USER_INPUT, message));
    return;
  }
  log.error({ err: error, requestId: exchange.requestId }, 'request failed unexpectedly');
  sendError(exchange, 500, new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error'));
}

/** No route for this method and path. */
function notFound({ res }: Exchange): void {
  res.statusCode = 404;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('x-content-type-options', 'nosniff');
  res.end('Not found');
}

interface Route {
  /** Methods served; every method when absent (Apollo answers the ones it does not serve). */
  methods?: ReadonlySet<string>;
  steps: readonly Step[];
}

/** Paths match as a router would: case-insensitively, with or without a trailing slash. */
function routeKey(path: string): string {
  return (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase();
}

const READ = new Set(['GET', 'HEAD']);

export async function startServer(options: ServerOptions, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  const routes = new Map<string, Route>();
  const cors = corsStep(options.cors);
  const httpServer = http.createServer({ connectionsCheckingInterval: connectionsCheckingIntervalMs(options.http) }, (req, res) => {
    const exchange = exchangeOf(req, res);
    const route = routes.get(routeKey(exchange.path));
    const steps = route && (!route.methods || route.methods.has(req.method ?? '')) ? route.steps : [notFound];
    runSteps([cors, ...steps], exchange, (error) => {
      if (error !== undefined) answerFailure(exchange, error, options.log);
    });
  });
  applyConnectionLimits(httpServer, options.http);
  const limits = options.limits ?? DEFAULT_QUERY_LIMITS;
  const budget = costBudget(options.costBudget);
  const schema = buildGatewaySchema();
  // Subscriptions: graphql-ws on the same /graphql, over WebSocket (http/ws-subscriptions.ts).
  const subscriptions = attachSubscriptions(httpServer, {
    schema,
    gateway: options.gateway,
    verify: options.verify,
    log: options.log,
    cors: options.cors,
    limits,
    settings: options.subscriptions,
    production: options.production,
  });
  const apollo = new ApolloServer<GraphQLContext>({
    // Queries and mutations run compiled unless the reference executor is asked for.
    ...(options.executor === 'graphql-js' ? { schema } : { gateway: compiledExecution({ guarded: schema, fullReaders: buildSchemaForFullReaders() }) }),
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
    // The application stops on SIGTERM/SIGINT itself (main.ts → app.close(): drain, close the
    // store, flush traces). Apollo's own handler would stop only Apollo and then re-raise the
    // signal, killing the process before any of that finished.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    persistedQueries: apolloPersistedQueries(options.persistedQueries),
    plugins: [
      persistedQueriesPlugin(options.persistedQueries),
      errorPlugin(),
      // After errorPlugin: it sees the partial failures errorPlugin appends to the answer.
      observationPlugin<GraphQLContext>(),
      costPlugin<GraphQLContext>({
        maxCost: limits.maxCost,
        maxIds: limits.maxIds,
        charge: budget.charge,
        refund: budget.refund,
        admit: admissionGate(options.admission),
        checkFirst: pageSizeProblem,
      }),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // No cache hints anywhere in the schema: the plugin would wrap every field resolver only to
      // conclude `no-store`, which graphqlEndpoint sets on every answer itself.
      ApolloServerPluginCacheControlDisabled(),
      // Closes the subscription sockets (1001 Going away) when the server drains.
      { serverWillStart: async () => ({ drainServer: () => subscriptions.dispose() }) },
      options.introspection
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const limit = rateLimit(options.rateLimit);
  routes.set('/healthz', { methods: READ, steps: [livenessEndpoint] });
  routes.set('/readyz', { methods: READ, steps: [readinessEndpoint(options.readiness)] });
  routes.set(REVEAL_PATH, {
    methods: new Set(['POST']),
    steps: [observeRequests(options.log, options.metrics, REVEAL_PATH), authenticate(options), limit, jsonBody('2kb'), revealEndpoint(options)],
  });
  routes.set('/graphql', {
    steps: [
      observeRequests(options.log, options.metrics, '/graphql'),
      authenticate(options),
      limit,
      jsonBody(options.bodyLimit ?? '100kb'),
      documentScan(limits),
      graphqlEndpoint(apollo, async (exchange) => {
        const context = createContext(options.gateway, exchange.requestId, exchange.viewer!, requestLogger(options.log, exchange), exchange.trace);
        exchange.res.once('finish', context.finish);
        context.client = exchange.res;
        return context;
      }),
    ],
  });

  const url = await listen(httpServer, port, host);
  return {
    url,
    async close() {
      await apollo.stop();
    },
  };
}
