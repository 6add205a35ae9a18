/**
 * The per-request context: who is asking (the verified viewer) and the gateway as that
 * viewer's tenant sees it, the request id (also the `x-request-id` response header and every
 * error's `extensions.requestId`), a child logger, the deadline's abort signal, the request's
 * DataLoaders, and the partial failures lists collected for `errors`.
 */
import { setMaxListeners } from 'node:events';
import type { GraphQLError } from 'graphql';
import type { Viewer } from './core/viewer.js';
import { createCallContext, type CallContext } from './core/call-context.js';
import { createLoaders, type Loaders } from './gateway/loaders.js';
import type { Logger } from './core/logger.js';
import type { Gateway, TenantView } from './gateway/gateway.js';

export interface GraphQLContext {
  requestId: string;
  viewer: Viewer;
  log: Logger;
  cx: CallContext;
  loaders: Loaders;
  gateway: Gateway;
  /** The viewer's tenant's providers, lists over them, reads held to the viewer's fair share. */
  tenant: TenantView;
  /** Errors of providers that failed inside an otherwise answered list. */
  partialErrors: GraphQLError[];
}

export function createContext(gateway: Gateway, requestId: string, viewer: Viewer, log: Logger): GraphQLContext {
  const requestLog = log.child({ requestId, tenant: viewer.tenant, sub: viewer.subject });
  const deadline = AbortSignal.timeout(gateway.requestDeadlineMs);
  // Every upstream call of the request listens to the deadline: many listeners are expected.
  setMaxListeners(0, deadline);
  const cx = createCallContext(requestId, requestLog, deadline);
  const tenant = gateway.viewer(viewer);
  return { requestId, viewer, log: requestLog, cx, loaders: createLoaders(tenant.registry, cx), gateway, tenant, partialErrors: [] };
}
