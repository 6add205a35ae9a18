import { randomBytes } from 'node:crypto';
import { sandboxSecret, type ProviderModule } from '../provider-module.js';
import { pushpullEndpointFromEnv, pushpullEndpointToEnv, type PushpullEndpoint } from './config.js';
import { PushpullProvider } from './provider.js';
import type { PushpullStore } from './sandbox/index.js';

export const pushpullModule: ProviderModule<'pushpull', PushpullEndpoint, PushpullStore> = {
  key: 'pushpull',
  description: 'pushpull: enrolled debit cards for push (credit) and pull (debit) transactions.',
  endpointFromEnv: pushpullEndpointFromEnv,
  endpointToEnv: pushpullEndpointToEnv,
  async startSandbox({ latencyMs }) {
    // Matches PUSHPULL_CLIENT_ID's format (letters, digits, - or _).
    const clientId = `sandbox-${randomBytes(8).toString('hex')}`;
    const token = sandboxSecret('sandbox_pushpull');
    // The simulator's code is loaded only when it runs (development): not in production's memory.
    const { createPushpullSandbox } = require('./sandbox/index.js') as typeof import('./sandbox/index.js');
    const { server, store } = createPushpullSandbox({ clientId, token, baseLatencyMs: latencyMs });
    const baseUrl = await server.start();
    return { server, store, endpoint: { baseUrl, clientId, token } };
  },
  // pushpull documents no processing time (a 201 is created-but-pending, a 207 unknown; its own
  // front answers 504 when an application server times out): 60 s. A reused reference_id is a
  // 409, so a resend cannot create a second transaction.
  settle: { processingMs: 60_000, duplicates: 'unique-reference' },
  // "Polling. Please do not poll." (docs/pushpull.txt): reading one transaction more than 5
  // times in 10 s is a 429, and a pending (batch) transaction settles in a batch whose time is
  // not documented. So the gateway does not poll it: the fleet's one follower looks it up once
  // a minute after it was seen pending, then 3x later each time (4, 13, 40 min, then hourly),
  // and stops after 24 h (RetrieveByReference's horizon) — at most one read a minute, a
  // thirtieth of what pushpull's limit counts as polling, through the provider's shared
  // 3 s transaction cache. Between look-ups, any client read of the transaction (node(id))
  // that sees it change is published to subscribers too.
  follow: { firstMs: 60_000, factor: 3, maxMs: 3_600_000, giveUpMs: 86_400_000 },
  create: (endpoint, transport) => new PushpullProvider({ ...transport, ...endpoint }),
};
