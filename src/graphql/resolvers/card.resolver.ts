import { Authorized, Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { TransactionStatus } from '../../core/model.js';
import { maskPan } from '../../core/redact.js';
import { Scope } from '../../core/viewer.js';
import type { GraphQLContext } from '../../context.js';
import { toConnection } from '../connection.js';
import { CardFilter, PageArgs } from '../inputs/list-args.js';
import { loadRef, loadRequired } from '../load.js';
import type { PresentedCard } from '../present.js';
import { CardConnection, TransactionConnection } from '../types/connections.js';
import { CardTypeGql } from '../types/card.type.js';
import { CardholderType } from '../types/cardholder.type.js';
import { WalletType } from '../types/wallet.type.js';

@Resolver(() => CardTypeGql)
export class CardResolver {
  @Authorized(Scope.CARDS_READ)
  @Query(() => CardTypeGql, { description: 'A card by id; NOT_FOUND when there is none.' })
  card(@Arg('id', () => ID, { description: 'The card id.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return loadRequired(ctx, 'Card', id);
  }

  @Authorized(Scope.CARDS_READ)
  @Query(() => CardConnection, { description: 'Cards, newest first, across every provider that can list them (or narrowed by the filter).' })
  async cards(
    @Args() page: PageArgs,
    @Arg('filter', () => CardFilter, { nullable: true, description: 'Narrows the list.' }) filter: CardFilter | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection('Card', await ctx.tenant.lists.cards({ ...filter }, page, ctx.cx), ctx, info);
  }

  @FieldResolver(() => String, { nullable: true, description: 'The card number masked to its last four digits, e.g. "•••• 4242".' })
  maskedPan(@Root() card: PresentedCard): string | null {
    return card.last4 ? maskPan(card.last4) : null;
  }

  @FieldResolver(() => CardholderType, { nullable: true, description: 'Who the card is issued to.' })
  cardholder(@Root() card: PresentedCard, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, 'Cardholder', card.provider, card.cardholderRef);
  }

  @FieldResolver(() => WalletType, { nullable: true, description: 'The wallet the card spends from.' })
  wallet(@Root() card: PresentedCard, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, 'Wallet', card.provider, card.walletRef);
  }

  @FieldResolver(() => TransactionConnection, { description: "The card's transactions, newest first." })
  async transactions(
    @Root() card: PresentedCard,
    @Args() page: PageArgs,
    @Arg('status', () => TransactionStatus, { nullable: true, description: 'Only transactions in this state.' }) status: TransactionStatus | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection('Transaction', await ctx.tenant.lists.transactions({ cardId: card.id, status }, page, ctx.cx), ctx, info);
  }
}
