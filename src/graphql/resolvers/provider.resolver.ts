import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { Scope } from '../../core/viewer.js';
import type { GraphQLContext } from '../../context.js';
import type { Provider } from '../enums.js';
import type { TransportHealth } from '../../providers/transport/http.js';
import { ProviderHealth, ProviderInfo } from '../types/provider-info.type.js';

function healthOf(health: TransportHealth): ProviderHealth {
  return { ...health, errorRate: health.recentCalls === 0 ? 0 : health.recentErrors / health.recentCalls };
}

@Resolver(() => ProviderInfo)
export class ProviderResolver {
  @Authorized(Scope.CARDS_READ)
  @Query(() => [ProviderInfo], { description: 'The providers configured on this gateway and what each supports.' })
  providers(@Ctx() ctx: GraphQLContext): ProviderInfo[] {
    return ctx.tenant.registry.list().map(({ provider, sandbox }) => ({
      provider: provider.key as Provider,
      sandbox,
      capabilities: [...provider.capabilities].sort(),
      health: healthOf(provider.health()),
    }));
  }
}
