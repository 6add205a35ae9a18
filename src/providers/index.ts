/**
 * Builds the provider registry from the endpoints to use: one provider per configured key,
 * each on its own keep-alive pool.
 */
import type { ProviderEndpoints } from '../config.js';
import { ProviderRegistry } from '../gateway/registry.js';
import type { ProviderKey } from '../gateway/provider-key.js';
import type { ProviderSetup } from './module.js';
import { PROVIDER_MODULES } from './modules.js';

export interface RegistrySetup extends ProviderSetup {
  endpoints: ProviderEndpoints;
  sandboxed: ReadonlySet<ProviderKey>;
}

export function createRegistry(setup: RegistrySetup): ProviderRegistry {
  const registry = new ProviderRegistry();
  for (const module of PROVIDER_MODULES) {
    const endpoint = setup.endpoints[module.key];
    if (endpoint) registry.register(module.create(endpoint as never, setup), setup.sandboxed.has(module.key));
  }
  return registry;
}
