import { dirname, join } from 'node:path';
import { gatewayRequestContext, HeaderMapAsFetcherHeaders, install } from '../../../src/graphql/gateway-request-context.js';

type Maker = (context: unknown, server: unknown, internals: unknown) => Record<string, any>;

/** Apollo's own module, as its request pipeline requires it. */
const apolloModule = require(join(dirname(require.resolve('@apollo/server')), 'utils', 'makeGatewayGraphQLRequestContext.js')) as { makeGatewayGraphQLRequestContext: Maker };
const apollos = apolloModule.makeGatewayGraphQLRequestContext;

function requestContext(search: string, withHttp = true) {
  const status = { headers: new Map([['x-one', '1']]), status: undefined as number | undefined };
  return {
    request: {
      query: '{ card(id: "x") { id } }',
      operationName: 'Q',
      variables: { a: 1 },
      extensions: { persistedQuery: { version: 1 } },
      ...(withHttp ? { http: { method: 'POST', search, headers: new Map([['authorization', 'Bearer t']]) } } : {}),
    },
    response: { http: status },
    schema: { schema: true },
    contextValue: { viewer: 'v' },
    queryHash: 'hash',
    document: { kind: 'Document' },
    source: '{ card }',
    operationName: 'Q',
    operation: { kind: 'OperationDefinition' },
    errors: undefined,
    metrics: { captureTraces: false },
    overallCachePolicy: { maxAge: 0 },
    requestIsBatched: false,
  };
}

const server = { logger: { info() {} }, cache: { get() {} } };

/** Everything a gateway executor can read, with accessors and iterators read out. */
function observable(made: Record<string, any>) {
  const { request, response, ...rest } = made;
  const http = request.http ? { method: request.http.method, url: request.http.url, headers: [...request.http.headers] } : undefined;
  return { request: { ...request, http }, status: response.http.status, responseHeaders: [...response.http.headers], ...rest };
}

describe("the gateway request context (Apollo's makeGatewayGraphQLRequestContext without an accessor pair per call)", () => {
  it.each([
    ['a query string', 'a=1'],
    ['a query string with its question mark', '?a=1'],
    ['no query string', ''],
  ])('holds what Apollo would hand the executor, with %s', (_name, search) => {
    for (const debug of [false, true]) {
      const ours = gatewayRequestContext(requestContext(search) as never, server, { includeStacktraceInErrorResponses: debug }) as unknown as Record<string, any>;
      const theirs = apollos(requestContext(search), server, { includeStacktraceInErrorResponses: debug });
      expect(observable(ours)).toEqual(observable(theirs));
      expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
      expect(Object.keys(ours.request).sort()).toEqual(Object.keys(theirs.request).sort());
    }
  });

  it('leaves out what the request does not carry, like Apollo', () => {
    const bare = { ...requestContext('', false), request: {} };
    const ours = gatewayRequestContext(bare as never, server, { includeStacktraceInErrorResponses: false }) as unknown as Record<string, any>;
    expect(ours.request).toEqual(apollos(bare, server, { includeStacktraceInErrorResponses: false }).request);
    expect(ours.request).toEqual({});
  });

  it("reads and writes Apollo's response status and headers through response.http", () => {
    const apollo = requestContext('');
    const made = gatewayRequestContext(apollo as never, server, { includeStacktraceInErrorResponses: false }) as unknown as Record<string, any>;
    expect(made.response.http.status).toBeUndefined();
    made.response.http.status = 503;
    expect(apollo.response.http.status).toBe(503);
    apollo.response.http.status = 200;
    expect(made.response.http.status).toBe(200);
    made.response.http.headers.set('x-two', '2');
    made.response.http.headers.append('x-one', 'again');
    expect([...apollo.response.http.headers]).toEqual([
      ['x-one', '1, again'],
      ['x-two', '2'],
    ]);
  });

  it('defines response.http.status on a prototype, not on each object (no accessor pair per request)', () => {
    const made = gatewayRequestContext(requestContext('') as never, server, { includeStacktraceInErrorResponses: false }) as unknown as Record<string, any>;
    expect(Object.getOwnPropertyDescriptor(made.response.http, 'status')).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(made.response.http), 'status')?.get).toBeInstanceOf(Function);
    // Apollo's own object carries the pair itself.
    expect(Object.getOwnPropertyDescriptor(apollos(requestContext(''), server, {}).response.http, 'status')?.get).toBeInstanceOf(Function);
  });

  it('adapts a header map like Apollo does (get, has, delete, append, iteration)', () => {
    const map = new Map([['a', '1']]);
    const headers = new HeaderMapAsFetcherHeaders(map);
    expect(headers.get('a')).toBe('1');
    expect(headers.get('missing')).toBeNull();
    headers.append('b', '2');
    headers.append('a', '3');
    expect(headers.has('b')).toBe(true);
    headers.delete('b');
    expect([...headers.keys()]).toEqual(['a']);
    expect([...headers.values()]).toEqual(['1, 3']);
    expect([...headers.entries()]).toEqual([...headers]);
  });

  it("takes the place of Apollo's function where Apollo's request pipeline reads it", () => {
    expect(install()).toBe(true);
    expect(apolloModule.makeGatewayGraphQLRequestContext).toBe(gatewayRequestContext);
  });
});
