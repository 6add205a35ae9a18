import { sandboxSecret, type ProviderModule } from '../module.js';
import { LedgerProvider } from './provider.js';
import { createLedgerSandbox } from './sandbox.js';

export const ledgerModule: ProviderModule<'ledger'> = {
  key: 'ledger',
  async startSandbox({ latencyMs }) {
    const apiKey = sandboxSecret('sandbox_ledger');
    const tenantId = 'sandbox-tenant';
    const { server, store, customerIds } = createLedgerSandbox({ apiKey, tenantId, baseLatencyMs: latencyMs });
    const baseUrl = await server.start();
    return { server, store, endpoint: { baseUrl, apiKey, tenantId }, directory: customerIds };
  },
  create: (endpoint, setup) => new LedgerProvider({ ...setup.upstream, ...endpoint, customerIds: setup.ledgerCustomerIds }),
};
