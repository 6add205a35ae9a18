/**
 * The HTTP server: request ids, `/healthz`, and Apollo Server on `/graphql`.
 * Every response carries `x-request-id`, the same id as every error's `extensions.requestId`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ErrorCode } from './gateway/errors.js';
import { createContext, type Gateway, type GraphQLContext } from './context.js';
import { errorPlugin, formatError } from './graphql/error-plugin.js';
import { buildGatewaySchema } from './graphql/schema.js';
import type { Logger } from './logger.js';

export interface ServerOptions {
  gateway: Gateway;
  log: Logger;
  production: boolean;
  /** Largest request body accepted. */
  bodyLimit?: string;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** A client may pass its own request id for tracing, if it is a sane token. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;

const requestId: RequestHandler = (req, res, next) => {
  const offered = req.header('x-request-id');
  const id = offered && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  next();
};

/** Body parser failures (malformed JSON, too large) as typed GraphQL-shaped errors. */
const bodyErrors: ErrorRequestHandler = (error: { type?: string; status?: number }, _req, res, next) => {
  if (res.headersSent) return next(error);
  const tooLarge = error.type === 'entity.too.large';
  const message = tooLarge ? 'The request body is too large' : 'The request body is not valid JSON';
  res.status(tooLarge ? 413 : 400).json({
    errors: [{ message, extensions: { code: ErrorCode.BAD_USER_INPUT, retryable: false, requestId: res.locals.requestId } }],
  });
};

export async function startServer(options: ServerOptions, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  // GraphQL answers POSTs: an ETag (a SHA-1 of every response body) would be CPU spent for nothing.
  app.set('etag', false);
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<GraphQLContext>({
    schema: buildGatewaySchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    plugins: [
      errorPlugin(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  });
  await apollo.start();

  app.use(requestId);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(
    '/graphql',
    express.json({ limit: options.bodyLimit ?? '100kb' }),
    expressMiddleware(apollo, {
      context: async ({ res }) => createContext(options.gateway, res.locals.requestId as string, options.log),
    }),
  );
  app.use(bodyErrors);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  const address = httpServer.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    async close() {
      await apollo.stop();
    },
  };
}
