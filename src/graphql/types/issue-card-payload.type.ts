import { Field, ObjectType } from 'type-graphql';
import { CardObject } from './card.type.js';
import { OperationObject } from './operation.type.js';

@ObjectType('IssueCardPayload', { simpleResolvers: true, description: 'An issued card, or the order to follow where the provider issues asynchronously.' })
export class IssueCardPayloadObject {
  @Field(() => CardObject, { nullable: true, description: 'The card, when issued at once.' })
  card!: CardObject | null;

  @Field(() => OperationObject, { nullable: true, description: 'The order, when the provider issues asynchronously (corporate): follow it with `node(id)`.' })
  operation!: OperationObject | null;
}
