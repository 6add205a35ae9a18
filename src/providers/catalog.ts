/**
 * Every provider the gateway can serve, one module each (see provider-module.ts). The record is
 * checked by the compiler: a key added to PROVIDER_KEYS does not compile until its module is here.
 */
import type { ProviderKey } from '../core/provider-key.js';
import type { EndpointOf, ProviderModule, StoreOf } from './provider-module.js';
import { baasModule } from './baas/module.js';
import { corporateModule } from './corporate/module.js';
import { ledgerModule } from './ledger/module.js';
import { pushpullModule } from './pushpull/module.js';
import { utglModule } from './utgl/module.js';

export const PROVIDER_CATALOG = {
  utgl: utglModule,
  baas: baasModule,
  corporate: corporateModule,
  ledger: ledgerModule,
  pushpull: pushpullModule,
} satisfies { [K in ProviderKey]: ProviderModule<K> };

type ProviderCatalog = typeof PROVIDER_CATALOG;
export type ProviderEndpoint<K extends ProviderKey> = EndpointOf<ProviderCatalog[K]>;
export type SandboxStore<K extends ProviderKey> = StoreOf<ProviderCatalog[K]>;

/** `null` = not configured: the embedded sandbox serves this provider (outside production). */
export type ProviderEndpoints = { [K in ProviderKey]: ProviderEndpoint<K> | null };
