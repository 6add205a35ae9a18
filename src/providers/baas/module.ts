import { sandboxSecret, type ProviderModule } from '../module.js';
import { generateBaasPki } from './certificates.js';
import { BaasProvider } from './provider.js';
import { createBaasSandbox } from './sandbox.js';

export const baasModule: ProviderModule<'baas'> = {
  key: 'baas',
  async startSandbox({ latencyMs }) {
    // A fresh program CA, server and client identity per start: in memory only, never on disk.
    const pki = generateBaasPki();
    const apiKey = sandboxSecret('sandbox_baas');
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
  create: (endpoint, setup) => new BaasProvider({ ...setup.upstream, ...endpoint }),
};
