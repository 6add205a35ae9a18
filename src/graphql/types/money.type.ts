import { Field, ObjectType } from 'type-graphql';
import { DecimalScalar } from '../scalars.js';

@ObjectType({ description: 'An exact amount of money in one currency.' })
export class MoneyType {
  @Field(() => DecimalScalar, { description: 'The amount as an exact decimal string, e.g. "1520.35".' })
  amount!: string;

  @Field(() => String, { description: 'ISO 4217 currency code, or a token symbol (e.g. USBC, USDT) for crypto balances.' })
  currency!: string;
}
