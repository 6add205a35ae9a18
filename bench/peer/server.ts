/**
 * The peer gateway: what a team would build instead of Cardplane for the card shape — Apollo
 * Server 5 standalone, one hand-written `Card` resolver over `RESTDataSource`, signing utgl's
 * request JWT the same way, no limits. Without PEER_VERIFY there is no client authentication;
 * with PEER_VERIFY=true it verifies the client's bearer token (jose `jwtVerify`) against the
 * gateway's key (AUTH_PUBLIC_KEY, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_ALGORITHMS). A benchmark
 * child process: reads utgl's endpoint from PEER_UTGL, prints `{"url": …}` once it listens.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError } from 'graphql';
import { importSPKI, jwtVerify } from 'jose';
import { utglRequestSigner, type BenchContext } from '../shapes.js';
import { UtglCardsSource, type UtglCard } from './utgl-cards.source.js';

const typeDefs = `#graphql
  "A payment card issued by utgl."
  type Card {
    "The card's global id."
    id: ID!
    "The card's status, upper case (ACTIVE, FROZEN, …)."
    status: String!
    "The last four digits of the card number."
    last4: String
    "The month the card expires, 1–12."
    expiryMonth: Int
    "The year the card expires."
    expiryYear: Int
  }
  "The peer's only query."
  type Query {
    "One card by its global id (base64url of utgl:Card:<id>); null when it is not a utgl card or not found."
    card(id: ID!): Card
  }
`;

interface PeerContext {
  utgl: UtglCardsSource;
}

/** A global id's utgl card reference, or undefined for anything else. */
function utglCardRef(id: string): string | undefined {
  const [provider, type, ref] = Buffer.from(id, 'base64url').toString('utf8').split(':');
  return provider === 'utgl' && type === 'Card' && ref ? ref : undefined;
}

const resolvers = {
  Query: {
    async card(_: unknown, { id }: { id: string }, { utgl }: PeerContext) {
      const ref = utglCardRef(id);
      const card: UtglCard | undefined = ref ? await utgl.card(ref) : undefined;
      return card && { id, status: card.status.toUpperCase(), last4: card.last4, expiryMonth: card.exp_month, expiryYear: card.exp_year };
    },
  },
};

/** The client-token check of the verifying variant: jose against the gateway's own key. */
async function tokenVerifier(): Promise<(authorization: string | undefined) => Promise<void>> {
  const env = process.env;
  const algorithms = (env.AUTH_ALGORITHMS ?? 'ES256').split(',');
  const key = await importSPKI(env.AUTH_PUBLIC_KEY!, algorithms[0]!);
  return async (authorization) => {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    try {
      if (!token) throw new Error('no bearer token');
      await jwtVerify(token, key, { issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE, algorithms });
    } catch {
      throw new GraphQLError('The bearer token is missing or not valid', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
  };
}

async function main(): Promise<void> {
  const utgl = JSON.parse(process.env.PEER_UTGL!) as NonNullable<BenchContext['endpoints']['utgl']>;
  const sign = utglRequestSigner(utgl);
  const verify = process.env.PEER_VERIFY === 'true' ? await tokenVerifier() : undefined;
  const server = new ApolloServer<PeerContext>({ typeDefs, resolvers });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => {
      await verify?.(req.headers.authorization);
      return { utgl: new UtglCardsSource(utgl.baseUrl, sign) };
    },
  });
  process.stdout.write(`${JSON.stringify({ url: url.replace(/\/$/, '') })}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
