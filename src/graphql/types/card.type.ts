import { Field, Int, ObjectType } from 'type-graphql';
import { CardStatus, CardType } from '../../core/model.js';
import { MoneyObject } from './money.type.js';
import { NodeInterface } from './node.type.js';

@ObjectType('Card', { simpleResolvers: true,
  implements: NodeInterface,
  description: 'A payment card. Its number and CVV are never part of it: only the last four digits are.',
})
export class CardObject extends NodeInterface {
  @Field(() => CardStatus, { description: 'Unified state.' })
  status!: CardStatus;

  @Field(() => String, { description: "The provider's own status value (ledger: numeric code and text)." })
  providerStatus!: string;

  @Field(() => CardType, { description: 'Virtual or physical.' })
  type!: CardType;

  @Field(() => String, { nullable: true, description: 'Card network, e.g. VISA.' })
  brand!: string | null;

  @Field(() => String, { nullable: true, description: 'The last four digits of the card number.' })
  last4!: string | null;

  @Field(() => Int, { nullable: true, description: 'Expiry month, 1–12.' })
  expiryMonth!: number | null;

  @Field(() => Int, { nullable: true, description: 'Expiry year, four digits.' })
  expiryYear!: number | null;

  @Field(() => MoneyObject, {
    nullable: true,
    description: "The card's own balance, for providers whose cards hold money (corporate); null where cards spend from a wallet.",
  })
  balance?: MoneyObject | null;

  @Field(() => Date, { nullable: true, description: 'When the card was issued; null when the provider does not say (ledger).' })
  createdAt!: Date | null;
}
