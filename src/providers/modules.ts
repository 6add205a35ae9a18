/** Every provider the gateway can serve, one module each (see module.ts). */
import type { ProviderKey } from '../gateway/provider-key.js';
import type { ProviderModule } from './module.js';
import { baasModule } from './baas/module.js';
import { corporateModule } from './corporate/module.js';
import { ledgerModule } from './ledger/module.js';
import { pushpullModule } from './pushpull/module.js';
import { utglModule } from './utgl/module.js';

export const PROVIDER_MODULES: ReadonlyArray<ProviderModule<ProviderKey>> = [
  utglModule as ProviderModule<ProviderKey>,
  baasModule as ProviderModule<ProviderKey>,
  ledgerModule as ProviderModule<ProviderKey>,
  corporateModule as ProviderModule<ProviderKey>,
  pushpullModule as ProviderModule<ProviderKey>,
];
