/**
 * The gateway as a whole (every configured provider, the exactly-once write engine, the reveal
 * path) and as one tenant sees it (only its provider accounts exist).
 */
import type { AuditLog } from './audit.js';
import { CardReveals } from './reveal/card-reveal.js';
import { CardWrites } from './writes/card-writes.js';
import type { IdempotencyStore } from './writes/idempotency-store.js';
import { Mutations } from './writes/mutations.js';
import { RateLimiter } from './rate-limiter.js';
import { RevealTokens } from './reveal/reveal-tokens.js';
import { Lists } from './lists.js';
import { PROVIDER_KEYS, type ProviderKey } from '../core/provider-key.js';
import type { ProviderRegistry } from './registry.js';

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

