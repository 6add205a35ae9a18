/**
 * How a provider plugs into the gateway: one `ProviderModule` per provider folder, listed in
 * `catalog.ts`. A module owns everything about its provider: its settings (read from the
 * environment, and written back for a child process), the endpoint type they produce, its
 * description, its simulator (started with freshly generated credentials when no real endpoint
 * is configured) and the provider built on an endpoint.
 */
import { randomBytes } from 'node:crypto';
import type { Env } from '../core/env.js';
import type { ProviderKey } from '../core/provider-key.js';
import type { SandboxServer } from '../sandbox/server.js';
import type { UpstreamTimeouts } from './transport/http.js';
import type { CardProvider } from './provider.js';

export interface SandboxStart<Endpoint, Store> {
  server: SandboxServer;
  /** The endpoint the gateway uses to reach the simulator, credentials included. */
  endpoint: Endpoint;
  /** The simulator's data, for tests and the benchmark to pick ids from. */
  store: Store;
}

export interface ProviderModule<K extends ProviderKey, Endpoint = any, Store = any> {
  key: K;
  /** One line for developers: what the provider holds and how it is reached (the `Provider` enum's description). */
  description: string;
  /**
   * The provider's settings: `null` when `<NAME>_BASE_URL` is unset (its sandbox serves it,
   * outside production). Every bad value throws a ConfigError naming the variable.
   */
  endpointFromEnv(env: Env): Endpoint | null;
  /** The inverse: the variables that configure this endpoint (for a gateway in another process). */
  endpointToEnv(endpoint: Endpoint): Record<string, string>;
  startSandbox(options: { latencyMs: number }): Promise<SandboxStart<Endpoint, Store>>;
  create(endpoint: Endpoint, transport: UpstreamTimeouts): CardProvider;
}

export type EndpointOf<M> = M extends ProviderModule<ProviderKey, infer E, unknown> ? E : never;
export type StoreOf<M> = M extends ProviderModule<ProviderKey, unknown, infer S> ? S : never;

/** Fresh random credentials for a simulator. */
export function sandboxSecret(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

