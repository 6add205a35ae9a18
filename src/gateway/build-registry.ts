/**
 * Builds the provider registry from the endpoints to use: one provider per configured key,
 * each on its own keep-alive pool, each operation traced (provider-spans.ts).
 */
import { PROVIDER_KEYS, type ProviderKey } from '../core/provider-key.js';
import { PROVIDER_CATALOG, type ProviderEndpoint } from '../providers/catalog.js';
import type { ProviderModule } from '../providers/provider-module.js';
import type { UpstreamTimeouts } from '../providers/transport/http.js';
import { withProviderSpans } from './provider-spans.js';
import { ProviderRegistry } from './registry.js';

export interface RegistrySetup {
  endpoints: { [K in ProviderKey]: ProviderEndpoint<K> | null };
  sandboxed: ReadonlySet<ProviderKey>;
  transport: UpstreamTimeouts;
}

export function createRegistry({ endpoints, sandboxed, transport }: RegistrySetup): ProviderRegistry {
  const registry = new ProviderRegistry();
  for (const key of PROVIDER_KEYS) {
    const endpoint = endpoints[key];
    const module: ProviderModule<ProviderKey> = PROVIDER_CATALOG[key];
    if (endpoint) registry.register(withProviderSpans(module.create(endpoint, transport)), sandboxed.has(key));
  }
  return registry;
}
