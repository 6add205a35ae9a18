import { generateKeyPairSync } from 'node:crypto';
import { sandboxSecret, type ProviderModule } from '../provider-module.js';
import { utglEndpointFromEnv, utglEndpointToEnv, type UtglEndpoint } from './config.js';
import { UtglProvider } from './provider.js';
import type { UtglStore } from './sandbox/index.js';

export const utglModule: ProviderModule<'utgl', UtglEndpoint, UtglStore> = {
  key: 'utgl',
  description: 'utgl: cardholders, accounts, cards, transfers; RS256-signed requests.',
  endpointFromEnv: utglEndpointFromEnv,
  endpointToEnv: utglEndpointToEnv,
  async startSandbox({ latencyMs }) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const accessKey = sandboxSecret('sandbox_utgl');
    // The simulator's code is loaded only when it runs (development): not in production's memory.
    const { createUtglSandbox } = require('./sandbox/index.js') as typeof import('./sandbox/index.js');
    const { server, store } = createUtglSandbox({
      accessKey,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      baseLatencyMs: latencyMs,
    });
    const baseUrl = await server.start();
    return { server, store, endpoint: { baseUrl, accessKey, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } };
  },
  // utgl refuses a request whose signed token is more than 30 s old (utgl.md, "Authentication"),
  // so a held request cannot start later than that; its writes answer synchronously. A resend
  // after a negative look-up carries a new key (utgl's rule) but the same reference, which utgl
  // refuses twice (409).
  settle: { processingMs: 30_000, duplicates: 'unique-reference' },
  // utgl's transfers are pending → completed | failed (utgl.md): looked up every 2 s at first,
  // backing off to once a minute.
  follow: { firstMs: 2_000, factor: 2, maxMs: 60_000, giveUpMs: 3_600_000 },
  create: (endpoint, transport) => new UtglProvider({ ...transport, ...endpoint }),
};
