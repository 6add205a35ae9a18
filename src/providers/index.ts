/**
 * Builds the provider registry from the endpoints to use: one provider per configured key,
 * each on its own keep-alive pool.
 */
import type { UpstreamTimeouts, ProviderEndpoints } from '../config.js';
import { ProviderRegistry } from '../gateway/registry.js';
import type { ProviderKey } from '../gateway/provider-key.js';
import { LedgerProvider } from './ledger/provider.js';
import { UtglProvider } from './utgl/provider.js';

export interface ProviderSetup {
  endpoints: ProviderEndpoints;
  sandboxed: ReadonlySet<ProviderKey>;
  upstream: UpstreamTimeouts;
  ledgerCustomerIds: string[];
}

export function createRegistry(setup: ProviderSetup): ProviderRegistry {
  const registry = new ProviderRegistry();
  const { endpoints, upstream } = setup;
  if (endpoints.utgl) {
    registry.register(new UtglProvider({ ...upstream, ...endpoints.utgl }), setup.sandboxed.has('utgl'));
  }
  if (endpoints.ledger) {
    registry.register(
      new LedgerProvider({ ...upstream, ...endpoints.ledger, customerIds: setup.ledgerCustomerIds }),
      setup.sandboxed.has('ledger'),
    );
  }
  return registry;
}
