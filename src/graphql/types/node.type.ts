import { Field, ID, InterfaceType } from 'type-graphql';
import { Provider } from '../enums.js';

/** A node as the resolvers hand it over: a unified-model object tagged with its type. */
export interface TaggedNode {
  __typename: 'Cardholder' | 'Card' | 'Wallet' | 'Transaction' | 'Operation';
}

@InterfaceType('Node', {
  description: 'An object with a globally unique, opaque id that `node(id:)` can fetch again.',
  resolveType: (value: TaggedNode) => value.__typename,
})
export abstract class NodeInterface {
  @Field(() => ID, { description: 'Opaque global id. Do not parse it: its format may change.' })
  id!: string;

  @Field(() => Provider, { description: 'The provider holding this object.' })
  provider!: Provider;

  @Field(() => String, {
    description:
      "The provider's own identifier of this object, for debugging a mapping against the provider's dashboard. For ledger wallets and cards it is `<customerAccountId>/<nameSpace>`.",
  })
  providerRef!: string;
}
