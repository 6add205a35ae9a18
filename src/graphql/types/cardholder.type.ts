import { Authorized, Field, ObjectType } from 'type-graphql';
import { Scope } from '../../core/viewer.js';
import { KycStatus } from '../../core/model.js';
import { NodeInterface } from './node.type.js';

@ObjectType('Cardholder', { simpleResolvers: true, implements: NodeInterface, description: 'A person cards are issued to.' })
export class CardholderObject extends NodeInterface {
  @Authorized(Scope.CARDHOLDERS_READ)
  @Field(() => String, { nullable: true, description: 'Given name.' })
  firstName!: string | null;

  @Authorized(Scope.CARDHOLDERS_READ)
  @Field(() => String, { nullable: true, description: 'Family name.' })
  lastName!: string | null;

  @Authorized(Scope.CARDHOLDERS_READ)
  @Field(() => String, { nullable: true, description: 'Email address.' })
  email!: string | null;

  @Authorized(Scope.CARDHOLDERS_READ)
  @Field(() => String, { nullable: true, description: 'Phone number, as the provider holds it.' })
  phone!: string | null;

  @Field(() => KycStatus, { description: 'Identity verification state.' })
  kycStatus!: KycStatus;

  @Field(() => String, { nullable: true, description: "The provider's own verification status value." })
  providerKycStatus!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the provider created it; null when the provider does not say (ledger).' })
  createdAt!: Date | null;
}
