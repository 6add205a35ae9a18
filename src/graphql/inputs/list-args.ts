import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { CardStatus, TransactionStatus } from '../../core/model.js';
import { Provider } from '../enums.js';

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'How many items, 1–100 (default 20).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Continue after this cursor (a previous page's `endCursor` or an edge's `cursor`)." })
  after?: string | null;
}

@InputType('CardholderFilter', { description: 'Narrows a list of cardholders.' })
export class CardholderFilterInput {
  @Field(() => Provider, { nullable: true, description: 'Only this provider (default: every provider that can list cardholders).' })
  provider?: Provider | null;
}

@InputType('CardFilter', { description: 'Narrows a list of cards.' })
export class CardFilterInput {
  @Field(() => Provider, { nullable: true, description: 'Only this provider.' })
  provider?: Provider | null;

  @Field(() => ID, { nullable: true, description: "Only this cardholder's cards." })
  cardholderId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only cards spending from this wallet.' })
  walletId?: string | null;

  @Field(() => CardStatus, { nullable: true, description: 'Only cards in this state.' })
  status?: CardStatus | null;
}

@InputType('WalletFilter', { description: 'Narrows a list of wallets.' })
export class WalletFilterInput {
  @Field(() => Provider, { nullable: true, description: 'Only this provider.' })
  provider?: Provider | null;

  @Field(() => ID, { nullable: true, description: "Only this cardholder's wallets." })
  cardholderId?: string | null;
}

@InputType('TransactionFilter', { description: 'Narrows a list of transactions.' })
export class TransactionFilterInput {
  @Field(() => Provider, { nullable: true, description: 'Only this provider.' })
  provider?: Provider | null;

  @Field(() => ID, { nullable: true, description: "Only this cardholder's transactions (across their wallets and cards)." })
  cardholderId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only this card's transactions." })
  cardId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only this wallet's transactions." })
  walletId?: string | null;

  @Field(() => TransactionStatus, { nullable: true, description: 'Only transactions in this state.' })
  status?: TransactionStatus | null;
}
