/**
 * The live updates' rules, on the in-process bus and the memory store: what is published,
 * what reaches a subscriber (once per state), the bounded queue that drops a slow consumer, and
 * one follower per operation however many replicas want it.
 */
import { createLogger } from '../../../../src/core/logger.js';
import { CardStatus, CardType, type Card } from '../../../../src/core/model.js';
import { OperationKind, OperationStatus, type Operation } from '../../../../src/core/writes.js';
import { EventQueue } from '../../../../src/gateway/live/event-queue.js';
import { LiveUpdates } from '../../../../src/gateway/live/live-updates.js';
import { OperationFollower } from '../../../../src/gateway/live/operation-follower.js';
import type { ProviderRegistry } from '../../../../src/gateway/registry.js';
import { InProcessEventBus } from '../../../../src/store/event-bus.js';
import { MemoryStateStore } from '../../../../src/store/memory-store.js';

const log = createLogger('silent');
const tick = () => new Promise((r) => setImmediate(r));
const card = (status: CardStatus): Card => ({
  provider: 'utgl',
  ref: 'card-1',
  cardholderRef: null,
  walletRef: null,
  status,
  providerStatus: status.toLowerCase(),
  type: CardType.VIRTUAL,
  brand: 'VISA',
  last4: '4242',
  expiryMonth: 1,
  expiryYear: 2030,
  createdAt: new Date('2026-01-01T00:00:00Z'),
});

describe('LiveUpdates', () => {
  it('publishes a read only for a watched object that changed, and delivers each state once', async () => {
    const updates = new LiveUpdates(new InProcessEventBus(), log);
    updates.start();
    const seen: Card[] = [];
    updates.watch<Card>('card', 'utgl', 'card-1', undefined, (c) => seen.push(c));
    updates.observe('card', card(CardStatus.ACTIVE));
    await tick();
    expect(seen).toEqual([]); // not watched anywhere yet: nothing known, nothing published
    await updates.publish('card', card(CardStatus.ACTIVE));
    await tick();
    updates.observe('card', card(CardStatus.ACTIVE));
    updates.observe('card', card(CardStatus.FROZEN));
    updates.observe('card', card(CardStatus.FROZEN));
    await tick();
    expect(seen.map((c) => c.status)).toEqual([CardStatus.ACTIVE, CardStatus.FROZEN]);
    expect(seen[1]!.createdAt).toEqual(new Date('2026-01-01T00:00:00Z'));
  });

  it('keeps at most maxKnown last-known states', async () => {
    const updates = new LiveUpdates(new InProcessEventBus(), log, 2);
    updates.start();
    for (const ref of ['a', 'b', 'c']) await updates.publish('card', { ...card(CardStatus.ACTIVE), ref });
    await tick();
    expect(updates.knownCount).toBe(2);
    expect(updates.isWatched('card', 'utgl', 'a')).toBe(false);
    expect(updates.isWatched('card', 'utgl', 'c')).toBe(true);
  });

  it("answers a last-known state with its dates, a fresh object each time, and publishes a watched wallet's balance only when it differs", async () => {
    const bus = new InProcessEventBus();
    const published: unknown[] = [];
    bus.listen((event) => published.push(event.object));
    const updates = new LiveUpdates(bus, log);
    updates.start();
    await updates.publish('card', card(CardStatus.FROZEN));
    await tick();
    const first = updates.current<Card>('card', 'utgl', 'card-1')!;
    expect(first).toEqual(card(CardStatus.FROZEN));
    expect(first.createdAt).toBeInstanceOf(Date);
    first.status = CardStatus.ACTIVE;
    expect(updates.current<Card>('card', 'utgl', 'card-1')!.status).toBe(CardStatus.FROZEN);

    const wallet = { provider: 'utgl', ref: 'wallet-1', currency: 'USD', balance: { amount: '10.00', currency: 'USD' }, createdAt: new Date('2026-01-02T00:00:00Z') };
    await updates.publish('wallet', wallet as never);
    await tick();
    updates.observeBalance('utgl', 'wallet-1', { amount: '10.00', currency: 'USD' });
    await tick();
    expect(published).toHaveLength(2);
    updates.observeBalance('utgl', 'wallet-1', { amount: '7.50', currency: 'USD' });
    await tick();
    expect(published).toHaveLength(3);
    expect(updates.current('wallet', 'utgl', 'wallet-1')).toEqual({ ...wallet, balance: { amount: '7.50', currency: 'USD' } });
    // A balance of a wallet nobody watches publishes nothing.
    updates.observeBalance('utgl', 'wallet-2', { amount: '1.00', currency: 'USD' });
    await tick();
    expect(published).toHaveLength(3);
  });
});

describe('EventQueue', () => {
  it('drops a consumer that lets more than maxQueued events wait, and ends its stream', async () => {
    const overflow = jest.fn();
    const ended = jest.fn();
    const queue = new EventQueue<number>(2, overflow, ended);
    queue.push(1);
    queue.push(2);
    expect(overflow).not.toHaveBeenCalled();
    queue.push(3);
    expect(overflow).toHaveBeenCalledTimes(1);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('hands events to a waiting reader and ends after the last one once finished', async () => {
    const queue = new EventQueue<number>(10, () => undefined, () => undefined);
    const waiting = queue.next();
    queue.push(1);
    expect(await waiting).toEqual({ value: 1, done: false });
    queue.push(2);
    queue.finish();
    expect(await queue.next()).toEqual({ value: 2, done: false });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });
});

describe('OperationFollower', () => {
  const pending: Operation = {
    provider: 'corporate',
    ref: 'u/ord_1',
    kind: OperationKind.TOP_UP,
    status: OperationStatus.PENDING,
    providerStatus: 'pending',
    reference: null,
    amount: null,
    cardRef: null,
    failureReason: null,
    createdAt: null,
  };
  const rhythm = { firstMs: 100, factor: 1, maxMs: 100, giveUpMs: 60_000 };
  const rhythms = { utgl: rhythm, baas: rhythm, corporate: rhythm, ledger: rhythm, pushpull: rhythm };

  it('looks an operation up from one replica only, publishes each step, and stops at the final one', async () => {
    const store = new MemoryStateStore();
    const bus = new InProcessEventBus();
    const steps = [OperationStatus.PROCESSING, OperationStatus.COMPLETED];
    let reads = 0;
    const provider = {
      getOperation: async () => ({ ...pending, status: steps[Math.min(reads++, steps.length - 1)]!, providerStatus: 'x' }),
    };
    const registry = { get: () => provider } as unknown as ProviderRegistry;
    const replicas = [1, 2, 3].map(() => {
      const updates = new LiveUpdates(bus, log);
      updates.start();
      const follower = new OperationFollower({ registry, leases: store.leases, live: updates, rhythms, log, requestDeadlineMs: 1_000 });
      follower.start();
      return { updates, follower };
    });
    const seen: OperationStatus[] = [];
    replicas[2]!.updates.watch<Operation>('operation', 'corporate', pending.ref, undefined, (o) => seen.push(o.status));
    // Every replica wants it (as if each had a subscriber or wrote it).
    for (const { follower } of replicas) follower.follow(pending, true);
    while (replicas.some((r) => r.follower.size > 0)) await new Promise((r) => setTimeout(r, 20));
    expect(reads).toBe(2);
    expect(seen).toEqual([OperationStatus.PROCESSING, OperationStatus.COMPLETED]);
    await Promise.all(replicas.map((r) => r.follower.close()));
  });
});
