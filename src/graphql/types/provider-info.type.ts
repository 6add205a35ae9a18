import { Field, ObjectType } from 'type-graphql';
import { Capability } from '../../providers/provider.js';
import { Provider } from '../enums.js';

@ObjectType({ description: 'A provider configured on this gateway and what it can do.' })
export class ProviderInfo {
  @Field(() => Provider, { description: 'The provider.' })
  provider!: Provider;

  @Field(() => Boolean, { description: 'True when the embedded sandbox simulator serves it (no real endpoint configured).' })
  sandbox!: boolean;

  @Field(() => [Capability], { description: 'The operations it supports; anything else is UNSUPPORTED_BY_PROVIDER.' })
  capabilities!: Capability[];
}
