import { Arg, Authorized, Ctx, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import { Scope } from '../../core/viewer.js';
import type { GraphQLContext } from '../../context.js';

@ObjectType({ description: "A single-use ticket to read a card's number and CVV once, from `POST /reveal`." })
export class CardReveal {
  @Field(() => String, {
    description: 'Send as `{"token": …}` in the body of `POST /reveal` with the same Authorization header. Usable once.',
  })
  token!: string;

  @Field(() => Date, { description: 'After this instant the token is void (at most five minutes).' })
  expiresAt!: Date;

  @Field(() => String, { description: 'Where to redeem the token: `/reveal`, next to `/graphql`.' })
  revealPath!: string;
}

@Resolver()
export class RevealResolver {
  @Authorized(Scope.CARDS_REVEAL)
  @Mutation(() => CardReveal, {
    description:
      "Starts a reveal of a card's full number and CVV: audited and rate-limited per viewer. The secrets never travel through GraphQL; redeem the returned token at `POST /reveal`.",
  })
  async revealCard(@Arg('cardId', () => ID, { description: 'The card to reveal.' }) cardId: string, @Ctx() ctx: GraphQLContext): Promise<CardReveal> {
    const { token, expiresAt } = await ctx.gateway.reveals.request(
      { viewer: ctx.viewer, requestId: ctx.requestId, registry: ctx.tenant.registry, cx: ctx.cx, loaders: ctx.loaders },
      cardId,
    );
    return { token, expiresAt, revealPath: '/reveal' };
  }
}
