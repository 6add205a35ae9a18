/**
 * The per-request context: who is asking (the verified viewer) and the gateway as that
 * viewer's tenant sees it, the request id (also the `x-request-id` response header and every
 * error's `extensions.requestId`), a child logger, the deadline's abort signal, the request's
 * DataLoaders, and the partial failures lists collected for `errors`.
 */
import { setMaxListeners } from 'node:events';
import type { GraphQLError } from 'graphql';
import type { Viewer } from './auth/scopes.js';
import type { AuditLog } from './gateway/audit.js';
import { createCallContext, type CallContext } from './gateway/call-context.js';
import { CardReveals } from './gateway/card-reveal.js';
import { CardWrites } from './gateway/card-writes.js';
import type { IdempotencyStore } from './gateway/idempotency-store.js';
import { Mutations } from './gateway/mutations.js';
import { RateLimiter } from './gateway/rate-limiter.js';
import { RevealTokens } from './gateway/reveal-tokens.js';
import { Lists } from './gateway/lists.js';
import { createLoaders, type Loaders } from './gateway/loaders.js';
import { PROVIDER_KEYS, type ProviderKey } from './gateway/provider-key.js';
import type { ProviderRegistry } from './gateway/registry.js';
import type { Logger } from './logger.js';

/** The gateway as one tenant sees it: only its provider accounts exist. */
export interface TenantView {
  tenant: string;
  registry: ProviderRegistry;
  lists: Lists;
}

export interface Gateway {
  /** Every configured provider (operators' view: health, shutdown). */
  registry: ProviderRegistry;
  requestDeadlineMs: number;
  tenant(name: string): TenantView;
  reveals: CardReveals;
  writes: CardWrites;
}

export interface GatewaySetup {
  registry: ProviderRegistry;
  requestDeadlineMs: number;
  providerTenants: Record<ProviderKey, string>;
  reveal: { tokenTtlSeconds: number; perMinute: number };
  audit: AuditLog;
  idempotency: IdempotencyStore;
}

export interface GraphQLContext {
  requestId: string;
  viewer: Viewer;
  log: Logger;
  cx: CallContext;
  loaders: Loaders;
  gateway: Gateway;
  /** The viewer's tenant's providers, lists over them. */
  tenant: TenantView;
  /** Errors of providers that failed inside an otherwise answered list. */
  partialErrors: GraphQLError[];
}

export function createGateway({ registry, requestDeadlineMs, providerTenants, reveal, audit, idempotency }: GatewaySetup): Gateway {
  const views = new Map<string, TenantView>();
  const revealLimiter = new RateLimiter({ capacity: reveal.perMinute, refillPerSecond: reveal.perMinute / 60 });
  return {
    registry,
    requestDeadlineMs,
    reveals: new CardReveals(new RevealTokens(reveal.tokenTtlSeconds), revealLimiter, audit),
    writes: new CardWrites(new Mutations(idempotency, audit), audit),
    tenant(name) {
      let view = views.get(name);
      if (!view) {
        const tenantRegistry = registry.subset(PROVIDER_KEYS.filter((key) => providerTenants[key] === name));
        view = { tenant: name, registry: tenantRegistry, lists: new Lists(tenantRegistry) };
        // Tenants come from verified tokens only; unknown ones share one empty view shape.
        if (tenantRegistry.list().length > 0) views.set(name, view);
      }
      return view;
    },
  };
}

export function createContext(gateway: Gateway, requestId: string, viewer: Viewer, log: Logger): GraphQLContext {
  const requestLog = log.child({ requestId, tenant: viewer.tenant, sub: viewer.subject });
  const deadline = AbortSignal.timeout(gateway.requestDeadlineMs);
  // Every upstream call of the request listens to the deadline: many listeners are expected.
  setMaxListeners(0, deadline);
  const cx = createCallContext(requestId, requestLog, deadline);
  const tenant = gateway.tenant(viewer.tenant);
  return { requestId, viewer, log: requestLog, cx, loaders: createLoaders(tenant.registry, cx), gateway, tenant, partialErrors: [] };
}
