/**
 * The live-update bus over PostgreSQL LISTEN/NOTIFY: what one replica publishes reaches every
 * replica (itself included), and a replica whose listening connection is cut reconnects and
 * hears again.
 */
import pg from 'pg';
import { createLogger } from '../../../src/core/logger.js';
import type { LiveEvent } from '../../../src/store/event-bus.js';
import { PostgresEventBus } from '../../../src/store/postgres-event-bus.js';
import { describeWithPostgres, TEST_DATABASE_URL, testDatabase } from '../../support/postgres.js';

jest.setTimeout(60_000);

describeWithPostgres('PostgresEventBus', () => {
  const database = testDatabase('cardplane_bus');
  const buses: PostgresEventBus[] = [];
  const open = async () => {
    const bus = await PostgresEventBus.open({ url: database.url, log: createLogger('silent') });
    buses.push(bus);
    return bus;
  };

  beforeAll(() => database.create());
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await database.drop();
  });

  const event = (ref: string): LiveEvent => ({ topic: 'card', provider: 'utgl', ref, object: { provider: 'utgl', ref, status: 'FROZEN' } });
  const heard = (bus: PostgresEventBus, ref: string) => new Promise<LiveEvent>((resolve) => bus.listen((e) => e.ref === ref && resolve(e)));

  it('delivers one replica’s event to every replica, the publisher included', async () => {
    const [one, two] = [await open(), await open()];
    const [onOne, onTwo] = [heard(one, 'a'), heard(two, 'a')];
    await one.publish(event('a'));
    expect(await onOne).toEqual(event('a'));
    expect(await onTwo).toEqual(event('a'));
  });

  it('delivers a burst published at once to every replica, all of it and in publish order', async () => {
    const [one, two] = [await open(), await open()];
    const refs = Array.from({ length: 250 }, (_, i) => `burst-${i}`);
    const seen: Record<string, string[]> = { one: [], two: [] };
    const all = (bus: PostgresEventBus, name: string) =>
      new Promise<void>((resolve) =>
        bus.listen((e) => {
          if (!e.ref.startsWith('burst-')) return;
          seen[name]!.push(e.ref);
          if (seen[name]!.length === refs.length) resolve();
        }),
      );
    const heardAll = Promise.all([all(one, 'one'), all(two, 'two')]);
    // More than one statement's worth, published without waiting: they queue behind the first.
    await Promise.all(refs.map((ref) => one.publish(event(ref))));
    await heardAll;
    expect(seen.one).toEqual(refs);
    expect(seen.two).toEqual(refs);
  });

  it('reconnects after its listening connection is cut, and hears again', async () => {
    const [listener, publisher] = [await open(), await open()];
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'cardplane-live'`, [database.name]);
    await client.end();
    // Both lost their connection; each is replaced within about a second.
    const deadline = Date.now() + 20_000;
    let received: LiveEvent | undefined;
    listener.listen((e) => {
      if (e.ref === 'b') received = e;
    });
    while (!received && Date.now() < deadline) {
      await publisher.publish(event('b'));
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(received).toEqual(event('b'));
  });
});
