import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { Scope } from '../../core/viewer.js';
import type { GraphQLContext } from '../../context.js';
import { REVEAL_PATH } from '../../gateway/reveal/card-reveal.js';
import { CardRevealObject } from '../types/card-reveal.type.js';

@Resolver()
export class RevealResolver {
  @Authorized(Scope.CARDS_REVEAL)
  @Mutation(() => CardRevealObject, {
    description:
      "Starts a reveal of a card's full number and CVV: audited and rate-limited per viewer. The secrets never travel through GraphQL; redeem the returned token at `POST /reveal`.",
  })
  async revealCard(@Arg('cardId', () => ID, { description: 'The card to reveal.' }) cardId: string, @Ctx() ctx: GraphQLContext): Promise<CardRevealObject> {
    const { token, expiresAt } = await ctx.gateway.reveals.request(ctx, cardId);
    return { token, expiresAt, revealPath: REVEAL_PATH };
  }
}
