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
