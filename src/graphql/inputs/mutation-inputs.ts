import { Field, ID, InputType } from 'type-graphql';
import { CardType } from '../../core/model.js';
import { Provider } from '../enums.js';
import { DecimalScalar } from '../scalars.js';

@InputType({ description: 'A postal address.' })
export class AddressInput {
  @Field(() => String, { description: 'Street and number.' })
  line1!: string;

  @Field(() => String, { description: 'City.' })
  city!: string;

  @Field(() => String, { description: 'Postal code.' })
  postalCode!: string;

  @Field(() => String, { description: 'ISO 3166-1 alpha-2 country code, e.g. FR.' })
  country!: string;
}

@InputType({ description: 'A new cardholder.' })
export class CreateCardholderInput {
  @Field(() => Provider, { description: 'The provider to create the cardholder at.' })
  provider!: Provider;

  @Field(() => String, { description: 'Given name.' })
  firstName!: string;

  @Field(() => String, { description: 'Family name.' })
  lastName!: string;

  @Field(() => String, { description: 'Email address.' })
  email!: string;

  @Field(() => String, { nullable: true, description: 'Phone number in E.164 form, e.g. +14155550123.' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'Date of birth, YYYY-MM-DD (baas requires it).' })
  dateOfBirth?: string | null;

  @Field(() => AddressInput, { nullable: true, description: 'Postal address (baas requires it).' })
  address?: AddressInput | null;
}

@InputType({ description: 'A card to issue.' })
export class IssueCardInput {
  @Field(() => ID, { description: 'Who the card is for.' })
  cardholderId!: string;

  @Field(() => ID, { nullable: true, description: 'The wallet it spends from (utgl and baas require one).' })
  walletId?: string | null;

  @Field(() => CardType, { defaultValue: CardType.VIRTUAL, description: 'Virtual or physical.' })
  type!: CardType;
}

@InputType({ description: 'An amount of money.' })
class MoneyInput {
  @Field(() => DecimalScalar, { description: 'A positive decimal string within the currency precision, e.g. "25.00".' })
  amount!: string;

  @Field(() => String, { description: 'ISO 4217 currency code.' })
  currency!: string;
}

@InputType({ description: 'A card top-up.' })
export class TopUpCardInput extends MoneyInput {
  @Field(() => ID, { description: 'The card to credit.' })
  cardId!: string;

  @Field(() => ID, { nullable: true, description: 'The wallet paying for it, where the provider funds cards from wallets (utgl).' })
  fundingWalletId?: string | null;
}

@InputType({ description: 'A transfer from a wallet to another wallet or to a card, within one provider.' })
export class TransferFundsInput extends MoneyInput {
  @Field(() => ID, { description: 'The wallet debited.' })
  fromWalletId!: string;

  @Field(() => ID, { nullable: true, description: 'The wallet credited (or give toCardId).' })
  toWalletId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The card credited (or give toWalletId).' })
  toCardId?: string | null;
}

@InputType({ description: 'A push to, or pull from, a card.' })
export class CardPaymentInput extends MoneyInput {
  @Field(() => ID, { description: 'The card.' })
  cardId!: string;
}
