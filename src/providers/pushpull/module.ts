import { randomBytes } from 'node:crypto';
import { sandboxSecret, type ProviderModule } from '../provider-module.js';
import { pushpullEndpointFromEnv, pushpullEndpointToEnv, type PushpullEndpoint } from './config.js';
import { PushpullProvider } from './provider.js';
import { createPushpullSandbox, type PushpullStore } from './sandbox/index.js';

export const pushpullModule: ProviderModule<'pushpull', PushpullEndpoint, PushpullStore> = {
  key: 'pushpull',
  description: 'pushpull: enrolled debit cards for push (credit) and pull (debit) transactions.',
  endpointFromEnv: pushpullEndpointFromEnv,
  endpointToEnv: pushpullEndpointToEnv,
  async startSandbox({ latencyMs }) {
    // Matches PUSHPULL_CLIENT_ID's format (letters, digits, - or _).
    const clientId = `sandbox-${randomBytes(8).toString('hex')}`;
    const token = sandboxSecret('sandbox_pushpull');
    const { server, store } = createPushpullSandbox({ clientId, token, baseLatencyMs: latencyMs });
    const baseUrl = await server.start();
    return { server, store, endpoint: { baseUrl, clientId, token } };
  },
  // pushpull documents no processing time (a 201 is created-but-pending, a 207 unknown; its own
  // front answers 504 when an application server times out): 60 s. A reused reference_id is a
  // 409, so a resend cannot create a second transaction.
  settle: { processingMs: 60_000, duplicates: 'unique-reference' },
  create: (endpoint, transport) => new PushpullProvider({ ...transport, ...endpoint }),
};
