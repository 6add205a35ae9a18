/**
 * Live updates for subscriptions, wired once per gateway: the replica's hub over the event bus
 * (live-updates.ts), the fleet-wide operation follower (operation-follower.ts), the writes'
 * publication (live-writes.ts) and the subscriptions' sources (live-streams.ts).
 */
import type { Logger } from '../../core/logger.js';
import type { ProviderKey } from '../../core/provider-key.js';
import type { FollowRhythm } from '../../providers/provider-module.js';
import type { EventBus } from '../../store/event-bus.js';
import type { Leases } from '../../store/state-store.js';
import type { ProviderRegistry } from '../registry.js';
import { LiveStreams } from './live-streams.js';
import { LiveUpdates } from './live-updates.js';
import { LiveWrites } from './live-writes.js';
import { OperationFollower } from './operation-follower.js';

export interface Live {
  updates: LiveUpdates;
  follower: OperationFollower;
  writes: LiveWrites;
  streams: LiveStreams;
  /** Stops following (releasing held leases) and listening; the bus is closed by its owner. */
  close(): Promise<void>;
}

export interface LiveSetup {
  bus: EventBus;
  leases: Leases;
  registry: ProviderRegistry;
  rhythms: Record<ProviderKey, FollowRhythm>;
  log: Logger;
  requestDeadlineMs: number;
}

export function createLive({ bus, leases, registry, rhythms, log, requestDeadlineMs }: LiveSetup): Live {
  const updates = new LiveUpdates(bus, log);
  const follower = new OperationFollower({ registry, leases, live: updates, rhythms, log, requestDeadlineMs });
  updates.start();
  follower.start();
  return {
    updates,
    follower,
    writes: new LiveWrites(updates, follower, log),
    streams: new LiveStreams(updates, follower),
    async close() {
      await follower.close();
      updates.stop();
    },
  };
}
