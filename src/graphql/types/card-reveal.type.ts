import { Field, ObjectType } from 'type-graphql';

@ObjectType('CardReveal', { simpleResolvers: true, description: "A single-use ticket to read a card's number and CVV once, from `POST /reveal`." })
export class CardRevealObject {
  @Field(() => String, {
    description: 'Send as `{"token": …}` in the body of `POST /reveal` with the same Authorization header. Usable once.',
  })
  token!: string;

  @Field(() => Date, { description: 'After this instant the token is void (at most five minutes).' })
  expiresAt!: Date;

  @Field(() => String, { description: 'Where to redeem the token: `/reveal`, next to `/graphql`.' })
  revealPath!: string;
}
