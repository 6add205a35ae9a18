/**
 * Live state over graphql-ws (http/ws-subscriptions.ts): each subscription first sends the
 * object as it stands, then each new state, as the query API shows it (the same types and
 * fields), so a client replaces its copy. The same scopes as `node` (cards:read); another
 * tenant's id answers NOT_FOUND, like an id that does not exist. Only over WebSocket: over
 * HTTP a subscription is refused (graphql/no-subscriptions.ts).
 */
import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { ErrorCode, GatewayError } from '../../core/errors.js';
import { Scope } from '../../core/viewer.js';
import type { Card, Wallet } from '../../core/model.js';
import type { Operation } from '../../core/writes.js';
import type { GraphQLContext } from '../../context.js';
import type { LiveType } from '../../gateway/live/live-streams.js';
import { present } from '../present.js';
import { CardObject } from '../types/card.type.js';
import { OperationObject } from '../types/operation.type.js';
import { WalletObject } from '../types/wallet.type.js';

const ID_DESCRIPTION = 'The global id (as queries answer it).';

/** The subscription's source: the current state, then each change (gateway/live/live-streams.ts). */
function source(type: LiveType, field: string) {
  return ({ args, context }: SubscribeResolverData<unknown, { id: string }, GraphQLContext>) => {
    const channel = context.subscription;
    if (!channel) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'Subscriptions are served over graphql-ws on /graphql (WebSocket)');
    // @Authorized guards the resolver of each event; the source (which may read upstream) is checked here.
    if (!context.viewer.scopes.has(Scope.CARDS_READ)) {
      throw new GatewayError(ErrorCode.FORBIDDEN, `Subscription.${field} needs the scope ${Scope.CARDS_READ}`, {
        details: { missingScopes: [Scope.CARDS_READ] },
      });
    }
    return context.gateway.live.streams.open(context, type, args.id, channel);
  };
}

/** Each event runs as its own request (fresh id, deadline, loaders) before its fields resolve. */
function renewed<T>(ctx: GraphQLContext, value: T): T {
  ctx.subscription?.renew();
  return value;
}

@Resolver()
export class SubscriptionResolver {
  @Authorized(Scope.CARDS_READ)
  @Subscription(() => OperationObject, {
    subscribe: source('Operation', 'operationUpdated'),
    description:
      'An asynchronous write (a corporate card order or top-up, a pending pushpull transfer…) from its current state to its final one: the operation as it stands, then each new status. The gateway follows it once for everyone, at the rhythm its provider allows (README, "Live updates"). The stream completes after the final state (COMPLETED or FAILED).',
  })
  operationUpdated(@Root() operation: Operation, @Arg('id', () => ID, { description: ID_DESCRIPTION }) _id: string, @Ctx() ctx: GraphQLContext) {
    return renewed(ctx, present('Operation', operation));
  }

  @Authorized(Scope.CARDS_READ)
  @Subscription(() => CardObject, {
    subscribe: source('Card', 'cardUpdated'),
    description:
      'A card as it stands, then each change: frozen, unfrozen, reported lost or stolen, closed, issued, its balance — whether made through this API or seen by any read of the card.',
  })
  cardUpdated(@Root() card: Card, @Arg('id', () => ID, { description: ID_DESCRIPTION }) _id: string, @Ctx() ctx: GraphQLContext) {
    return renewed(ctx, present('Card', card));
  }

  @Authorized(Scope.CARDS_READ)
  @Subscription(() => WalletObject, {
    subscribe: source('Wallet', 'walletBalanceChanged'),
    description: 'A wallet as it stands, then each new balance: after money moved through this API, or when any read of the wallet saw a new balance.',
  })
  walletBalanceChanged(@Root() wallet: Wallet, @Arg('id', () => ID, { description: ID_DESCRIPTION }) _id: string, @Ctx() ctx: GraphQLContext) {
    return renewed(ctx, present('Wallet', wallet));
  }
}
