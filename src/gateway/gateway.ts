/**
 * The gateway as a whole (every configured provider, the exactly-once write engine, the reveal
 * path), as one tenant sees it (only its provider accounts exist), and as one viewer of that
 * tenant uses it (its reads within its fair share of each provider's concurrency).
 */
import type { Logger } from '../core/logger.js';
import type { SettleWindow } from '../providers/provider-module.js';
import type { StateStore } from '../store/state-store.js';
import type { EventBus } from '../store/event-bus.js';
import type { FollowRhythm } from '../providers/provider-module.js';
import { createLive, type Live } from './live/live.js';
import { CardReveals } from './reveal/card-reveal.js';
import { CardWrites } from './writes/card-writes.js';
import { Mutations } from './writes/mutations.js';
import { Reconciler } from './writes/reconciler.js';
import type { StoreHealth, WriteCounters } from './writes/write-health.js';
import { RateLimiter } from './rate-limiter.js';
import { RevealTokens } from './reveal/reveal-tokens.js';
import { Lists } from './lists.js';
import { PROVIDER_KEYS, type ProviderKey } from '../core/provider-key.js';
import type { ProviderRegistry } from './registry.js';
import { FairShare } from './fair-share.js';

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
  /**
   * One tenant's view, shared by all its viewers: each provider read is held to the fair share
   * of the viewer its call context names (`cx.viewerKey`), so nothing is kept per viewer.
   */
  tenant(name: string): TenantView;
  /** Calls in flight per viewer and provider. */
  fairShare: FairShare;
  reveals: CardReveals;
  writes: CardWrites;
  /** The state store's write health, for readiness: false after a failed write until one succeeds. */
  storeHealth: StoreHealth;
  /** Duplicates detected upstream, resends, reconciliations: counters for metrics. */
  writeCounters: WriteCounters;
  /** Settles uncertain writes by look-up (the periodic sweep, `npm run reconcile`). */
  reconciler: Reconciler;
  /** Live updates for subscriptions: publication, the fleet-wide operation follower, subscription sources. */
  live: Live;
}

export interface GatewaySetup {
  registry: ProviderRegistry;
  requestDeadlineMs: number;
  providerTenants: Record<ProviderKey, string>;
  reveal: { tokenTtlSeconds: number; perMinute: number };
  store: StateStore;
  /** Each provider's settle window (providers/provider-module.ts). */
  settleWindows: Record<ProviderKey, SettleWindow>;
  log: Logger;
  /** Calls one viewer may have in flight at one provider (its fair share of the bulkhead). */
  perViewerConcurrency: number;
  /** Where live updates travel between replicas (store/event-bus.ts). */
  bus: EventBus;
  /** How each provider's pending operations are followed. */
  followRhythms: Record<ProviderKey, FollowRhythm>;
}

export function createGateway({ registry, requestDeadlineMs, providerTenants, reveal, store, settleWindows, log, perViewerConcurrency, bus, followRhythms }: GatewaySetup): Gateway {
  const views = new Map<string, TenantView>();
  const fairShare = new FairShare({ perViewer: perViewerConcurrency });
  const revealLimiter = new RateLimiter({ capacity: reveal.perMinute, refillPerSecond: reveal.perMinute / 60 });
  const settle = (provider: ProviderKey) => settleWindows[provider];
  const mutations = new Mutations({ store, settle, requestDeadlineMs, log });
  const live = createLive({ bus, leases: store.leases, registry, rhythms: followRhythms, log, requestDeadlineMs });
  const gateway: Gateway = {
    registry,
    requestDeadlineMs,
    fairShare,
    reveals: new CardReveals(new RevealTokens(store.revealTokens, reveal.tokenTtlSeconds), revealLimiter, store.audit),
    writes: new CardWrites(mutations, store.audit, live.writes),
    live,
    storeHealth: mutations.health,
    writeCounters: mutations.counters,
    reconciler: new Reconciler({ store, registry, mutations, requestDeadlineMs, log }),
    tenant(name) {
      let view = views.get(name);
      if (!view) {
        const tenantRegistry = registry.subset(PROVIDER_KEYS.filter((key) => providerTenants[key] === name));
        // Reads count against the fair share of the viewer their call context names.
        const fair = fairShare.view(tenantRegistry);
        view = { tenant: name, registry: fair, lists: new Lists(fair) };
        // Tenants come from verified tokens only; unknown ones share one empty view shape.
        if (tenantRegistry.list().length > 0) views.set(name, view);
      }
      return view;
    },
  };
  return gateway;
}

