/**
 * How a provider plugs into the gateway: one `ProviderModule` per provider folder, listed in
 * `catalog.ts`. A module owns everything about its provider: its settings (read from the
 * environment, and written back for a child process), the endpoint type they produce, its
 * description, its simulator (started with freshly generated credentials when no real endpoint
 * is configured) and the provider built on an endpoint.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError, reader, type Env } from '../core/env.js';
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
  /** How long a write may still land after the gateway stopped waiting, and what refuses a second copy. */
  settle: SettlePolicy;
  /** How often a pending operation of this provider may be looked up while the gateway follows it. */
  follow: FollowRhythm;
  create(endpoint: Endpoint, transport: UpstreamTimeouts): CardProvider;
}

/**
 * What the exactly-once engine must know about a provider's writes to never send one twice:
 * an attempt may still be processed for `processingMs` after the gateway's own timeouts gave up
 * on it (a request held in the provider's queue, processed late); until then a resubmission is
 * answered OUTCOME_UNKNOWN and nothing is sent. After it, a look-up decides, and a resend is
 * as safe as `duplicates` makes it.
 */
export interface SettlePolicy {
  /** The provider's processing time beyond the gateway's connect + headers + body timeouts. */
  processingMs: number;
  /**
   * What refuses a second copy of one write upstream: the idempotency key the gateway derives
   * (the provider replays the first outcome), a reference (or natural key) it refuses to see
   * twice, or nothing (a resend after the window can land twice: it is recorded and audited as
   * a resend, and the reconciliation sweep watches it).
   */
  duplicates: 'idempotency-key' | 'unique-reference' | 'none';
}

/**
 * How the gateway follows a pending operation (one follower for the whole fleet, see
 * gateway/live/operation-follower.ts): the first look-up `firstMs` after the operation was
 * seen pending, each following one `factor` times later than the one before (never more than
 * `maxMs` apart), back to `firstMs` after a look-up that saw the operation change (the next
 * documented step is then due), and none after `giveUpMs`. Each provider declares what its
 * contract allows; a look-up is one upstream read of the operation.
 */
export interface FollowRhythm {
  firstMs: number;
  factor: number;
  maxMs: number;
  giveUpMs: number;
}

/** `<NAME>_FOLLOW_FIRST_MS` overrides the module's first look-up delay (tests, slow providers); never below 100 ms. */
export function followRhythmFromEnv(module: ProviderModule<ProviderKey>, env: Env): FollowRhythm {
  const variable = `${module.key.toUpperCase()}_FOLLOW_FIRST_MS`;
  const firstMs = reader(env).int(variable, module.follow.firstMs, 100, module.follow.maxMs);
  return { ...module.follow, firstMs };
}

/** The settle window of one provider, as the engine uses it. */
export interface SettleWindow {
  windowMs: number;
  duplicates: SettlePolicy['duplicates'];
}

/**
 * `<NAME>_SETTLE_WINDOW_MS`, validated: at least the gateway's own timeouts (an attempt the
 * gateway is still waiting on is certainly not settled); by default those timeouts plus the
 * provider's processing time.
 */
export function settleWindowFromEnv(module: ProviderModule<ProviderKey>, env: Env, timeouts: UpstreamTimeouts): SettleWindow {
  const variable = `${module.key.toUpperCase()}_SETTLE_WINDOW_MS`;
  const own = timeouts.connectTimeoutMs + timeouts.headersTimeoutMs + timeouts.bodyTimeoutMs;
  const windowMs = reader(env).int(variable, own + module.settle.processingMs, 0, 86_400_000);
  if (windowMs < own) {
    throw new ConfigError(variable, `must be at least the upstream connect + headers + body timeouts (${own} ms): an attempt the gateway still waits on can land`);
  }
  return { windowMs, duplicates: module.settle.duplicates };
}

export type EndpointOf<M> = M extends ProviderModule<ProviderKey, infer E, unknown> ? E : never;
export type StoreOf<M> = M extends ProviderModule<ProviderKey, unknown, infer S> ? S : never;

/** Fresh random credentials for a simulator. */
export function sandboxSecret(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

