import { sandboxSecret, type ProviderModule } from '../provider-module.js';
import { baasEndpointFromEnv, baasEndpointToEnv, type BaasEndpoint } from './config.js';
import { BaasProvider } from './provider.js';
import type { BaasStore } from './sandbox/index.js';

export const baasModule: ProviderModule<'baas', BaasEndpoint, BaasStore> = {
  key: 'baas',
  description: 'baas: cardholders with a compliance lifecycle, wallets, cards; mutual TLS.',
  endpointFromEnv: baasEndpointFromEnv,
  endpointToEnv: baasEndpointToEnv,
  async startSandbox({ latencyMs }) {
    // A fresh program CA, server and client identity per start: in memory only, never on disk.
    const { generateBaasPki } = require('./certificates.js') as typeof import('./certificates.js');
    const pki = generateBaasPki();
    const apiKey = sandboxSecret('sandbox_baas');
    // The simulator's code is loaded only when it runs (development): not in production's memory.
    const { createBaasSandbox } = require('./sandbox/index.js') as typeof import('./sandbox/index.js');
    const { server, store } = createBaasSandbox({
      apiKey,
      tls: { ca: pki.ca.cert, cert: pki.server.cert, key: pki.server.key },
      baseLatencyMs: latencyMs,
    });
    const baseUrl = await server.start();
    return {
      server,
      store,
      endpoint: { baseUrl, apiKey, clientCert: pki.client.cert, clientKey: pki.client.key, caCert: pki.ca.cert },
    };
  },
  // baas documents no processing time and nothing bounds how late a held request may be
  // processed (no signed timestamp, no idempotency key, references not unique): the longest
  // window of the five, and a resend after it is recorded and audited as one.
  settle: { processingMs: 60_000, duplicates: 'none' },
  // baas answers its writes synchronously (settled or declined); a transaction it reports
  // pending is looked up like a bank's: every few seconds at first, then less and less often.
  follow: { firstMs: 2_000, factor: 2, maxMs: 60_000, giveUpMs: 3_600_000 },
  create: (endpoint, transport) => new BaasProvider({ ...transport, ...endpoint }),
};
