/**
 * The example app: the first page of cards across providers, then one card in detail, as a
 * screen of a card-management app would load them.
 *
 *   npm start                                     # the gateway, on sandboxes
 *   export CARDPLANE_TOKEN=$(npm run token -- --tenant acme --scopes cards:read,cardholders:read)
 *   npm run client                                # CARDPLANE_URL, CARDPLANE_PERSISTED=ids|apq|text
 */
import { CardDetailDocument, CardsPageDocument } from './generated/graphql.js';
import { CardplaneError, createClient, type PersistedMode } from './cardplane-client.js';

export interface CardsScreen {
  lines: string[];
  /** Providers that could not contribute, for a banner ("some cards may be missing"). */
  missing: string[];
}

export async function loadCardsScreen(url: string, token: string, persisted: PersistedMode = 'ids'): Promise<CardsScreen> {
  const client = createClient({ url, token: () => token, persisted });
  try {
    const { data } = await client.request(CardsPageDocument, { first: 5 });
    const lines = data.cards.edges.map(({ node }) => `${node.provider} ${node.maskedPan ?? '(no number)'} ${node.status}`);
    const missing = data.cards.failures.map((f) => `${f.provider}: ${f.code}${f.retryable ? ' (try again later)' : ''}`);
    const first = data.cards.edges[0]?.node;
    if (first) {
      const detail = await client.request(CardDetailDocument, { id: first.id, transactions: 3 });
      const card = detail.data.card;
      const holder = card.cardholder ? `${card.cardholder.firstName} ${card.cardholder.lastName}` : 'no cardholder on record';
      const balance = card.wallet?.balance ? `${card.wallet.balance.amount} ${card.wallet.balance.currency}` : 'no wallet';
      lines.push(`first card: ${holder}, balance ${balance}, ${card.transactions.nodes.length} recent transactions`);
    }
    return { lines, missing };
  } catch (error) {
    if (!(error instanceof CardplaneError)) throw error;
    // Act on the code, never on the message.
    switch (error.code) {
      case 'UNAUTHENTICATED':
        throw new Error(`Sign in again (${error.message})`);
      case 'FORBIDDEN':
        throw new Error('Your account may not see cards');
      case 'PERSISTED_QUERY_NOT_FOUND':
        throw new Error('This app version is not known to the gateway: update the app');
      default:
        throw new Error(`Cards are unavailable (${error.code}, request ${error.requestId ?? 'unknown'})`);
    }
  }
}

if (require.main === module) {
  const url = process.env.CARDPLANE_URL ?? 'http://localhost:4000/graphql';
  const token = process.env.CARDPLANE_TOKEN;
  if (!token) {
    console.error('Set CARDPLANE_TOKEN (npm run token -- --tenant acme)');
    process.exit(1);
  }
  loadCardsScreen(url, token, (process.env.CARDPLANE_PERSISTED as PersistedMode | undefined) ?? 'apq').then(
    (screen) => {
      for (const line of screen.lines) console.log(line);
      for (const line of screen.missing) console.log(`missing: ${line}`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
