/**
 * The request context Apollo Server hands the compiled executor (compiled-execution.ts, through
 * Apollo's gateway seam), built without an accessor pair per request.
 *
 * Apollo builds it in an internal function, `makeGatewayGraphQLRequestContext`, whose
 * `response.http` is an object literal with a `get status` / `set status` pair closing over
 * Apollo's whole request context. V8 allocates the accessor pair of such a literal in the old
 * generation, so every request's pair kept its closures, and through them the request's whole
 * context (the answer, our GraphQL context with its loaders and memo, the request itself),
 * alive through every young-generation collection until the next full one. On the card shape
 * at 50 clients 9% of what the gateway allocated was promoted this way (1.8% without it;
 * Apollo's reference executor, which does not take this path, 1.5–5.8%), and with the old
 * generation filling that fast came mark-compacts and concurrent marking on V8's helper
 * threads (issue 14).
 *
 * Apollo's function is replaced, once, by one building the same object — same fields, same
 * values, `response.http.status` reading and writing Apollo's response status, the headers
 * adapted the same way — from classes whose accessors are on their prototypes. It is looked up
 * by its file in Apollo's CommonJS build (the one this CommonJS project loads), where Apollo's
 * request pipeline reads it at each call. `install()` says whether it could: an Apollo Server
 * whose internals moved keeps its own function, and a test fails (test/unit/graphql).
 */
import { dirname, join } from 'node:path';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';

/** What Apollo's request context offers the fields copied here (Apollo's GraphQLRequestContext, in part). */
interface ApolloRequestContext {
  request: { query?: string; operationName?: string; variables?: Record<string, unknown>; extensions?: Record<string, unknown>; http?: { method: string; search: string; headers: Map<string, string> } };
  response: { http: { headers: Map<string, string>; status?: number } };
  schema: unknown;
  contextValue: unknown;
  queryHash?: string;
  document?: unknown;
  source?: string;
  operationName?: string | null;
  operation?: unknown;
  errors?: unknown;
  metrics: unknown;
  overallCachePolicy: unknown;
  requestIsBatched: boolean;
}

/** Apollo's `HeaderMap` seen through the Fetch API's `Headers` methods the gateway interface expects. */
export class HeaderMapAsFetcherHeaders {
  constructor(private readonly map: Map<string, string>) {}

  append(name: string, value: string): void {
    const existing = this.map.get(name);
    this.map.set(name, existing === undefined ? value : `${existing}, ${value}`);
  }

  delete(name: string): void {
    this.map.delete(name);
  }

  get(name: string): string | null {
    return this.map.get(name) ?? null;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  set(name: string, value: string): void {
    this.map.set(name, value);
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<string> {
    return this.map.values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/** The response's HTTP head as the gateway interface sees it: its status is Apollo's response status. */
class GatewayResponseHttp {
  readonly headers: HeaderMapAsFetcherHeaders;

  constructor(private readonly http: ApolloRequestContext['response']['http']) {
    this.headers = new HeaderMapAsFetcherHeaders(http.headers);
  }

  get status(): number | undefined {
    return this.http.status;
  }

  set status(status: number | undefined) {
    this.http.status = status;
  }
}

/** The same object as Apollo Server 5's `makeGatewayGraphQLRequestContext`, without an accessor pair per call. */
export function gatewayRequestContext(
  context: ApolloRequestContext,
  server: { logger: unknown; cache: unknown },
  internals: { includeStacktraceInErrorResponses: boolean },
): GatewayGraphQLRequestContext {
  const request: Record<string, unknown> = {};
  if ('query' in context.request) request.query = context.request.query;
  if ('operationName' in context.request) request.operationName = context.request.operationName;
  if ('variables' in context.request) request.variables = context.request.variables;
  if ('extensions' in context.request) request.extensions = context.request.extensions;
  const http = context.request.http;
  if (http) {
    const needQuestion = http.search !== '' && !http.search.startsWith('?');
    request.http = { method: http.method, url: `https://unknown-url.invalid/${needQuestion ? '?' : ''}${http.search}`, headers: new HeaderMapAsFetcherHeaders(http.headers) };
  }
  return {
    request,
    response: { http: new GatewayResponseHttp(context.response.http) },
    logger: server.logger,
    schema: context.schema,
    schemaHash: 'schemaHash no longer exists since Apollo Server 4',
    context: context.contextValue,
    cache: server.cache,
    queryHash: context.queryHash,
    document: context.document,
    source: context.source,
    operationName: context.operationName,
    operation: context.operation,
    errors: context.errors,
    metrics: context.metrics,
    debug: internals.includeStacktraceInErrorResponses,
    overallCachePolicy: context.overallCachePolicy,
    requestIsBatched: context.requestIsBatched,
  } as unknown as GatewayGraphQLRequestContext;
}

/** Apollo's module holding the function, as its request pipeline requires it. */
function apolloModule(): { makeGatewayGraphQLRequestContext?: unknown } | undefined {
  try {
    return require(join(dirname(require.resolve('@apollo/server')), 'utils', 'makeGatewayGraphQLRequestContext.js')) as { makeGatewayGraphQLRequestContext?: unknown };
  } catch {
    return undefined;
  }
}

/** Puts `gatewayRequestContext` in place of Apollo's function; true once it is there. */
export function install(): boolean {
  const module = apolloModule();
  if (!module || typeof module.makeGatewayGraphQLRequestContext !== 'function') return false;
  module.makeGatewayGraphQLRequestContext = gatewayRequestContext;
  return true;
}
