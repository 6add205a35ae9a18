/**
 * Following pending operations, once for the whole fleet. Each replica interested in an
 * operation — it wrote it and the provider answered it pending, or one of its subscribers
 * watches it — runs a candidate for it; candidates take turns at a lease in the shared store
 * (`follow:<provider>:<ref>`), so only the lease holder looks the operation up, at the rhythm
 * its provider's module declares (providers/provider-module.ts, `FollowRhythm`). Each new
 * state it sees is published on the event bus; every replica's candidate stops when a final
 * state arrives (from whichever replica), when the rhythm gives up, or when its replica has
 * no subscriber left and did not write the operation. However many subscribe, on however many
 * replicas, the provider sees one reader.
 *
 * The holder keeps its lease after the final state (it expires): a candidate elsewhere that
 * has not yet heard the final event cannot take the lease and read again meanwhile. A holder
 * that stops for lack of interest releases it, so another replica's candidate takes over.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from '../../core/logger.js';
import type { ProviderKey } from '../../core/provider-key.js';
import { createCallContext } from '../../core/call-context.js';
import { isFinalStatus, OperationKind, type Operation } from '../../core/writes.js';
import type { Card } from '../../core/model.js';
import type { FollowRhythm } from '../../providers/provider-module.js';
import type { Leases } from '../../store/state-store.js';
import type { ProviderRegistry } from '../registry.js';
import { fingerprint, type LiveUpdates } from './live-updates.js';

/** What a lease covers beyond the holder's longest pause: time for one look-up to answer. */
const LEASE_MARGIN_MS = 5_000;

export interface FollowerSetup {
  registry: ProviderRegistry;
  leases: Leases;
  live: LiveUpdates;
  rhythms: Record<ProviderKey, FollowRhythm>;
  log: Logger;
  /** Deadline of one look-up. */
  requestDeadlineMs: number;
  /** This replica's name on the leases (random by default). */
  replicaId?: string;
}

interface Followed {
  provider: ProviderKey;
  ref: string;
  /** Written by this replica: followed until final even without subscribers here. */
  pinned: boolean;
  startedAt: number;
  delayMs: number;
  timer: NodeJS.Timeout | undefined;
  /** What this replica's follower last saw (to publish changes only). */
  last: string | undefined;
  holding: boolean;
  stopped: boolean;
}

export interface FollowerCounters {
  /** Upstream look-ups of operations made by the follower. */
  lookUps: number;
}

export class OperationFollower {
  readonly replicaId: string;
  readonly counters: FollowerCounters = { lookUps: 0 };
  private readonly followed = new Map<string, Followed>();
  private stopReacting: (() => void) | undefined;

  constructor(private readonly setup: FollowerSetup) {
    this.replicaId = setup.replicaId ?? randomUUID();
  }

  start(): void {
    this.stopReacting ??= this.setup.live.react((event) => {
      if (event.topic !== 'operation') return;
      const status = (event.object as Operation).status;
      if (isFinalStatus(status)) this.stop(event.provider, event.ref, false);
    });
  }

  /** Stops every candidate (shutdown): held leases are released for another replica. */
  async close(): Promise<void> {
    this.stopReacting?.();
    this.stopReacting = undefined;
    await Promise.all([...this.followed.values()].map((f) => this.stop(f.provider, f.ref, true)));
  }

  /** Operations this replica is following (or waiting to follow). */
  get size(): number {
    return this.followed.size;
  }

  /**
   * Follows the operation until it is final. `pinned`: this replica wrote it (followed even
   * with no subscriber here); otherwise a subscriber of this replica asked.
   */
  follow(operation: Pick<Operation, 'provider' | 'ref' | 'status'>, pinned: boolean): void {
    if (isFinalStatus(operation.status)) return;
    const key = `${operation.provider}:${operation.ref}`;
    const existing = this.followed.get(key);
    if (existing) {
      existing.pinned ||= pinned;
      return;
    }
    const rhythm = this.setup.rhythms[operation.provider];
    const followed: Followed = {
      provider: operation.provider,
      ref: operation.ref,
      pinned,
      startedAt: Date.now(),
      delayMs: rhythm.firstMs,
      timer: undefined,
      last: undefined,
      holding: false,
      stopped: false,
    };
    this.followed.set(key, followed);
    this.schedule(followed, rhythm.firstMs);
  }

  private schedule(followed: Followed, delayMs: number): void {
    if (followed.stopped) return;
    followed.timer = setTimeout(() => void this.turn(followed), delayMs);
    followed.timer.unref();
  }

  private async stop(provider: ProviderKey, ref: string, release: boolean): Promise<void> {
    const key = `${provider}:${ref}`;
    const followed = this.followed.get(key);
    if (!followed) return;
    followed.stopped = true;
    clearTimeout(followed.timer);
    this.followed.delete(key);
    if (release && followed.holding) await this.setup.leases.release(`follow:${key}`, this.replicaId).catch(() => undefined);
  }

  /** One turn: still wanted? the lease? then one look-up, and the next turn at the rhythm. */
  private async turn(followed: Followed): Promise<void> {
    const { provider, ref } = followed;
    const rhythm = this.setup.rhythms[provider];
    const wanted = followed.pinned || this.setup.live.localWatchers('operation', provider, ref) > 0;
    if (!wanted || Date.now() - followed.startedAt > rhythm.giveUpMs) {
      if (wanted) this.setup.log.info({ event: 'live.follow_gave_up', provider }, 'stopped following an operation that stayed pending');
      return this.stop(provider, ref, true);
    }
    let holding = false;
    try {
      holding = await this.setup.leases.acquire(`follow:${provider}:${ref}`, this.replicaId, rhythm.maxMs + LEASE_MARGIN_MS);
    } catch (error) {
      this.setup.log.warn({ event: 'live.lease_failed', provider, err: (error as Error).message }, 'the follow lease could not be taken');
    }
    followed.holding = holding;
    if (followed.stopped) return;
    if (!holding) return this.schedule(followed, Math.min(rhythm.maxMs, Math.max(rhythm.firstMs, 1_000)));
    const operation = await this.lookUp(followed);
    if (followed.stopped) return;
    if (operation === null) return;
    if (operation === undefined) return this.schedule(followed, this.later(followed, false));
    const print = fingerprint(JSON.parse(JSON.stringify(operation)));
    const changed = print !== (followed.last ?? this.knownPrint(provider, ref));
    followed.last = print;
    if (changed) {
      await this.setup.live.publish('operation', operation);
      if (isFinalStatus(operation.status)) await this.afterFinal(operation);
    }
    if (isFinalStatus(operation.status)) {
      // Keep the lease until it expires: see the file comment.
      followed.holding = false;
      return this.stop(provider, ref, false);
    }
    this.schedule(followed, this.later(followed, changed));
  }

  private knownPrint(provider: ProviderKey, ref: string): string | undefined {
    const known = this.setup.live.current<Operation>('operation', provider, ref);
    return known === undefined ? undefined : fingerprint(JSON.parse(JSON.stringify(known)));
  }

  /** The next pause: back to the first after a change, otherwise `factor` times longer, at most `maxMs`. */
  private later(followed: Followed, changed: boolean): number {
    const rhythm = this.setup.rhythms[followed.provider];
    followed.delayMs = changed ? rhythm.firstMs : Math.min(rhythm.maxMs, Math.round(followed.delayMs * rhythm.factor));
    return followed.delayMs;
  }

  /** One upstream read of the operation; undefined when it failed (tried again at the rhythm). */
  private async lookUp(followed: Followed): Promise<Operation | null | undefined> {
    const { provider, ref } = followed;
    const cx = this.callContext();
    try {
      this.counters.lookUps += 1;
      const operation = await this.setup.registry.get(provider).getOperation(ref, cx);
      if (operation === null) {
        // Gone (or never there): nothing more to follow.
        await this.stop(provider, ref, true);
      }
      return operation;
    } catch (error) {
      this.setup.log.warn({ event: 'live.look_up_failed', provider, err: (error as Error).message }, 'following an operation: the look-up failed');
      return undefined;
    }
  }

  /**
   * A final state changes what it acted on: the card an issuance created (published, so its
   * first subscriber finds it known) or the card a top-up credited (refreshed when watched).
   */
  private async afterFinal(operation: Operation): Promise<void> {
    if (!operation.cardRef) return;
    const issued = operation.kind === OperationKind.CARD_ISSUE;
    if (!issued && !this.setup.live.isWatched('card', operation.provider, operation.cardRef)) return;
    try {
      const [card] = await this.setup.registry.get(operation.provider).getCards([operation.cardRef], this.callContext());
      if (card && !(card instanceof Error)) await this.setup.live.publish('card', card as Card);
    } catch (error) {
      this.setup.log.debug({ event: 'live.card_refresh_failed', provider: operation.provider, err: (error as Error).message }, 'the card of a settled operation could not be read');
    }
  }

  private callContext() {
    const deadline = AbortSignal.timeout(this.setup.requestDeadlineMs);
    setMaxListeners(0, deadline);
    return createCallContext(`follow-${randomUUID()}`, this.setup.log, deadline);
  }
}
