/**
 * A request scope with the viewer's tenant's providers and the request's DataLoaders: what the
 * write and reveal paths act in. The GraphQL context is one.
 */
import type { RequestScope } from '../core/request-scope.js';
import type { Loaders } from './loaders.js';
import type { ProviderRegistry } from './registry.js';

export interface TenantScope extends RequestScope {
  /** The providers the viewer's tenant may use. */
  registry: ProviderRegistry;
  loaders: Loaders;
}
