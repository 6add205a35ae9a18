import { Field, ObjectType } from 'type-graphql';
import { OperationKind, OperationStatus } from '../../core/writes.js';
import { MoneyObject } from './money.type.js';
import { NodeInterface } from './node.type.js';

@ObjectType('Operation', { simpleResolvers: true,
  implements: NodeInterface,
  description: 'A write at a provider that may finish later (a top-up order, a transfer, a push/pull): follow it with `node(id)`.',
})
export class OperationObject extends NodeInterface {
  @Field(() => OperationKind, { description: 'What it does.' })
  kind!: OperationKind;

  @Field(() => OperationStatus, { description: 'Where it stands.' })
  status!: OperationStatus;

  @Field(() => String, { description: "The provider's own status value." })
  providerStatus!: string;

  @Field(() => String, { nullable: true, description: 'The reference the gateway sent with it (derived from your idempotency key).' })
  reference!: string | null;

  @Field(() => MoneyObject, { nullable: true, description: 'The amount moved, when it moves money.' })
  amount!: MoneyObject | null;

  @Field(() => String, { nullable: true, description: 'Why it failed, when it did.' })
  failureReason!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the provider created it.' })
  createdAt!: Date | null;
}
