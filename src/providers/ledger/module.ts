import { sandboxSecret, type ProviderModule } from '../provider-module.js';
import { ledgerEndpointFromEnv, ledgerEndpointToEnv, type LedgerEndpoint } from './config.js';
import { LedgerProvider } from './provider.js';
import type { LedgerStore } from './sandbox/index.js';

export const ledgerModule: ProviderModule<'ledger', LedgerEndpoint, LedgerStore> = {
  key: 'ledger',
  description: 'ledger: tenant customers with wallets, one debit card per wallet, token balances.',
  endpointFromEnv: ledgerEndpointFromEnv,
  endpointToEnv: ledgerEndpointToEnv,
  async startSandbox({ latencyMs }) {
    const apiKey = sandboxSecret('sandbox_ledger');
    const tenantId = 'sandbox-tenant';
    // The simulator's code is loaded only when it runs (development): not in production's memory.
    const { createLedgerSandbox } = require('./sandbox/index.js') as typeof import('./sandbox/index.js');
    const { server, store, customerIds } = createLedgerSandbox({ apiKey, tenantId, baseLatencyMs: latencyMs });
    const baseUrl = await server.start();
    // The seeded customers are the sandbox's directory.
    return { server, store, endpoint: { baseUrl, apiKey, tenantId, customerIds } };
  },
  // ledger documents no processing time and no request timestamp: 60 s, like baas. A card
  // request cannot land twice: ledger issues one card per wallet and refuses a second.
  settle: { processingMs: 60_000, duplicates: 'unique-reference' },
  // ledger answers its writes synchronously; should one be pending, it is looked up every few
  // seconds at first, then less and less often.
  follow: { firstMs: 2_000, factor: 2, maxMs: 60_000, giveUpMs: 3_600_000 },
  create: (endpoint, transport) => new LedgerProvider({ ...transport, ...endpoint }),
};
