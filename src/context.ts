/**
 * The per-request context: the request's scope (its id — also the `x-request-id` response
 * header and every error's `extensions.requestId` —, the verified viewer and the call context
 * with its logger and deadline), the gateway as that viewer's tenant sees it, the request's
 * DataLoaders, and the partial failures lists collected for `errors`. It is the `TenantScope`
 * the write and reveal paths act in.
 */
import type { GraphQLError } from 'graphql';
import type { Context } from '@opentelemetry/api';
import type { Viewer } from './core/viewer.js';
import { createRequestScope } from './core/request-scope.js';
import { createLoaders } from './gateway/loaders.js';
import type { Logger } from './core/logger.js';
import type { Gateway, TenantView } from './gateway/gateway.js';
import type { TenantScope } from './gateway/tenant-scope.js';
import type { StreamLimits } from './gateway/live/live-streams.js';

export interface GraphQLContext extends TenantScope {
  /** The request has answered: its deadline stops counting (see FinishableScope). */
  finish(): void;
  gateway: Gateway;
  /** The viewer's tenant's providers, lists over them, reads held to the viewer's fair share. */
  tenant: TenantView;
  /** Errors of providers that failed inside an otherwise answered list. */
  partialErrors: GraphQLError[];
  /** The HTTP response of a request over HTTP: admission control stops waiting for a client that went away. */
  client?: Pick<NodeJS.EventEmitter, 'once' | 'off'>;
  /** Set for a subscription over graphql-ws: its socket's limits, and a fresh scope per event. */
  subscription?: SubscriptionChannel;
}

export interface SubscriptionChannel extends StreamLimits {
  /**
   * Gives the context a new request id, deadline and loaders: each event of a long-lived
   * subscription is executed as a request of its own (a deadline set at subscribe time would
   * have long passed, and loaders would serve stale objects).
   */
  renew(): void;
}

export function createContext(gateway: Gateway, requestId: string, viewer: Viewer, log: Logger, trace?: Context): GraphQLContext {
  const scope = createRequestScope(requestId, viewer, log, gateway.requestDeadlineMs, trace);
  const tenant = gateway.tenant(viewer.tenant);
  // Properties first, the spread last: V8 (Node 20) builds `{ ...a, b }` on a slow path.
  // No `log` here (it is `cx.log`, made when first used): Apollo copies the context of every
  // operation, which would read a getter and make the logger for nothing.
  return {
    registry: tenant.registry,
    loaders: createLoaders(tenant.registry, scope.cx, gateway.live.updates),
    gateway,
    tenant,
    partialErrors: [],
    ...scope,
  };
}

/** The context of one subscription (graphql-ws): renewed for each event it executes. */
export function createSubscriptionContext(gateway: Gateway, requestId: () => string, viewer: Viewer, log: Logger, limits: StreamLimits): GraphQLContext {
  const context = createContext(gateway, requestId(), viewer, log);
  context.subscription = {
    ...limits,
    renew() {
      // The previous event has answered: its deadline stops counting.
      context.finish();
      const fresh = createContext(gateway, requestId(), viewer, log);
      Object.assign(context, { requestId: fresh.requestId, viewer: fresh.viewer, cx: fresh.cx, finish: fresh.finish, loaders: fresh.loaders, partialErrors: fresh.partialErrors });
    },
  };
  return context;
}
