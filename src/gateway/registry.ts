/**
 * The configured providers, by key. Routing an id or a list to a provider goes through here:
 * a provider that is not configured, or lacks a capability, is a typed error, never a crash
 * or a silent empty answer.
 */
import type { Capability, CardProvider } from '../providers/provider.js';
import { ErrorCode, GatewayError, unsupported } from '../core/errors.js';
import { PROVIDER_KEYS, type ProviderKey } from '../core/provider-key.js';

export interface ProviderEntry {
  provider: CardProvider;
  /** True when the embedded sandbox serves it. */
  sandbox: boolean;
}

export class ProviderRegistry {
  private readonly entries = new Map<ProviderKey, ProviderEntry>();

  register(provider: CardProvider, sandbox: boolean): void {
    this.entries.set(provider.key, { provider, sandbox });
  }

  has(key: ProviderKey): boolean {
    return this.entries.has(key);
  }

  /** A registry holding only these providers (a tenant's view). */
  subset(keys: readonly ProviderKey[]): ProviderRegistry {
    const view = new ProviderRegistry();
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry) view.register(entry.provider, entry.sandbox);
    }
    return view;
  }

  get(key: ProviderKey): CardProvider {
    const entry = this.entries.get(key);
    if (!entry) {
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `Provider ${key.toUpperCase()} is not configured on this gateway`, {
        provider: key,
        retryable: false,
      });
    }
    return entry.provider;
  }

  /** The provider, checked for a capability. */
  require(key: ProviderKey, capability: Capability, operation: string): CardProvider {
    const provider = this.get(key);
    if (!provider.capabilities.has(capability)) throw unsupported(key, operation);
    return provider;
  }

  /** Configured providers in a stable order (the order of PROVIDER_KEYS). */
  list(): ProviderEntry[] {
    return PROVIDER_KEYS.flatMap((key) => {
      const entry = this.entries.get(key);
      return entry ? [entry] : [];
    });
  }

  /** Configured providers that have every one of the capabilities. */
  capable(...capabilities: Capability[]): CardProvider[] {
    return this.list()
      .map((e) => e.provider)
      .filter((p) => capabilities.every((c) => p.capabilities.has(c)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.provider.close()));
  }
}
