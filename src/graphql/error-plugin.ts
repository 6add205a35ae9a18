/**
 * The one place errors are shaped for clients. `formatError` keeps a GatewayError's code and
 * extensions, keeps the persisted queries protocol's own codes (clients act on them), turns
 * GraphQL's own request errors (parse, validation, variables) into BAD_USER_INPUT, and masks
 * everything else as INTERNAL_SERVER_ERROR with no internals.
 * The plugin then stamps every error with the request id and appends the partial failures
 * lists collected, and logs what was masked (with the stack, server side only). Errors Apollo
 * answers before its request pipeline (a body that is no operation, CSRF prevention) have no
 * context to take the id from: the HTTP layer stamps those (`withRequestId`).
 */
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, extensionsOf, GatewayError } from '../core/errors.js';
import type { GraphQLContext } from '../context.js';

/** Apollo's codes for a request the client got wrong. */
const CLIENT_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/**
 * Codes of the automatic persisted queries protocol, passed through as they are: an APQ
 * client resends the query text on PERSISTED_QUERY_NOT_FOUND, and falls back to text on
 * PERSISTED_QUERY_NOT_SUPPORTED, only when it sees these codes.
 */
const PROTOCOL_CODES = new Set<string>([ErrorCode.PERSISTED_QUERY_NOT_FOUND, ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]);

const OUR_CODES = new Set<string>(Object.values(ErrorCode));

/** An answered error with the gateway's request id in its extensions. */
export function withRequestId(error: GraphQLFormattedError, requestId: string): GraphQLFormattedError {
  return { ...error, extensions: { ...error.extensions, requestId } };
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const where = { locations: formatted.locations, path: formatted.path };
  if (original instanceof GatewayError) {
    return { message: original.message, ...where, extensions: { ...extensionsOf(original, '') } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PROTOCOL_CODES.has(code)) {
    return { message: formatted.message, ...where, extensions: { code, retryable: false } };
  }
  if ((typeof code === 'string' && CLIENT_ERROR_CODES.has(code)) || isUncodedBadRequest(error)) {
    // An abuse limit says which limit, its maximum and what the request used.
    const { limit, max, actual } = (formatted.extensions ?? {}) as Record<string, unknown>;
    const details = limit === undefined ? {} : { limit, max, ...(actual === undefined ? {} : { actual }) };
    return { message: formatted.message, ...where, extensions: { ...details, code: ErrorCode.BAD_USER_INPUT, retryable: false } };
  }
  if (typeof code === 'string' && OUR_CODES.has(code) && formatted.extensions?.retryable !== undefined) {
    return formatted;
  }
  return { message: 'Internal server error', ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, retryable: false } };
}

/**
 * Apollo refuses some malformed requests with HTTP 400 but no code (a persisted query id that
 * is not the SHA-256 of the text sent, an unknown persisted query version): the client's doing.
 */
function isUncodedBadRequest(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined) return false;
  return (error.extensions.http as { status?: number } | undefined)?.status === 400;
}

export function errorPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart(): Promise<GraphQLRequestListener<GraphQLContext>> {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (original instanceof GatewayError) continue;
            const code = String(error.extensions?.code);
            if (CLIENT_ERROR_CODES.has(code) || PROTOCOL_CODES.has(code) || isUncodedBadRequest(error)) continue;
            contextValue.cx.log.error({ err: original }, 'unexpected error (masked as INTERNAL_SERVER_ERROR)');
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const partial = contextValue.partialErrors.map((e) => e.toJSON());
          const errors = [...(result.errors ?? []), ...partial];
          if (errors.length === 0) return;
          result.errors = errors.map((e) => withRequestId(e, contextValue.requestId));
        },
      };
    },
  };
}
