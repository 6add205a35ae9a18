/** Every provider the gateway can serve, one module each (see module.ts). */
import type { ProviderKey } from '../gateway/provider-key.js';
import type { ProviderModule } from './module.js';
import { ledgerModule } from './ledger/module.js';
import { utglModule } from './utgl/module.js';

export const PROVIDER_MODULES: ReadonlyArray<ProviderModule<ProviderKey>> = [
  utglModule as ProviderModule<ProviderKey>,
  ledgerModule as ProviderModule<ProviderKey>,
];
