/**
 * Relay connections. A list over several providers may be partial: `failures` names each
 * provider that did not answer (each also appears in the response's `errors`) or that cannot
 * serve the list at all, and the cursors continue every provider that did.
 */
import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { ErrorCode } from '../../core/errors.js';
import { Provider } from '../enums.js';
import { CardObject } from './card.type.js';
import { CardholderObject } from './cardholder.type.js';
import { TransactionObject } from './transaction.type.js';
import { WalletObject } from './wallet.type.js';

@ObjectType('PageInfo', { simpleResolvers: true, description: 'Where a page ends, for fetching the next one.' })
class PageInfoObject {
  @Field(() => Boolean, { description: 'Whether more items follow (among the providers that answered).' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Always false: lists are read forward only.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to read the next page.' })
  endCursor!: string | null;
}

@ObjectType('ProviderFailure', { simpleResolvers: true, description: 'A provider that could not contribute to a list.' })
class ProviderFailureObject {
  @Field(() => Provider, { description: 'The provider that failed.' })
  provider!: Provider;

  @Field(() => ErrorCode, { description: 'Why.' })
  code!: ErrorCode;

  @Field(() => String, { description: 'A message safe to show a developer.' })
  message!: string;

  @Field(() => Boolean, { description: 'Whether asking again may succeed.' })
  retryable!: boolean;

  @Field(() => Int, { nullable: true, description: 'Seconds to wait before asking again, when the provider said.' })
  retryAfterSeconds!: number | null;
}

export interface ConnectionShape<T> {
  edges: Array<{ node: T; cursor: string }>;
  nodes: T[];
  pageInfo: PageInfoObject;
  failures: ProviderFailureObject[];
}

function connectionType<T extends object>(name: string, nodeType: ClassType<T>, what: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true, description: `One ${what} in a page, with its cursor.` })
  class EdgeObject {
    @Field(() => nodeType, { description: `The ${what}.` })
    node!: T;

    @Field(() => String, { description: `Pass as \`after\` to continue right after this ${what}.` })
    cursor!: string;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true, description: `A page of ${what}s, newest first.` })
  class ConnectionObject implements ConnectionShape<T> {
    @Field(() => [EdgeObject], { description: 'The items with their cursors.' })
    edges!: EdgeObject[];

    @Field(() => [nodeType], { description: 'The items alone.' })
    nodes!: T[];

    @Field(() => PageInfoObject, { description: 'Where this page ends.' })
    pageInfo!: PageInfoObject;

    @Field(() => [ProviderFailureObject], {
      description:
        'Providers that could not answer for this page, or cannot serve this list at all (code UNSUPPORTED_BY_PROVIDER; the items are then those of the other providers, possibly none); empty when all did.',
    })
    failures!: ProviderFailureObject[];
  }

  return ConnectionObject;
}

export const CardholderConnectionObject = connectionType('Cardholder', CardholderObject, 'cardholder');
export const CardConnectionObject = connectionType('Card', CardObject, 'card');
export const WalletConnectionObject = connectionType('Wallet', WalletObject, 'wallet');
export const TransactionConnectionObject = connectionType('Transaction', TransactionObject, 'transaction');
