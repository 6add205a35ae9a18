import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Scope } from '../../core/viewer.js';
import { CardAction, type Operation } from '../../core/writes.js';
import type { GraphQLContext } from '../../context.js';
import { CardPaymentInput, CreateCardholderInput, IssueCardInput, TopUpCardInput, TransferFundsInput } from '../inputs/mutation-inputs.js';
import { loadRef } from '../load.js';
import { present, type PresentedOperation } from '../present.js';
import { CardObject } from '../types/card.type.js';
import { CardholderObject } from '../types/cardholder.type.js';
import { IssueCardPayloadObject } from '../types/issue-card-payload.type.js';
import { OperationObject } from '../types/operation.type.js';

const KEY_DESCRIPTION =
  'Your unique key for this write (8–128 of letters, digits, _ . : -). Resubmitting the same key with the same input returns the first outcome without acting twice; after OUTCOME_UNKNOWN it reconciles with the provider.';

const REASON_DESCRIPTION = 'Why (kept by the provider where it takes one), at most 200 characters.';

@Resolver()
export class MutationResolver {
  @Authorized(Scope.CARDS_WRITE)
  @Mutation(() => CardholderObject, { description: 'Creates a cardholder at a provider. Exactly once per idempotency key.' })
  async createCardholder(
    @Arg('input', () => CreateCardholderInput, { description: 'The cardholder.' }) input: CreateCardholderInput,
    @Arg('idempotencyKey', () => String, { description: KEY_DESCRIPTION }) key: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    const cardholder = await ctx.gateway.writes.createCardholder(ctx, { ...input, provider: input.provider }, key);
    return present('Cardholder', cardholder);
  }

  @Authorized(Scope.CARDS_WRITE)
  @Mutation(() => IssueCardPayloadObject, { description: 'Issues a card. Exactly once per idempotency key.' })
  async issueCard(
    @Arg('input', () => IssueCardInput, { description: 'The card.' }) input: IssueCardInput,
    @Arg('idempotencyKey', () => String, { description: KEY_DESCRIPTION }) key: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    const issued = await ctx.gateway.writes.issueCard(ctx, input, key);
    return {
      card: issued.card ? present('Card', issued.card) : null,
      operation: issued.operation ? present('Operation', issued.operation) : null,
    };
  }

  @Authorized(Scope.CARDS_WRITE)
  @Mutation(() => CardObject, { description: 'Freezes a card temporarily.' })
  freezeCard(@Arg('cardId', () => ID, { description: 'The card.' }) cardId: string, @Arg('reason', () => String, { nullable: true, description: REASON_DESCRIPTION }) reason: string | null, @Ctx() ctx: GraphQLContext) {
    return this.act(ctx, cardId, CardAction.FREEZE, reason);
  }

  @Authorized(Scope.CARDS_WRITE)
  @Mutation(() => CardObject, { description: 'Unfreezes a frozen card. A lost, stolen, closed or expired card cannot be unfrozen (INVALID_STATE).' })
  unfreezeCard(@Arg('cardId', () => ID, { description: 'The card.' }) cardId: string, @Arg('reason', () => String, { nullable: true, description: REASON_DESCRIPTION }) reason: string | null, @Ctx() ctx: GraphQLContext) {
    return this.act(ctx, cardId, CardAction.UNFREEZE, reason);
  }

  @Authorized(Scope.CARDS_WRITE)
  @Mutation(() => CardObject, { description: 'Reports a card lost: it is blocked for good.' })
  reportCardLost(@Arg('cardId', () => ID, { description: 'The card.' }) cardId: string, @Arg('reason', () => String, { nullable: true, description: REASON_DESCRIPTION }) reason: string | null, @Ctx() ctx: GraphQLContext) {
    return this.act(ctx, cardId, CardAction.REPORT_LOST, reason);
  }

  @Authorized(Scope.CARDS_WRITE)
  @Mutation(() => CardObject, { description: 'Reports a card stolen: it is blocked for good.' })
  reportCardStolen(@Arg('cardId', () => ID, { description: 'The card.' }) cardId: string, @Arg('reason', () => String, { nullable: true, description: REASON_DESCRIPTION }) reason: string | null, @Ctx() ctx: GraphQLContext) {
    return this.act(ctx, cardId, CardAction.REPORT_STOLEN, reason);
  }

  @Authorized(Scope.CARDS_WRITE)
  @Mutation(() => CardObject, { description: 'Closes a card for good.' })
  closeCard(@Arg('cardId', () => ID, { description: 'The card.' }) cardId: string, @Arg('reason', () => String, { nullable: true, description: REASON_DESCRIPTION }) reason: string | null, @Ctx() ctx: GraphQLContext) {
    return this.act(ctx, cardId, CardAction.CLOSE, reason);
  }

  @Authorized(Scope.FUNDS_WRITE)
  @Mutation(() => OperationObject, { description: 'Tops up a card. Exactly once per idempotency key; may be PENDING (follow it with `node(id)`).' })
  async topUpCard(
    @Arg('input', () => TopUpCardInput, { description: 'The top-up.' }) input: TopUpCardInput,
    @Arg('idempotencyKey', () => String, { description: KEY_DESCRIPTION }) key: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return present('Operation', await ctx.gateway.writes.topUpCard(ctx, input, key));
  }

  @Authorized(Scope.FUNDS_WRITE)
  @Mutation(() => OperationObject, { description: 'Moves money from a wallet to another wallet or to a card, within one provider. Exactly once per idempotency key.' })
  async transferFunds(
    @Arg('input', () => TransferFundsInput, { description: 'The transfer.' }) input: TransferFundsInput,
    @Arg('idempotencyKey', () => String, { description: KEY_DESCRIPTION }) key: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return present('Operation', await ctx.gateway.writes.transferFunds(ctx, input, key));
  }

  @Authorized(Scope.FUNDS_WRITE)
  @Mutation(() => OperationObject, { description: 'Pushes money to a card (pushpull). Exactly once per idempotency key.' })
  async pushToCard(
    @Arg('input', () => CardPaymentInput, { description: 'The payment.' }) input: CardPaymentInput,
    @Arg('idempotencyKey', () => String, { description: KEY_DESCRIPTION }) key: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return present('Operation', await ctx.gateway.writes.pushPull(ctx, 'PUSH', input, key));
  }

  @Authorized(Scope.FUNDS_WRITE)
  @Mutation(() => OperationObject, { description: 'Pulls money from a card (pushpull). Exactly once per idempotency key.' })
  async pullFromCard(
    @Arg('input', () => CardPaymentInput, { description: 'The payment.' }) input: CardPaymentInput,
    @Arg('idempotencyKey', () => String, { description: KEY_DESCRIPTION }) key: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return present('Operation', await ctx.gateway.writes.pushPull(ctx, 'PULL', input, key));
  }

  private async act(ctx: GraphQLContext, cardId: string, action: CardAction, reason: string | null) {
    return present('Card', await ctx.gateway.writes.changeCardState(ctx, cardId, action, reason));
  }
}

@Resolver(() => OperationObject)
export class OperationResolver {
  @FieldResolver(() => CardObject, { nullable: true, description: 'The card it created or credited, when known.' })
  card(@Root() operation: PresentedOperation & Operation, @Ctx() ctx: GraphQLContext) {
    return loadRef(ctx, 'Card', operation.provider, operation.cardRef);
  }
}
