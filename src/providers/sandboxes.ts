/**
 * Starts the embedded simulators for every provider without a configured endpoint, with
 * credentials generated here and now (never stored), and returns the endpoints the gateway
 * should use for them. Outside development (`simulate: false`) none starts: an unconfigured
 * provider stays `null`, i.e. disabled.
 */
import { PROVIDER_KEYS, type ProviderKey } from '../core/provider-key.js';
import type { SandboxServer } from '../sandbox/server.js';
import { PROVIDER_CATALOG, type ProviderEndpoint, type ProviderEndpoints, type SandboxStore } from './catalog.js';

export type SandboxStores = { [K in ProviderKey]?: SandboxStore<K> };

export interface RunningSandboxes {
  /** The endpoints to use: the configured ones, with sandboxes filling the gaps (`null`: disabled). */
  endpoints: { [K in ProviderKey]: ProviderEndpoint<K> | null };
  /** Providers served by a sandbox. */
  sandboxed: Set<ProviderKey>;
  servers: Partial<Record<ProviderKey, SandboxServer>>;
  /** Each simulator's data (see the provider's sandbox for its type). */
  stores: SandboxStores;
  stop(): Promise<void>;
}

export async function startSandboxes(configured: ProviderEndpoints, options: { latencyMs: number; simulate: boolean }): Promise<RunningSandboxes> {
  const endpoints: Record<string, unknown> = { ...configured };
  const servers: RunningSandboxes['servers'] = {};
  const stores: Record<string, unknown> = {};
  const sandboxed = new Set<ProviderKey>();
  const missing = options.simulate ? PROVIDER_KEYS.filter((key) => configured[key] === null) : [];
  const started = await Promise.all(missing.map(async (key) => ({ key, start: await PROVIDER_CATALOG[key].startSandbox({ latencyMs: options.latencyMs }) })));
  for (const { key, start } of started) {
    endpoints[key] = start.endpoint;
    servers[key] = start.server;
    stores[key] = start.store;
    sandboxed.add(key);
  }
  return {
    endpoints: endpoints as RunningSandboxes['endpoints'],
    sandboxed,
    servers,
    stores: stores as SandboxStores,
    async stop() {
      await Promise.all(Object.values(servers).map((s) => s.stop()));
    },
  };
}
