import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Capability } from '../../providers/provider.js';
import { Provider } from '../enums.js';

@ObjectType('ProviderHealth', { simpleResolvers: true, description: "How a provider has been doing lately, as this gateway instance saw it." })
export class ProviderHealthObject {
  @Field(() => Boolean, {
    description: 'True while the circuit breaker is open: the gateway answers UPSTREAM_UNAVAILABLE for this provider without calling it.',
  })
  circuitOpen!: boolean;

  @Field(() => String, { nullable: true, description: 'Why the circuit is open: `errors` (failing) or `rate-limited` (the provider asked to slow down).' })
  circuitOpenReason!: string | null;

  @Field(() => Int, { description: 'Milliseconds until the circuit closes again; 0 when closed.' })
  circuitRetryAfterMs!: number;

  @Field(() => Int, { description: 'Upstream calls in the recent window.' })
  recentCalls!: number;

  @Field(() => Int, { description: 'Of those, failures (5xx, unreachable, timed out).' })
  recentErrors!: number;

  @Field(() => Float, { description: 'recentErrors / recentCalls, 0 when there were no calls.' })
  errorRate!: number;

  @Field(() => Float, { nullable: true, description: 'Median latency of the latest upstream answers, in ms.' })
  latencyP50Ms!: number | null;

  @Field(() => Float, { nullable: true, description: '99th percentile latency of the latest upstream answers, in ms.' })
  latencyP99Ms!: number | null;

  @Field(() => Int, { description: 'Upstream calls in flight now (capped per provider).' })
  inFlight!: number;

  @Field(() => Int, { description: 'Calls waiting for a slot now.' })
  queued!: number;
}

@ObjectType('ProviderInfo', { simpleResolvers: true, description: 'A provider configured on this gateway and what it can do.' })
export class ProviderInfoObject {
  @Field(() => Provider, { description: 'The provider.' })
  provider!: Provider;

  @Field(() => Boolean, { description: 'True when the embedded sandbox simulator serves it (no real endpoint configured).' })
  sandbox!: boolean;

  @Field(() => [Capability], { description: 'The operations it supports; anything else is UNSUPPORTED_BY_PROVIDER.' })
  capabilities!: Capability[];

  @Field(() => ProviderHealthObject, { description: 'Circuit state, recent error rate and latency.' })
  health!: ProviderHealthObject;
}
