/**
 * How a provider plugs into the gateway: one `ProviderModule` per provider folder, listed
 * in `modules.ts`. It starts the provider's simulator with freshly generated credentials
 * (when no real endpoint is configured) and builds the provider on an endpoint.
 */
import { randomBytes } from 'node:crypto';
import type { ProviderEndpoints, UpstreamTimeouts } from '../config.js';
import type { ProviderKey } from '../gateway/provider-key.js';
import type { SandboxServer } from '../sandbox/server.js';
import type { CardProvider } from './provider.js';

export type EndpointOf<K extends ProviderKey> = NonNullable<ProviderEndpoints[K]>;

export interface SandboxStart<K extends ProviderKey> {
  server: SandboxServer;
  endpoint: EndpointOf<K>;
  /** Object ids the provider cannot list itself (ledger's seeded customers). */
  directory?: string[];
  /** The simulator's data, for tests and the benchmark to pick ids from. */
  store: unknown;
}

export interface ProviderSetup {
  upstream: UpstreamTimeouts;
  /** ledger: the customers the gateway knows of. */
  ledgerCustomerIds: string[];
}

export interface ProviderModule<K extends ProviderKey> {
  key: K;
  startSandbox(options: { latencyMs: number }): Promise<SandboxStart<K>>;
  create(endpoint: EndpointOf<K>, setup: ProviderSetup): CardProvider;
}

/** Fresh random credentials for a simulator. */
export function sandboxSecret(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}
