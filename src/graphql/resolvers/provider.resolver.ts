import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { Scope } from '../../core/viewer.js';
import type { GraphQLContext } from '../../context.js';
import type { TransportHealth } from '../../providers/transport/http.js';
import { ProviderHealthObject, ProviderInfoObject } from '../types/provider-info.type.js';

function healthOf(health: TransportHealth): ProviderHealthObject {
  return { ...health, errorRate: health.recentCalls === 0 ? 0 : health.recentErrors / health.recentCalls };
}

@Resolver(() => ProviderInfoObject)
export class ProviderResolver {
  @Authorized(Scope.CARDS_READ)
  @Query(() => [ProviderInfoObject], { description: 'The providers configured on this gateway and what each supports.' })
  providers(@Ctx() ctx: GraphQLContext): ProviderInfoObject[] {
    return ctx.tenant.registry.list().map(({ provider, sandbox }) => ({
      provider: provider.key,
      sandbox,
      capabilities: [...provider.capabilities].sort(),
      health: healthOf(provider.health()),
    }));
  }
}
