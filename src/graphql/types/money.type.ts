import { Field, ObjectType } from 'type-graphql';
import { DecimalScalar } from '../scalars.js';

// `MoneyType` is the name the schema has always published; clients select on it.
@ObjectType('MoneyType', { simpleResolvers: true, description: 'An exact amount of money in one currency.' })
export class MoneyObject {
  @Field(() => DecimalScalar, { description: 'The amount as an exact decimal string, e.g. "1520.35".' })
  amount!: string;

  @Field(() => String, { description: 'ISO 4217 currency code, or a token symbol (e.g. USBC, USDT) for crypto balances.' })
  currency!: string;
}
