/**
 * One replica's side of the live updates: what its subscribers watch, what the fleet last
 * published about each watched object, and the publication of changes to the event bus
 * (store/event-bus.ts) so every replica's subscribers see them.
 *
 * - A change made through the gateway (a card frozen, an operation answered) is published.
 * - A read of an object is compared with its last-known state and published when it differs
 *   — only for objects someone watches (they have a last-known state): a list of a hundred
 *   cards nobody subscribed to publishes nothing. The last-known states are kept for at most
 *   `maxKnown` objects (least recently touched dropped first), each as its JSON only (its
 *   fingerprint; the object is parsed from it when asked for): every operation a write
 *   answered is published, so a replica taking writes keeps `maxKnown` of them.
 * - Every replica, the publisher included, learns an event from the bus; it becomes the
 *   last-known state and goes to this replica's watchers, each of which gets an object only
 *   when it differs from the last one it was sent (so an event published twice, by two
 *   replicas that read the same change, reaches a subscriber once).
 */
import type { Logger } from '../../core/logger.js';
import type { EventBus, LiveEvent, LiveTopic } from '../../store/event-bus.js';
import type { ProviderKey } from '../../core/provider-key.js';
import { reviveDates as revive, type NodeBase } from '../../core/model.js';

export const DEFAULT_MAX_KNOWN = 10_000;

/** One subscriber's delivery, with what it was last sent. */
interface Watcher {
  lastSent: string | undefined;
  deliver(object: unknown): void;
}

export type LiveReaction = (event: LiveEvent) => void;

const keyOf = (topic: LiveTopic, provider: ProviderKey, ref: string) => `${topic}\u0000${provider}\u0000${ref}`;

/** The comparison key of an object: its JSON (dates as ISO strings), the same for an object and its JSON-safe copy. */
export const fingerprint = (object: unknown): string => JSON.stringify(object);

export class LiveUpdates {
  /** Each object's last-known state, as its fingerprint (JSON). */
  private readonly known = new Map<string, string>();
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly reactions = new Set<LiveReaction>();
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly maxKnown = DEFAULT_MAX_KNOWN,
  ) {}

  start(): void {
    this.stopListening ??= this.bus.listen((event) => this.receive(event));
  }

  stop(): void {
    this.stopListening?.();
    this.stopListening = undefined;
  }

  /** Publishes an object's new state to every replica (a change the gateway made or followed). */
  async publish(topic: LiveTopic, object: NodeBase): Promise<void> {
    try {
      await this.bus.publish({ topic, provider: object.provider, ref: object.ref, object: JSON.parse(JSON.stringify(object)) });
    } catch (error) {
      this.log.warn({ event: 'live.publish_failed', topic, provider: object.provider, err: (error as Error).message }, 'a live update could not be published');
    }
  }

  /** A read's answer: published when the object is watched and differs from its last-known state. */
  observe(topic: LiveTopic, object: NodeBase): void {
    // A wallet read without its balance says nothing about the balance (observeBalance does).
    if (topic === 'wallet' && (object as { balance?: unknown }).balance === undefined) return;
    const known = this.known.get(keyOf(topic, object.provider, object.ref));
    if (known === undefined || known === fingerprint(object)) return;
    void this.publish(topic, object);
  }

  /** A balance read (a wallet's balance loaded on its own): published when the watched wallet's differs. */
  observeBalance(provider: ProviderKey, ref: string, balance: unknown): void {
    const known = this.known.get(keyOf('wallet', provider, ref));
    if (known === undefined) return;
    const wallet = JSON.parse(known) as { balance?: unknown };
    if (fingerprint(wallet.balance) === fingerprint(balance)) return;
    void this.publish('wallet', revive<NodeBase>({ ...wallet, balance }));
  }

  /** True when the object has a last-known state: someone subscribed to it on some replica. */
  isWatched(topic: LiveTopic, provider: ProviderKey, ref: string): boolean {
    return this.known.has(keyOf(topic, provider, ref));
  }

  /** The last-known state (dates revived), if any. */
  current<T>(topic: LiveTopic, provider: ProviderKey, ref: string): T | undefined {
    const known = this.known.get(keyOf(topic, provider, ref));
    return known === undefined ? undefined : revive<T>(JSON.parse(known));
  }

  /** Subscribers of this replica watching the object. */
  localWatchers(topic: LiveTopic, provider: ProviderKey, ref: string): number {
    return this.watchers.get(keyOf(topic, provider, ref))?.size ?? 0;
  }

  /**
   * Delivers each new state of the object to `deliver` from now on; `initial` is what the
   * subscriber was already given (not sent again). Returns the function that stops it.
   */
  watch<T>(topic: LiveTopic, provider: ProviderKey, ref: string, initial: T | undefined, deliver: (object: T) => void): () => void {
    const key = keyOf(topic, provider, ref);
    const watcher: Watcher = {
      lastSent: initial === undefined ? undefined : fingerprint(initial),
      deliver: (object) => deliver(revive<T>(object)),
    };
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(key) === set) this.watchers.delete(key);
    };
  }

  /** Runs `reaction` for every new state the bus brings (the follower stops on a final one). */
  react(reaction: LiveReaction): () => void {
    this.reactions.add(reaction);
    return () => this.reactions.delete(reaction);
  }

  /** Objects with a last-known state (bounded by `maxKnown`). */
  get knownCount(): number {
    return this.known.size;
  }

  private receive(event: LiveEvent): void {
    const key = keyOf(event.topic, event.provider, event.ref);
    const print = fingerprint(event.object);
    const previous = this.known.get(key);
    this.known.delete(key);
    this.known.set(key, print);
    if (this.known.size > this.maxKnown) this.known.delete(this.known.keys().next().value!);
    if (previous === print) return;
    for (const watcher of this.watchers.get(key) ?? []) {
      if (watcher.lastSent === print) continue;
      watcher.lastSent = print;
      watcher.deliver(event.object);
    }
    for (const reaction of this.reactions) reaction(event);
  }
}
