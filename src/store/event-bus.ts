/**
 * The live-update bus: how a change one replica sees (a card frozen through it, an order its
 * follower looked up, a read that found a new balance) reaches the subscribers of every
 * replica. Two engines, like the state store: in-process (the embedded mode, one gateway) and
 * PostgreSQL `LISTEN/NOTIFY` when `DATABASE_URL` is set (postgres-event-bus.ts).
 *
 * Delivery is at most once and unordered across publishers: an event lost while a replica's
 * listening connection reconnects is not replayed (its subscribers see the next change). Every
 * engine delivers a replica's own events back to it through the same path as the others', so
 * a replica treats all events alike.
 */
import type { ProviderKey } from '../core/provider-key.js';

export type LiveTopic = 'operation' | 'card' | 'wallet';

export interface LiveEvent {
  topic: LiveTopic;
  provider: ProviderKey;
  /** The provider's ref of the object. */
  ref: string;
  /** The object as the unified model holds it, JSON-safe (dates as ISO strings). */
  object: unknown;
}

export type LiveListener = (event: LiveEvent) => void;

export interface EventBus {
  /** `memory` or `postgres`, for logs. */
  readonly engine: string;
  /** Sends the event to every replica's listeners (this one's included). */
  publish(event: LiveEvent): Promise<void>;
  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  listen(listener: LiveListener): () => void;
  close(): Promise<void>;
}

/** The embedded engine: one process, listeners called on the next tick (never inside publish). */
export class InProcessEventBus implements EventBus {
  readonly engine = 'memory';
  private readonly listeners = new Set<LiveListener>();

  async publish(event: LiveEvent): Promise<void> {
    // A copy through JSON, as PostgreSQL delivers it: no listener shares the publisher's objects.
    const copy = JSON.parse(JSON.stringify(event)) as LiveEvent;
    setImmediate(() => dispatch(this.listeners, copy));
  }

  listen(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/** Calls each listener; one that throws does not keep the event from the others. */
export function dispatch(listeners: Iterable<LiveListener>, event: LiveEvent): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch {
      // A listener's failure is its own (the hub logs its own errors).
    }
  }
}
