import { Field, ObjectType } from 'type-graphql';
import { KycStatus } from '../../gateway/model.js';
import { Node } from './node.type.js';

@ObjectType('Cardholder', { implements: Node, description: 'A person cards are issued to.' })
export class CardholderType extends Node {
  @Field(() => String, { nullable: true, description: 'Given name.' })
  firstName!: string | null;

  @Field(() => String, { nullable: true, description: 'Family name.' })
  lastName!: string | null;

  @Field(() => String, { nullable: true, description: 'Email address.' })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'Phone number, as the provider holds it.' })
  phone!: string | null;

  @Field(() => KycStatus, { description: 'Identity verification state.' })
  kycStatus!: KycStatus;

  @Field(() => String, { nullable: true, description: "The provider's own verification status value." })
  providerKycStatus!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the provider created it; null when the provider does not say (ledger).' })
  createdAt!: Date | null;
}
