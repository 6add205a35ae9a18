/**
 * The executable schema, built code-first from the resolvers. `schema/schema.graphql` is
 * printed from it (`npm run schema`); a test fails when the committed file is stale.
 */
import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLInterfaceType, type GraphQLSchema } from 'graphql';
import { buildSchemaSync, type PubSub } from 'type-graphql';
import { scopeChecker } from './auth-checker.js';
import { callResolversDirectly } from './direct-resolvers.js';
import { guardFields } from './field-guards.js';
import './enums.js';
import { CardResolver } from './resolvers/card.resolver.js';
import { CardholderResolver } from './resolvers/cardholder.resolver.js';
import { NodeResolver } from './resolvers/node.resolver.js';
import { ProviderResolver } from './resolvers/provider.resolver.js';
import { RevealResolver } from './resolvers/reveal.resolver.js';
import { MutationResolver, OperationResolver } from './resolvers/mutation.resolver.js';
import { OperationObject } from './types/operation.type.js';
import { TransactionResolver } from './resolvers/transaction.resolver.js';
import { WalletResolver } from './resolvers/wallet.resolver.js';
import { SubscriptionResolver } from './resolvers/subscription.resolver.js';
import { CardObject } from './types/card.type.js';
import { CardholderObject } from './types/cardholder.type.js';
import { TransactionObject } from './types/transaction.type.js';
import { WalletObject } from './types/wallet.type.js';
import type { TaggedNode } from './types/node.type.js';

let built: GraphQLSchema | undefined;
let builtForFullReaders: GraphQLSchema | undefined;

const UNUSED_PUBSUB: PubSub = {
  publish() {
    throw new Error('Live updates are published through gateway/live, not type-graphql PubSub');
  },
  subscribe() {
    throw new Error('Live updates are subscribed through gateway/live, not type-graphql PubSub');
  },
};

/** The schema every request is validated against, with every scope check on its fields. */
export function buildGatewaySchema(): GraphQLSchema {
  return (built ??= buildSchema({ forFullReaders: false }));
}

/**
 * The same schema without the checks only a read scope could fail (field-guards.ts): the
 * read-scope check of each field of a card, wallet, transaction, operation or cardholder
 * (data-scopes.ts) and a cardholder's personal fields' `@Authorized(cardholders:read)`. It
 * executes the operations of viewers holding every read scope (`readsEverything`), for whom
 * each of those checks would proceed. On a list of 50 cards they were a resolver call, a
 * resolve info, a path and three closures per field answered: a fifth of the bytes the gateway
 * allocated per query (issue 14). Checks naming a write scope stay.
 */
export function buildSchemaForFullReaders(): GraphQLSchema {
  return (builtForFullReaders ??= buildSchema({ forFullReaders: true }));
}

const RESOLVERS = [NodeResolver, ProviderResolver, CardholderResolver, CardResolver, WalletResolver, TransactionResolver, RevealResolver, MutationResolver, OperationResolver, SubscriptionResolver] as const;

function buildSchema({ forFullReaders }: { forFullReaders: boolean }): GraphQLSchema {
  const built = buildSchemaSync({
    resolvers: RESOLVERS,
    orphanedTypes: [CardholderObject, CardObject, WalletObject, TransactionObject, OperationObject],
    validate: false,
    // Required with @Authorized; checks the resolvers type-graphql still wraps (mutations) once more.
    authChecker: scopeChecker,
    // type-graphql insists on a PubSub once a subscription exists, but none is used: each
    // subscription has its own source over the live updates (resolvers/subscription.resolver.ts).
    pubSub: UNUSED_PUBSUB,
  });
  // Resolvers called without type-graphql's per-call wrapper, then scopes checked
  // synchronously, by one wrapper on the fields that need them (in that order: the guard wraps).
  callResolversDirectly(built, RESOLVERS);
  guardFields(built, { forFullReaders });
  // type-graphql wraps the interface's resolveType in an async function; the compiled executor
  // (compiled-execution.ts) needs the type at once, and every node carries it.
  (built.getType('Node') as GraphQLInterfaceType).resolveType = (value: TaggedNode) => value.__typename;
  // type-graphql has no option for the root types' descriptions.
  built.getQueryType()!.description =
    'Cardholders, cards, wallets and transactions across every configured card-issuing provider.';
  built.getMutationType()!.description = 'Actions on cards. Each names the scope it needs; sensitive ones are audited.';
  built.getSubscriptionType()!.description =
    'Live state over graphql-ws on /graphql (WebSocket; the bearer token goes in connection_init): each subscription sends the object as it stands, then each change.';
  return built;
}

/** The SDL as committed: sorted, so a reordering of code does not show as a change. */
export function printGatewaySchema(): string {
  return `${printSchema(lexicographicSortSchema(buildGatewaySchema()))}\n`;
}
