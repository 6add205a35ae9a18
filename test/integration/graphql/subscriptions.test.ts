/**
 * Subscriptions over graphql-ws against one gateway and its sandboxes (embedded mode: the
 * in-process event bus): live card state from writes and reads, the operation follower,
 * security as for queries (token in connection_init, expiry, scopes, tenancy, origins), the
 * limits and the close codes README documents.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { CardUpdatedDocument, OperationUpdatedDocument, WalletBalanceChangedDocument } from '../../generated/graphql.js';
import { startTestGateway, type TestGateway } from '../../support/gateway.js';
import { globalIdsOf } from '../../support/global-id.js';
import { acknowledgedSocket, rawSocket, subscribe, subscriptionClient } from '../../support/subscriptions.js';

jest.setTimeout(60_000);

const utglId = globalIdsOf('utgl');
const corporateId = globalIdsOf('corporate');

const TOP_UP = /* GraphQL */ `
  mutation TopUp($input: TopUpCardInput!, $key: String!) {
    topUpCard(input: $input, idempotencyKey: $key) { id status providerStatus }
  }
`;
const FREEZE = /* GraphQL */ `
  mutation Freeze($cardId: ID!) { freezeCard(cardId: $cardId) { id status } }
`;
const UNFREEZE = /* GraphQL */ `
  mutation Unfreeze($cardId: ID!) { unfreezeCard(cardId: $cardId) { id status } }
`;

describe('subscriptions over graphql-ws', () => {
  let gw: TestGateway;
  const clients: Client[] = [];
  const client = async (token?: string) => {
    const c = subscriptionClient(gw.url, token ?? (await gw.token()));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    gw = await startTestGateway({
      PROVIDER_TENANTS: 'utgl=acme,baas=acme,corporate=acme,ledger=globex,pushpull=acme',
      CORPORATE_FOLLOW_FIRST_MS: '300',
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
      WS_MAX_SUBSCRIPTIONS_PER_VIEWER: '5',
      WS_MAX_CONNECTIONS_PER_VIEWER: '4',
      WS_IDLE_TIMEOUT_MS: '1000',
      CORS_ORIGINS: 'https://app.example.com',
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await gw.close();
  });

  const activeUtglCard = () => [...gw.sandboxes.stores.utgl!.cards.values()].find((c) => c.status === 'active')!;

  it('sends a card as it stands, then its freeze and unfreeze made through the API', async () => {
    const card = activeUtglCard();
    const id = utglId('Card', card.id);
    const sub = subscribe(await client(), CardUpdatedDocument, { id });
    await sub.received(1);
    await gw.query(FREEZE, { cardId: id });
    await sub.received(2);
    await gw.query(UNFREEZE, { cardId: id });
    await sub.received(3);
    expect(sub.data().map((d) => d.cardUpdated.status)).toEqual(['ACTIVE', 'FROZEN', 'ACTIVE']);
    expect(sub.data()[0]!.cardUpdated.id).toBe(id);
    sub.unsubscribe();
  });

  it('publishes a change that a read of the card saw (made behind the API), once', async () => {
    const card = activeUtglCard();
    const id = utglId('Card', card.id);
    const sub = subscribe(await client(), CardUpdatedDocument, { id });
    await sub.received(1);
    card.status = 'frozen';
    try {
      // Two reads see the same change: one event.
      await gw.query('query($id: ID!) { card(id: $id) { status } }', { id });
      await gw.query('query($id: ID!) { card(id: $id) { status } }', { id });
      await sub.received(2);
      await gw.query('query { providers { provider } }');
      expect(sub.data().map((d) => d.cardUpdated.status)).toEqual(['ACTIVE', 'FROZEN']);
    } finally {
      card.status = 'active';
      sub.unsubscribe();
    }
  });

  it('follows a corporate top-up PENDING → PROCESSING → COMPLETED, then completes the stream', async () => {
    const store = gw.sandboxes.stores.corporate!;
    const card = [...store.cards.values()].find((c) => c.status === 'active')!;
    const res = await gw.query(TOP_UP, {
      key: `live-${randomBytes(4).toString('hex')}`,
      input: { cardId: corporateId('Card', `${card.external_user_id}/${card.card_id}`), amount: '1.00', currency: 'USD' },
    });
    expect(res.errors).toBeUndefined();
    const sub = subscribe(await client(), OperationUpdatedDocument, { id: res.data.topUpCard.id });
    await sub.done;
    expect(sub.data().map((d) => d.operationUpdated.status)).toEqual(['PENDING', 'PROCESSING', 'COMPLETED']);
    expect(sub.data().map((d) => d.operationUpdated.providerStatus)).toEqual(['pending', 'processing', 'completed']);
  });

  it("answers another tenant's id like one that does not exist: NOT_FOUND, no events", async () => {
    const ledger = gw.sandboxes.stores.ledger!;
    const walletRef = [...ledger.wallets.keys()][0]!;
    const sub = subscribe(await client(), WalletBalanceChangedDocument, { id: globalIdsOf('ledger')('Wallet', String(walletRef)) });
    await sub.done;
    expect(sub.results).toHaveLength(1);
    expect(sub.results[0]!.data ?? null).toBeNull();
    expect(sub.results[0]!.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });

  describe('security, as for queries', () => {
    const subscribeMessage = (id: string, cardId: string) => ({
      id,
      type: 'subscribe',
      payload: { query: 'subscription($id: ID!) { cardUpdated(id: $id) { id status } }', variables: { id: cardId } },
    });

    it('closes the socket with 4403 when connection_init carries no valid token', async () => {
      const raw = await rawSocket(gw.url);
      raw.send({ type: 'connection_init', payload: { authorization: 'Bearer not-a-token' } });
      expect(await raw.closed).toMatchObject({ code: 4403 });
      const bare = await rawSocket(gw.url);
      bare.send({ type: 'connection_init' });
      expect(await bare.closed).toEqual({ code: 4403, reason: 'A bearer token is required' });
    });

    it('closes the socket with 4403 "The token has expired" when the token expires', async () => {
      const raw = await acknowledgedSocket(gw.url, await gw.token({ expiresIn: 2, subject: 'short-lived' }));
      raw.send(subscribeMessage('1', utglId('Card', activeUtglCard().id)));
      await raw.next('next');
      expect(await raw.closed).toEqual({ code: 4403, reason: 'The token has expired' });
    });

    it('needs cards:read for each subscription', async () => {
      const raw = await acknowledgedSocket(gw.url, await gw.token({ scopes: ['funds:write'], subject: 'writer' }));
      raw.send(subscribeMessage('1', utglId('Card', activeUtglCard().id)));
      const next = await raw.next('next');
      expect((next.payload as { errors: Array<{ extensions: unknown }> }).errors[0]!.extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['cards:read'] });
      raw.socket.close();
    });

    it('refuses the upgrade from a browser origin that may not call the API, and accepts an allowed one', async () => {
      await expect(rawSocket(gw.url, { origin: 'https://evil.example.net' })).rejects.toThrow('Unexpected server response: 403');
      const allowed = await rawSocket(gw.url, { origin: 'https://app.example.com' });
      allowed.socket.close();
    });

    it('runs only subscriptions over WebSocket, and refuses them over HTTP saying where to send them', async () => {
      const raw = await acknowledgedSocket(gw.url, await gw.token({ subject: 'query-over-ws' }));
      raw.send({ id: '1', type: 'subscribe', payload: { query: '{ providers { provider } }' } });
      const error = await raw.next('error');
      expect((error.payload as Array<{ message: string; extensions: unknown }>)[0]).toMatchObject({
        message: 'Only subscriptions run over WebSocket: send queries over HTTP POST /graphql',
        extensions: { code: 'BAD_USER_INPUT' },
      });
      raw.socket.close();
      const http = await gw.query('subscription($id: ID!) { cardUpdated(id: $id) { id } }', { id: utglId('Card', activeUtglCard().id) });
      expect(http.errors?.[0]).toMatchObject({ message: expect.stringContaining('subscribe over WebSocket on /graphql with the graphql-ws protocol'), extensions: { code: 'BAD_USER_INPUT' } });
    });
  });

  describe('limits', () => {
    const cardIds = () => [...gw.sandboxes.stores.utgl!.cards.values()].slice(0, 6).map((c) => utglId('Card', c.id));
    const subscribeTo = (raw: Awaited<ReturnType<typeof acknowledgedSocket>>, id: string, cardId: string) =>
      raw.send({ id, type: 'subscribe', payload: { query: 'subscription($id: ID!) { cardUpdated(id: $id) { id } }', variables: { id: cardId } } });

    it('refuses a subscription past the per-socket and per-viewer limits with LIMIT_EXCEEDED, keeping the socket', async () => {
      const token = await gw.token({ subject: 'limited' });
      const [a, b] = [await acknowledgedSocket(gw.url, token), await acknowledgedSocket(gw.url, token)];
      const ids = cardIds();
      for (let i = 0; i < 4; i++) subscribeTo(a, `a${i}`, ids[i]!);
      const perSocket = await a.next('error');
      expect(perSocket).toMatchObject({ id: 'a3', payload: [{ message: 'At most 3 subscriptions per socket: complete one first', extensions: { code: 'LIMIT_EXCEEDED' } }] });
      for (let i = 0; i < 3; i++) subscribeTo(b, `b${i}`, ids[i]!);
      const perViewer = await b.next('error');
      expect(perViewer).toMatchObject({ id: 'b2', payload: [{ message: 'At most 5 subscriptions per viewer: complete one first', extensions: { code: 'LIMIT_EXCEEDED' } }] });
      expect(a.socket.readyState).toBe(a.socket.OPEN);
      a.socket.close();
      b.socket.close();
    });

    it('closes a socket past the per-viewer connection limit with 4409', async () => {
      const token = await gw.token({ subject: 'many-sockets' });
      const open = await Promise.all([1, 2, 3, 4].map(() => acknowledgedSocket(gw.url, token)));
      const fifth = await rawSocket(gw.url);
      fifth.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
      expect(await fifth.closed).toEqual({ code: 4409, reason: 'At most 4 sockets per viewer' });
      for (const raw of open) raw.socket.close();
    });

    it('closes a socket without subscriptions after the idle timeout with 4410', async () => {
      const raw = await acknowledgedSocket(gw.url, await gw.token({ subject: 'idle' }));
      expect(await raw.closed).toEqual({ code: 4410, reason: 'Idle: no subscription' });
    });
  });
});
