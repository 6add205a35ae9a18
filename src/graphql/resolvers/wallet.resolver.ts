import { Authorized, Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { TransactionStatus } from '../../core/model.js';
import { Scope } from '../../core/viewer.js';
import type { GraphQLContext } from '../../context.js';
import { toConnection } from '../connection.js';
import { PageArgs, WalletFilterInput } from '../inputs/list-args.js';
import { loadRef, loadRequired } from '../load.js';
import type { PresentedWallet } from '../present.js';
import { CardConnectionObject, TransactionConnectionObject, WalletConnectionObject } from '../types/connection.type.js';
import { CardholderObject } from '../types/cardholder.type.js';
import { MoneyObject } from '../types/money.type.js';
import { WalletObject } from '../types/wallet.type.js';

@Resolver(() => WalletObject)
export class WalletResolver {
  @Authorized(Scope.CARDS_READ)
  @Query(() => WalletObject, { description: 'A wallet by id; NOT_FOUND when there is none.' })
  wallet(@Arg('id', () => ID, { description: 'The wallet id.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return loadRequired(ctx, 'Wallet', id);
  }

  @Authorized(Scope.CARDS_READ)
  @Query(() => WalletConnectionObject, { description: 'Wallets, newest first, across every provider that can list them.' })
  async wallets(
    @Args() page: PageArgs,
    @Arg('filter', () => WalletFilterInput, { nullable: true, description: 'Narrows the list.' }) filter: WalletFilterInput | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection('Wallet', await ctx.tenant.lists.wallets({ ...filter }, page, ctx.cx), ctx, info);
  }

  @FieldResolver(() => MoneyObject, { nullable: true, description: 'The available balance, exact.' })
  async balance(@Root() wallet: PresentedWallet, @Ctx() ctx: GraphQLContext) {
    return wallet.balance ?? ctx.loaders.walletBalance.load({ provider: wallet.provider, ref: wallet.ref });
  }

  @FieldResolver(() => CardholderObject, { nullable: true, description: 'Who owns the wallet (null for program-level wallets).' })
  cardholder(@Root() wallet: PresentedWallet, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, 'Cardholder', wallet.provider, wallet.cardholderRef);
  }

  @FieldResolver(() => CardConnectionObject, { description: 'Cards spending from this wallet.' })
  async cards(@Root() wallet: PresentedWallet, @Args() page: PageArgs, @Ctx() ctx: GraphQLContext, @Info() info: GraphQLResolveInfo) {
    return toConnection('Card', await ctx.tenant.lists.cards({ walletId: wallet.id }, page, ctx.cx), ctx, info);
  }

  @FieldResolver(() => TransactionConnectionObject, { description: "The wallet's transactions, newest first." })
  async transactions(
    @Root() wallet: PresentedWallet,
    @Args() page: PageArgs,
    @Arg('status', () => TransactionStatus, { nullable: true, description: 'Only transactions in this state.' }) status: TransactionStatus | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection('Transaction', await ctx.tenant.lists.transactions({ walletId: wallet.id, status }, page, ctx.cx), ctx, info);
  }
}
