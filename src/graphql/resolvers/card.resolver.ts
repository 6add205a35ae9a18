import { Authorized, Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { TransactionStatus } from '../../core/model.js';
import { maskPan } from '../../core/redact.js';
import { Scope } from '../../core/viewer.js';
import type { GraphQLContext } from '../../context.js';
import { toConnection } from '../connection.js';
import { CardFilterInput, PageArgs } from '../inputs/list-args.js';
import { loadRef, loadRequired } from '../load.js';
import type { PresentedCard } from '../present.js';
import { CardConnectionObject, TransactionConnectionObject } from '../types/connection.type.js';
import { CardObject } from '../types/card.type.js';
import { CardholderObject } from '../types/cardholder.type.js';
import { WalletObject } from '../types/wallet.type.js';

@Resolver(() => CardObject)
export class CardResolver {
  @Authorized(Scope.CARDS_READ)
  @Query(() => CardObject, { description: 'A card by id; NOT_FOUND when there is none.' })
  card(@Arg('id', () => ID, { description: 'The card id.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return loadRequired(ctx, 'Card', id);
  }

  @Authorized(Scope.CARDS_READ)
  @Query(() => CardConnectionObject, { description: 'Cards, newest first, across every provider that can list them (or narrowed by the filter).' })
  async cards(
    @Args() page: PageArgs,
    @Arg('filter', () => CardFilterInput, { nullable: true, description: 'Narrows the list.' }) filter: CardFilterInput | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection('Card', await ctx.tenant.lists.cards({ ...filter }, page, ctx.cx), ctx, info);
  }

  @FieldResolver(() => String, { nullable: true, description: 'The card number masked to its last four digits, e.g. "•••• 4242".' })
  maskedPan(@Root() card: PresentedCard): string | null {
    return card.last4 ? maskPan(card.last4) : null;
  }

  @FieldResolver(() => CardholderObject, { nullable: true, description: 'Who the card is issued to.' })
  cardholder(@Root() card: PresentedCard, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, 'Cardholder', card.provider, card.cardholderRef);
  }

  @FieldResolver(() => WalletObject, { nullable: true, description: 'The wallet the card spends from.' })
  wallet(@Root() card: PresentedCard, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, 'Wallet', card.provider, card.walletRef);
  }

  @FieldResolver(() => TransactionConnectionObject, { description: "The card's transactions, newest first." })
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
