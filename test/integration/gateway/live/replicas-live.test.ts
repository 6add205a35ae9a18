/**
 * Live updates across replicas: two gateways share one PostgreSQL database (leases, and the
 * LISTEN/NOTIFY event bus) and one set of simulators (replica A runs them, B is configured
 * with their endpoints), as two processes behind a load balancer would. A corporate top-up
 * is followed once for the fleet — the upstream order reads do not grow with the audience —
 * and a freeze made through one replica reaches a subscriber of the other.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { PROVIDER_KEYS } from '../../../../src/core/provider-key.js';
import { PROVIDER_CATALOG } from '../../../../src/providers/catalog.js';
import { CardUpdatedDocument, OperationUpdatedDocument } from '../../../generated/graphql.js';
import { startTestGateway, type TestGateway } from '../../../support/gateway.js';
import { globalIdsOf, refOf } from '../../../support/global-id.js';
import { describeWithPostgres, testDatabase } from '../../../support/postgres.js';
import { subscribe, subscriptionClient } from '../../../support/subscriptions.js';

jest.setTimeout(120_000);

const gid = globalIdsOf('corporate');
const ORDER_READS = '/api/v1/orders/get';

const TOP_UP = /* GraphQL */ `
  mutation TopUp($input: TopUpCardInput!, $key: String!) {
    topUpCard(input: $input, idempotencyKey: $key) { id status }
  }
`;

describeWithPostgres('live updates across two replicas on one PostgreSQL', () => {
  let a: TestGateway;
  let b: TestGateway;
  const clients: Client[] = [];
  const database = testDatabase('cardplane_live');

  beforeAll(async () => {
    await database.create();
    // The first look-up 1.5 s after the order is seen pending: time for ten sockets to subscribe.
    const shared = { DATABASE_URL: database.url, CORPORATE_FOLLOW_FIRST_MS: '1500', WS_MAX_CONNECTIONS_PER_VIEWER: '20' };
    a = await startTestGateway(shared);
    const endpoints = Object.assign({}, ...PROVIDER_KEYS.map((key) => PROVIDER_CATALOG[key].endpointToEnv(a.sandboxes.endpoints[key] as never))) as Record<string, string>;
    b = await startTestGateway({ ...shared, ...endpoints });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await b?.close();
    await a?.close();
    await database.drop();
  });

  const corporate = () => a.sandboxes.stores.corporate!;
  const orderReads = () => a.sandboxes.servers.corporate!.count('POST', ORDER_READS);
  const activeCard = () => [...corporate().cards.values()].find((c) => c.status === 'active')!;
  const clientOf = async (gw: TestGateway) => {
    const c = subscriptionClient(gw.url, await gw.token());
    clients.push(c);
    return c;
  };

  /** Tops a card up through replica A; resolves once every replica knows the pending order (its PENDING event arrived). */
  async function topUp(): Promise<string> {
    const card = activeCard();
    const res = await a.query(TOP_UP, { key: `fleet-${randomBytes(4).toString('hex')}`, input: { cardId: gid('Card', `${card.external_user_id}/${card.card_id}`), amount: '1.00', currency: 'USD' } });
    expect(res.errors).toBeUndefined();
    expect(res.data.topUpCard.status).toBe('PENDING');
    const id: string = res.data.topUpCard.id;
    for (const gw of [a, b]) {
      while (!gw.app.gateway.live.updates.isWatched('operation', 'corporate', refOf(id))) await new Promise((r) => setTimeout(r, 10));
    }
    return id;
  }

  async function follow(id: string, replicas: TestGateway[]): Promise<string[][]> {
    const subscribers = await Promise.all(replicas.map(async (gw) => subscribe(await clientOf(gw), OperationUpdatedDocument, { id })));
    await Promise.all(subscribers.map((s) => s.done));
    return subscribers.map((s) => s.data().map((d) => d.operationUpdated.status));
  }

  it('a corporate top-up followed by 10 subscribers on two replicas: each sees PENDING → PROCESSING → COMPLETED, with the order reads of one subscriber', async () => {
    const alone = await topUp();
    const before = orderReads();
    expect(await follow(alone, [b])).toEqual([['PENDING', 'PROCESSING', 'COMPLETED']]);
    const readsForOne = orderReads() - before;
    // pending → processing → completed: two look-ups, each seeing one step.
    expect(readsForOne).toBe(2);

    const crowd = await topUp();
    const start = orderReads();
    const statuses = await follow(crowd, [a, b, a, b, a, b, a, b, a, b]);
    expect(statuses).toEqual(Array.from({ length: 10 }, () => ['PENDING', 'PROCESSING', 'COMPLETED']));
    expect(orderReads() - start).toBe(readsForOne);
  });

  it('a freeze made through replica A reaches a cardUpdated subscriber on replica B', async () => {
    const card = activeCard();
    const id = gid('Card', `${card.external_user_id}/${card.card_id}`);
    const sub = subscribe(await clientOf(b), CardUpdatedDocument, { id });
    await sub.received(1);
    const frozen = await a.query('mutation($id: ID!) { freezeCard(cardId: $id) { status } }', { id });
    expect(frozen.data?.freezeCard.status).toBe('FROZEN');
    await sub.received(2);
    expect(sub.data().map((d) => d.cardUpdated.status)).toEqual(['ACTIVE', 'FROZEN']);
    sub.unsubscribe();
  });
});
