/** The gateway's environment variables for a set of endpoints (each provider module names its own). */
import { PROVIDER_KEYS, type ProviderKey } from '../src/core/provider-key.js';
import { PROVIDER_CATALOG, type ProviderEndpoint } from '../src/providers/catalog.js';
import type { ProviderModule } from '../src/providers/provider-module.js';

export function endpointEnvironment(endpoints: { [K in ProviderKey]: ProviderEndpoint<K> | null }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PROVIDER_KEYS) {
    const endpoint = endpoints[key];
    const module: ProviderModule<ProviderKey> = PROVIDER_CATALOG[key];
    if (endpoint) Object.assign(env, module.endpointToEnv(endpoint));
  }
  return env;
}
