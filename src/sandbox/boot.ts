/**
 * Starts the embedded simulators for every provider whose `<NAME>_BASE_URL` is unset, with
 * credentials generated here and now (never stored), and returns the endpoints the gateway
 * should use for them.
 */
import type { Config, ProviderEndpoints } from '../config.js';
import type { ProviderKey } from '../gateway/provider-key.js';
import { PROVIDER_MODULES } from '../providers/modules.js';
import type { SandboxServer } from './server.js';

export interface RunningSandboxes {
  /** The endpoints to use: the configured ones, with sandboxes filling the gaps. */
  endpoints: ProviderEndpoints;
  /** Providers served by a sandbox. */
  sandboxed: Set<ProviderKey>;
  servers: Partial<Record<ProviderKey, SandboxServer>>;
  /** Each simulator's data (see the provider's sandbox.ts for its type). */
  stores: Partial<Record<ProviderKey, unknown>>;
  /** Configured plus seeded ledger customers, for the gateway's directory. */
  ledgerCustomerIds: string[];
  stop(): Promise<void>;
}

export async function startSandboxes(config: Config): Promise<RunningSandboxes> {
  const endpoints: ProviderEndpoints = { ...config.providers };
  const servers: RunningSandboxes['servers'] = {};
  const stores: RunningSandboxes['stores'] = {};
  const sandboxed = new Set<ProviderKey>();
  const ledgerCustomerIds = [...config.ledgerCustomerIds];

  const started = await Promise.all(
    PROVIDER_MODULES.filter((m) => endpoints[m.key] === null).map(async (m) => ({
      key: m.key,
      start: await m.startSandbox({ latencyMs: config.sandboxLatencyMs }),
    })),
  );
  for (const { key, start } of started) {
    (endpoints as Record<ProviderKey, unknown>)[key] = start.endpoint;
    servers[key] = start.server;
    stores[key] = start.store;
    sandboxed.add(key);
    if (key === 'ledger' && start.directory) ledgerCustomerIds.push(...start.directory);
  }

  return {
    endpoints,
    sandboxed,
    servers,
    stores,
    ledgerCustomerIds,
    async stop() {
      await Promise.all(Object.values(servers).map((s) => s.stop()));
    },
  };
}
