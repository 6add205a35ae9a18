import { Authorized, Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { CardStatus, TransactionStatus } from '../../core/model.js';
import { Scope } from '../../core/viewer.js';
import type { GraphQLContext } from '../../context.js';
import { toConnection } from '../connection.js';
import { CardholderFilterInput, PageArgs } from '../inputs/list-args.js';
import { loadRequired } from '../load.js';
import type { PresentedCardholder } from '../present.js';
import { CardConnectionObject, CardholderConnectionObject, TransactionConnectionObject, WalletConnectionObject } from '../types/connection.type.js';
import { CardholderObject } from '../types/cardholder.type.js';

@Resolver(() => CardholderObject)
export class CardholderResolver {
  @Authorized(Scope.CARDHOLDERS_READ)
  @Query(() => CardholderObject, { description: 'A cardholder by id; NOT_FOUND when there is none.' })
  cardholder(@Arg('id', () => ID, { description: 'The cardholder id.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return loadRequired(ctx, 'Cardholder', id);
  }

  @Authorized(Scope.CARDHOLDERS_READ)
  @Query(() => CardholderConnectionObject, { description: 'Cardholders, newest first, across every provider that can list them.' })
  async cardholders(
    @Args() page: PageArgs,
    @Arg('filter', () => CardholderFilterInput, { nullable: true, description: 'Narrows the list.' }) filter: CardholderFilterInput | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection('Cardholder', await ctx.tenant.lists.cardholders({ provider: filter?.provider }, page, ctx.cx), ctx, info);
  }

  @FieldResolver(() => CardConnectionObject, { description: "The cardholder's cards." })
  async cards(
    @Root() cardholder: PresentedCardholder,
    @Args() page: PageArgs,
    @Arg('status', () => CardStatus, { nullable: true, description: 'Only cards in this state.' }) status: CardStatus | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const result = await ctx.tenant.lists.cards({ cardholderId: cardholder.id, status }, page, ctx.cx);
    return toConnection('Card', result, ctx, info);
  }

  @FieldResolver(() => WalletConnectionObject, { description: "The cardholder's wallets." })
  async wallets(@Root() cardholder: PresentedCardholder, @Args() page: PageArgs, @Ctx() ctx: GraphQLContext, @Info() info: GraphQLResolveInfo) {
    return toConnection('Wallet', await ctx.tenant.lists.wallets({ cardholderId: cardholder.id }, page, ctx.cx), ctx, info);
  }

  @FieldResolver(() => TransactionConnectionObject, { description: "The cardholder's transactions across their wallets and cards, newest first." })
  async transactions(
    @Root() cardholder: PresentedCardholder,
    @Args() page: PageArgs,
    @Arg('status', () => TransactionStatus, { nullable: true, description: 'Only transactions in this state.' }) status: TransactionStatus | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const result = await ctx.tenant.lists.transactions({ cardholderId: cardholder.id, status }, page, ctx.cx);
    return toConnection('Transaction', result, ctx, info);
  }
}
