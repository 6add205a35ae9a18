import { generateKeyPairSync } from 'node:crypto';
import { sandboxSecret, type ProviderModule } from '../module.js';
import { UtglProvider } from './provider.js';
import { createUtglSandbox } from './sandbox.js';

export const utglModule: ProviderModule<'utgl'> = {
  key: 'utgl',
  async startSandbox({ latencyMs }) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const accessKey = sandboxSecret('sandbox_utgl');
    const { server, store } = createUtglSandbox({
      accessKey,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      baseLatencyMs: latencyMs,
    });
    const baseUrl = await server.start();
    return { server, store, endpoint: { baseUrl, accessKey, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } };
  },
  create: (endpoint, setup) => new UtglProvider({ ...setup.upstream, ...endpoint }),
};
