/**
 * The per-request context: the request id (also the `x-request-id` response header and every
 * error's `extensions.requestId`), a child logger, the deadline's abort signal, the
 * request's DataLoaders, and the partial failures lists collected for `errors`.
 */
import { setMaxListeners } from 'node:events';
import type { GraphQLError } from 'graphql';
import { createCallContext, type CallContext } from './gateway/call-context.js';
import { Lists } from './gateway/lists.js';
import { createLoaders, type Loaders } from './gateway/loaders.js';
import type { ProviderRegistry } from './gateway/registry.js';
import type { Logger } from './logger.js';

export interface Gateway {
  registry: ProviderRegistry;
  lists: Lists;
  requestDeadlineMs: number;
}

export interface GraphQLContext {
  requestId: string;
  log: Logger;
  cx: CallContext;
  loaders: Loaders;
  gateway: Gateway;
  /** Errors of providers that failed inside an otherwise answered list. */
  partialErrors: GraphQLError[];
}

export function createGateway(registry: ProviderRegistry, requestDeadlineMs: number): Gateway {
  return { registry, lists: new Lists(registry), requestDeadlineMs };
}

export function createContext(gateway: Gateway, requestId: string, log: Logger): GraphQLContext {
  const requestLog = log.child({ requestId });
  const deadline = AbortSignal.timeout(gateway.requestDeadlineMs);
  // Every upstream call of the request listens to the deadline: many listeners are expected.
  setMaxListeners(0, deadline);
  const cx = createCallContext(requestId, requestLog, deadline);
  return { requestId, log: requestLog, cx, loaders: createLoaders(gateway.registry, cx), gateway, partialErrors: [] };
}
