import { Authorized, Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { Scope } from '../../core/viewer.js';
import type { GraphQLContext } from '../../context.js';
import { toConnection } from '../connection.js';
import { PageArgs, TransactionFilterInput } from '../inputs/list-args.js';
import { loadRef } from '../load.js';
import type { PresentedTransaction } from '../present.js';
import { TransactionConnectionObject } from '../types/connection.type.js';
import { CardObject } from '../types/card.type.js';
import { TransactionObject } from '../types/transaction.type.js';
import { WalletObject } from '../types/wallet.type.js';

@Resolver(() => TransactionObject)
export class TransactionResolver {
  @Authorized(Scope.CARDS_READ)
  @Query(() => TransactionConnectionObject, {
    description:
      'Transactions, newest first. Without a card, wallet or cardholder it covers the providers that can list all their transactions (see `providers`).',
  })
  async transactions(
    @Args() page: PageArgs,
    @Arg('filter', () => TransactionFilterInput, { nullable: true, description: 'Narrows the list.' }) filter: TransactionFilterInput | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection('Transaction', await ctx.tenant.lists.transactions({ ...filter }, page, ctx.cx), ctx, info);
  }

  @FieldResolver(() => CardObject, { nullable: true, description: 'The card used, if any.' })
  card(@Root() transaction: PresentedTransaction, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, 'Card', transaction.provider, transaction.cardRef);
  }

  @FieldResolver(() => WalletObject, { nullable: true, description: 'The wallet moved, if any.' })
  wallet(@Root() transaction: PresentedTransaction, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, 'Wallet', transaction.provider, transaction.walletRef);
  }
}
