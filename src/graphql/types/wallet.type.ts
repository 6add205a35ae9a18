import { Field, ObjectType } from 'type-graphql';
import { NodeInterface } from './node.type.js';

@ObjectType('Wallet', { simpleResolvers: true, implements: NodeInterface, description: 'An account or wallet holding money that cards spend from.' })
export class WalletObject extends NodeInterface {
  @Field(() => String, { nullable: true, description: 'A display name (ledger: the custom namespace, or the namespace).' })
  name!: string | null;

  @Field(() => String, { description: 'ISO 4217 currency, or the token symbol of a crypto wallet.' })
  currency!: string;

  @Field(() => Date, { nullable: true, description: 'When it was opened; null when the provider does not say.' })
  createdAt!: Date | null;
}
