/**
 * Queries and mutations executed by graphql-jit behind Apollo Server, through Apollo's gateway
 * seam (`GatewayInterface`): Apollo still parses, validates, caches documents and runs every
 * plugin; only execution changes. graphql-js builds, for every field of every object answered,
 * a resolve info, two null-prototype dictionaries for the arguments (even for a field that has
 * none) and a null-prototype result object: on a 50-card list that was 37% of every byte the
 * gateway allocated (issue 14). graphql-jit compiles each document once into plain code.
 *
 * What it must not change is behaviour, so:
 * - errors leave as graphql-js `GraphQLError`s (graphql-jit's own look like them but are not
 *   built by their constructor; Apollo and the error plugin read `originalError`, `path`,
 *   `extensions` and `locations` from real ones);
 * - a request whose variables do not coerce is answered by graphql-js's own execution, which
 *   refuses it before any resolver runs, so the messages and codes (BAD_USER_INPUT) are
 *   exactly graphql-js's;
 * - a document graphql-jit cannot compile is executed by graphql-js;
 * - a viewer holding every read scope is served by the schema without the checks only a read
 *   scope could fail (schema.ts, `buildSchemaForFullReaders`), each of which would proceed for
 *   it; any other viewer by the schema with them. Each operation is compiled once per schema.
 * Subscriptions do not come here (graphql-ws executes them, http/ws-subscriptions.ts).
 */
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, GraphQLError, printSchema, type DocumentNode, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { GraphQLContext } from '../context.js';
import { install as installGatewayRequestContext } from './gateway-request-context.js';
import { readsEverything } from '../core/viewer.js';

/** What executes queries and mutations (`GRAPHQL_EXECUTOR`): graphql-jit, or graphql-js's reference executor. */
export const GRAPHQL_EXECUTORS = ['compiled', 'graphql-js'] as const;
export type GraphQLExecutor = (typeof GRAPHQL_EXECUTORS)[number];

/** Compiled operations remembered per document (Apollo hands the same document object to every request of a query text). */
type Compiled = CompiledQuery | 'interpreted';

/** The schema served, and the same schema for viewers who may read everything (schema.ts). */
export interface ExecutedSchemas {
  guarded: GraphQLSchema;
  fullReaders: GraphQLSchema;
}

/** `schemas.guarded` served by Apollo with graphql-jit executing its operations. */
export function compiledExecution(schemas: ExecutedSchemas): GatewayInterface {
  // The context Apollo hands the executor, without an accessor pair per request (see there).
  installGatewayRequestContext();
  const schema = schemas.guarded;
  const guarded = compiledExecutor(schemas.guarded);
  const fullReaders = compiledExecutor(schemas.fullReaders);
  const executor: GatewayExecutor = (request) => (readsEverything((request.context as GraphQLContext).viewer) ? fullReaders : guarded)(request);
  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    async stop() {},
  };
}

function compiledExecutor(schema: GraphQLSchema): GatewayExecutor {
  const compiledByDocument = new WeakMap<DocumentNode, Map<string, Compiled>>();
  const compiledFor = (document: DocumentNode, operationName: string | undefined): Compiled => {
    let byOperation = compiledByDocument.get(document);
    if (!byOperation) compiledByDocument.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    let compiled = byOperation.get(key);
    if (!compiled) {
      const attempt = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true });
      compiled = isCompiledQuery(attempt) ? attempt : 'interpreted';
      byOperation.set(key, compiled);
    }
    return compiled;
  };

  return async ({ document, request, context }) => {
    const operationName = request.operationName ?? undefined;
    const variables = request.variables ?? {};
    const compiled = compiledFor(document, operationName);
    if (compiled === 'interpreted') return interpret(schema, document, operationName, variables, context);
    const result = await compiled.query(undefined, context, variables);
    // No `data` at all: the variables did not coerce, and nothing ran. graphql-js says why.
    if (!('data' in result)) return interpret(schema, document, operationName, variables, context);
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
}

/** graphql-js's own execution: for what graphql-jit cannot compile, and for variables that do not coerce. */
function interpret(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>, context: unknown) {
  return execute({ schema, document, operationName, variableValues: variables, contextValue: context });
}

/** graphql-jit's error as graphql-js's own, with the same message, path, locations and cause. */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined, extensions: error.extensions });
  // Locations come from graphql-jit (it has no AST nodes to give); graphql-js sets the field in its constructor.
  (rebuilt as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return rebuilt;
}
