/**
 * The source of one subscription: the object's current state first, then each new state, for
 * a viewer of one tenant. Another tenant's object answers NOT_FOUND exactly as one that does
 * not exist. The current state is the fleet's last-known one when there is one (no upstream
 * call); otherwise one read — shared by every subscriber of the replica asking at once — which
 * is then published, so every replica knows the object as watched and compares its reads of
 * it from then on.
 */
import { notFound } from '../../core/errors.js';
import { decodeGlobalId } from '../../core/global-id.js';
import type { Card, NodeBase, Wallet } from '../../core/model.js';
import type { ProviderKey } from '../../core/provider-key.js';
import { isFinalStatus, type Operation } from '../../core/writes.js';
import type { LiveTopic } from '../../store/event-bus.js';
import type { TenantScope } from '../tenant-scope.js';
import { EventQueue } from './event-queue.js';
import type { LiveUpdates } from './live-updates.js';
import type { OperationFollower } from './operation-follower.js';

export interface LiveTypes {
  Operation: Operation;
  Card: Card;
  Wallet: Wallet;
}

export type LiveType = keyof LiveTypes;

export const LIVE_TOPIC: Record<LiveType, LiveTopic> = { Operation: 'operation', Card: 'card', Wallet: 'wallet' };

/** What the transport asks of a subscription's queue (http/ws-subscriptions.ts). */
export interface StreamLimits {
  /** Events waiting for the client before it counts as too slow. */
  maxQueued: number;
  /** The client is too slow: close its socket. */
  onOverflow: () => void;
}

export class LiveStreams {
  /** Reads of a current state in flight, shared by the subscribers asking at once. */
  private readonly reading = new Map<string, Promise<NodeBase | null>>();

  constructor(
    private readonly updates: LiveUpdates,
    private readonly follower: OperationFollower,
  ) {}

  async open<N extends LiveType>(scope: TenantScope, type: N, id: string, limits: StreamLimits): Promise<AsyncIterableIterator<LiveTypes[N]>> {
    const { provider, ref } = decodeGlobalId(id, type);
    // Another tenant's object answers exactly like one that does not exist.
    if (!scope.registry.has(provider)) throw notFound(`${type} ${id}`, provider);
    const topic = LIVE_TOPIC[type];
    const current = this.updates.current<LiveTypes[N]>(topic, provider, ref) ?? ((await this.readOnce(scope, type, provider, ref)) as LiveTypes[N] | null);
    if (!current) throw notFound(`${type} ${id}`, provider);
    if (type === 'Operation') this.follower.follow(current as Operation, false);
    let unwatch = () => {};
    const queue = new EventQueue<LiveTypes[N]>(limits.maxQueued, limits.onOverflow, () => unwatch());
    // An operation's stream completes after its final state: nothing follows it.
    const deliver = (object: LiveTypes[N]) => {
      queue.push(object);
      if (type === 'Operation' && isFinalStatus((object as Operation).status)) queue.finish();
    };
    unwatch = this.updates.watch<LiveTypes[N]>(topic, provider, ref, current, deliver);
    deliver(current);
    return queue;
  }

  private readOnce(scope: TenantScope, type: LiveType, provider: ProviderKey, ref: string): Promise<NodeBase | null> {
    const key = `${type}:${provider}:${ref}`;
    let read = this.reading.get(key);
    if (!read) {
      read = this.read(scope, type, provider, ref).then(async (object) => {
        if (object) await this.updates.publish(LIVE_TOPIC[type], object);
        return object;
      });
      this.reading.set(key, read);
      void read.then(
        () => this.reading.delete(key),
        () => this.reading.delete(key),
      );
    }
    return read;
  }

  private async read(scope: TenantScope, type: LiveType, provider: ProviderKey, ref: string): Promise<Operation | Card | Wallet | null> {
    const key = { provider, ref };
    switch (type) {
      case 'Operation':
        return scope.loaders.operation.load(key);
      case 'Card':
        return scope.loaders.card.load(key);
      case 'Wallet': {
        const wallet = await scope.loaders.wallet.load(key);
        if (!wallet || wallet.balance) return wallet;
        const balance = await scope.loaders.walletBalance.load(key);
        return balance ? { ...wallet, balance } : wallet;
      }
      default: {
        const unknown: never = type;
        throw new TypeError(`Not a live type: ${String(unknown)}`);
      }
    }
  }
}
