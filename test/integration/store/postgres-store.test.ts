/**
 * The shared engine against a real PostgreSQL: the shared contract (each test on its own fresh
 * schema, the concurrency cases racing two separate pools as two replicas would), then what
 * only a server can get wrong — migrations raced by replicas starting together, a server that
 * is not there at start-up or goes away later.
 */
import net from 'node:net';
import pg from 'pg';
import { openPostgresStore } from '../../../src/store/postgres-store.js';
import { claimOf, describeStateStoreContract } from '../../support/state-store.contract.js';
import { describeWithPostgres, TEST_DATABASE_URL, testSchemas } from '../../support/postgres.js';

const schemas = testSchemas('cp_store');
afterAll(() => schemas.dropAll());

it('refuses to start on an unreachable PostgreSQL, naming where without the password', async () => {
  const open = openPostgresStore({ url: 'postgres://cardplane:s3cret-pw@127.0.0.1:1/cardplane', connectTimeoutMs: 2_000 });
  await expect(open).rejects.toThrow(/^PostgreSQL at 127\.0\.0\.1:1\/cardplane \(DATABASE_URL\) is unreachable: .*Cardplane will not start without its state store\.$/);
  await expect(open).rejects.not.toThrow(/s3cret-pw/);
});

describeWithPostgres('postgres-store', () => {
  let current = '';
  describeStateStoreContract('postgres', {
    open: async (clock) => openPostgresStore({ url: TEST_DATABASE_URL, schema: (current = schemas.next()), now: clock.now, poolSize: 4 }),
    // A second pool on the same schema: another replica.
    openPeer: async (clock) => openPostgresStore({ url: TEST_DATABASE_URL, schema: current, now: clock.now, poolSize: 4 }),
  });

  describe('the postgres state store as a server', () => {
    it('applies each migration once when three replicas start together', async () => {
      const schema = schemas.next();
      const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 })));
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`);
        expect(rows).toEqual([
          { version: 1, name: 'records, attempts, audit trail, reveal tokens, leases' },
          { version: 2, name: 'an ATTEMPTED audit entry says whether it is a resend' },
        ]);
      } finally {
        await client.end();
        for (const store of stores) await store.close();
      }
      // …and a fourth, later, finds nothing to do and the data model in place.
      const later = await openPostgresStore({ url: TEST_DATABASE_URL, schema });
      expect((await later.records.claim(claimOf('after-migrations'))).claimed).toBe(true);
      await later.close();
    });

    it('fails check() with a clear message while the server cannot be reached, and recovers', async () => {
      // The store talks to PostgreSQL through a proxy this test can cut.
      const target = new URL(TEST_DATABASE_URL);
      const sockets = new Set<net.Socket>();
      let accepting = true;
      const proxy = net.createServer((client) => {
        if (!accepting) return client.destroy();
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const proxied = new URL(TEST_DATABASE_URL);
      proxied.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
      const store = await openPostgresStore({ url: proxied.toString(), schema: schemas.next(), connectTimeoutMs: 1_000, poolSize: 2 });
      try {
        await expect(store.check()).resolves.toBeUndefined();
        accepting = false;
        for (const socket of sockets) socket.destroy();
        await expect(store.check()).rejects.toThrow(new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:\\d+${target.pathname} does not answer: `));
        accepting = true;
        await expect(store.check()).resolves.toBeUndefined();
      } finally {
        await store.close();
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  });
});
