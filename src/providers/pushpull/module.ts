import { randomBytes } from 'node:crypto';
import { sandboxSecret, type ProviderModule } from '../module.js';
import { PushpullProvider } from './provider.js';
import { createPushpullSandbox } from './sandbox.js';

export const pushpullModule: ProviderModule<'pushpull'> = {
  key: 'pushpull',
  async startSandbox({ latencyMs }) {
    // Matches PUSHPULL_CLIENT_ID's format (letters, digits, - or _).
    const clientId = `sandbox-${randomBytes(8).toString('hex')}`;
    const token = sandboxSecret('sandbox_pushpull');
    const { server, store } = createPushpullSandbox({ clientId, token, baseLatencyMs: latencyMs });
    const baseUrl = await server.start();
    return { server, store, endpoint: { baseUrl, clientId, token } };
  },
  create: (endpoint, setup) => new PushpullProvider({ ...setup.upstream, ...endpoint }),
};
