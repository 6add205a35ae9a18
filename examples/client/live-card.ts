/**
 * Live card state in an app: one graphql-ws connection to Cardplane's `/graphql`, the bearer
 * token in `connection_init` (asked for again at each reconnect, so a refreshed token is used
 * after the gateway closes an expired one with 4403), and a typed `cardUpdated` subscription
 * from the generated documents. The first event is the card as it stands; each later one
 * replaces the app's copy. Browsers and React Native have a global WebSocket; in Node < 22
 * pass `ws`.
 *
 *   export CARDPLANE_TOKEN=$(npm run -s token -- --tenant acme --scopes cards:read)
 *   npm run build && node dist/examples/client/live-card.js <card id>
 */
import { createClient, type Client } from 'graphql-ws';
import { print } from 'graphql';
import { CardUpdatedDocument, type CardUpdatedSubscription } from './generated/graphql.js';

export type LiveCard = CardUpdatedSubscription['cardUpdated'];

export interface LiveCardOptions {
  /** e.g. ws://localhost:4000/graphql (wss:// in production). */
  url: string;
  /** The current bearer token (called at each (re)connect). */
  token: () => string | Promise<string>;
  /** A WebSocket implementation where there is no global one (Node < 22: the `ws` package). */
  webSocketImpl?: unknown;
}

/** One connection per app, shared by every subscription it opens. */
export function connect(options: LiveCardOptions): Client {
  return createClient({
    url: options.url,
    webSocketImpl: options.webSocketImpl,
    connectionParams: async () => ({ authorization: `Bearer ${await options.token()}` }),
    // 4403 (token refused or expired) is retried with a fresh token; 4409/4410/4413 too.
    retryAttempts: 5,
  });
}

/**
 * Calls `onCard` with the card as it stands, then with each change, until the returned
 * function is called. Errors (NOT_FOUND for an id the viewer cannot see) go to `onError`.
 */
export function watchCard(client: Client, cardId: string, onCard: (card: LiveCard) => void, onError: (error: unknown) => void): () => void {
  return client.subscribe<CardUpdatedSubscription>(
    { query: print(CardUpdatedDocument), variables: { id: cardId } },
    {
      next: (result) => {
        if (result.errors?.length) onError(result.errors);
        else if (result.data) onCard(result.data.cardUpdated);
      },
      error: onError,
      complete: () => undefined,
    },
  );
}

if (require.main === module) {
  const token = process.env.CARDPLANE_TOKEN;
  const cardId = process.argv[2];
  if (!token || !cardId) {
    console.error('Set CARDPLANE_TOKEN and pass a card id');
    process.exit(1);
  }
  const client = connect({ url: process.env.CARDPLANE_WS_URL ?? 'ws://localhost:4000/graphql', token: () => token, webSocketImpl: globalThis.WebSocket ?? require('ws') });
  watchCard(
    client,
    cardId,
    (card) => console.log(`${card.id} ${card.status}${card.balance ? ` ${card.balance.amount} ${card.balance.currency}` : ''}`),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
