/**
 * Apollo Server on Node's own `http` server: the request (its body already parsed) goes to
 * `executeHTTPGraphQLRequest` as Apollo's HTTPGraphQLRequest, and Apollo's answer is written
 * back as it comes — one string, or chunks (incremental delivery) written as they are ready —,
 * compressed when large enough (answer-compression.ts).
 * Every answer is `cache-control: no-store`: answers are per viewer and live, and the schema
 * gives no cache hints (Apollo's cache-control plugin, which would say the same at the price of
 * wrapping every field resolver, is off).
 */
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { withRequestId } from '../graphql/error-plugin.js';
import { compressedStream, endCompressed } from './answer-compression.js';
import type { Exchange, Step } from './exchange.js';

/** Serves GraphQL with `apollo`; `context` builds each request's context from its exchange. */
export function graphqlEndpoint<TContext extends BaseContext>(apollo: ApolloServer<TContext>, context: (exchange: Exchange) => Promise<TContext>): Step {
  return async (exchange) => {
    const { req } = exchange;
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: exchange.search, body: req.body },
      context: () => context(exchange),
    });
    await writeResponse(req, exchange.res, withRequestIdOnRefusal(response, exchange.requestId));
  };
}

/**
 * Apollo answers a request it refuses before its pipeline runs (a body that is no operation,
 * CSRF prevention, batching off) with errors formatted outside any request, so without the
 * request id; they get it here. Answers of the pipeline carry it already (graphql/error-plugin.ts).
 */
function withRequestIdOnRefusal(response: HTTPGraphQLResponse, requestId: string): HTTPGraphQLResponse {
  if ((response.status ?? 200) < 400 || response.body.kind !== 'complete') return response;
  let answer: { errors?: GraphQLFormattedError[] };
  try {
    answer = JSON.parse(response.body.string) as typeof answer;
  } catch {
    return response;
  }
  const errors = answer?.errors;
  if (!Array.isArray(errors) || errors.every((error) => error.extensions?.requestId === requestId)) return response;
  const string = `${JSON.stringify({ ...answer, errors: errors.map((error) => withRequestId(error, requestId)) })}\n`;
  return { ...response, body: { kind: 'complete', string } };
}

async function writeResponse(req: IncomingMessage, res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  res.setHeader('cache-control', 'no-store');
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    await endCompressed(req, res, response.body.string);
    return;
  }
  const compressed = compressedStream(req, res);
  for await (const chunk of response.body.asyncIterator) {
    if (compressed) compressed.write(chunk);
    else res.write(chunk);
  }
  if (compressed) await compressed.end();
  else res.end();
}
