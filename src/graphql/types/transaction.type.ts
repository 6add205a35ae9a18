import { Field, ObjectType } from 'type-graphql';
import { TransactionDirection, TransactionStatus, TransactionType } from '../../core/model.js';
import { MoneyObject } from './money.type.js';
import { NodeInterface } from './node.type.js';

@ObjectType('Merchant', { simpleResolvers: true, description: 'Where a card was used.' })
export class MerchantObject {
  @Field(() => String, { description: 'Merchant name.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Merchant category code (ISO 18245).' })
  mcc!: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 3166 country code.' })
  country!: string | null;
}

@ObjectType('Transaction', { simpleResolvers: true, implements: NodeInterface, description: 'A movement of money on a card or wallet.' })
export class TransactionObject extends NodeInterface {
  @Field(() => TransactionType, { description: 'Unified type.' })
  type!: TransactionType;

  @Field(() => String, { description: "The provider's own type value." })
  providerType!: string;

  @Field(() => TransactionStatus, { description: 'Unified state.' })
  status!: TransactionStatus;

  @Field(() => String, { description: "The provider's own status value." })
  providerStatus!: string;

  @Field(() => TransactionDirection, { description: 'Money out of (DEBIT) or into (CREDIT) the card or wallet.' })
  direction!: TransactionDirection;

  @Field(() => MoneyObject, { description: 'The amount, always positive; see `direction`.' })
  amount!: MoneyObject;

  @Field(() => MerchantObject, { nullable: true, description: 'The merchant, for card payments and refunds.' })
  merchant!: MerchantObject | null;

  @Field(() => Date, { nullable: true, description: 'When it happened.' })
  createdAt!: Date | null;
}
