import { randomBytes } from 'node:crypto';
import { sandboxSecret, type ProviderModule } from '../provider-module.js';
import { corporateEndpointFromEnv, corporateEndpointToEnv, type CorporateEndpoint } from './config.js';
import { KEY_BYTES } from './envelope.js';
import { CorporateProvider } from './provider.js';
import type { CorporateStore } from './sandbox/index.js';

/** corporate: the simulator runs with an API key and a 32-byte secretbox key made at start-up. */
export const corporateModule: ProviderModule<'corporate', CorporateEndpoint, CorporateStore> = {
  key: 'corporate',
  description: 'corporate: users, cardholders, card orders, a USDT master wallet; encrypted envelopes.',
  endpointFromEnv: corporateEndpointFromEnv,
  endpointToEnv: corporateEndpointToEnv,
  async startSandbox({ latencyMs }) {
    const apiKey = sandboxSecret('sandbox_corporate');
    const secretKey = new Uint8Array(randomBytes(KEY_BYTES));
    // The simulator's code is loaded only when it runs (development): not in production's memory.
    const { createCorporateSandbox } = require('./sandbox/index.js') as typeof import('./sandbox/index.js');
    const { server, store } = createCorporateSandbox({ apiKey, secretKey, baseLatencyMs: latencyMs });
    const baseUrl = await server.start();
    return { server, store, endpoint: { baseUrl, apiKey, secretKey } };
  },
  // corporate refuses a payload whose request_timestamp is more than 30 s from its clock
  // (corporate.md), so a held request cannot be accepted later than that; every attempt of one
  // write carries the same Idempotency-Key, which replays the original order.
  settle: { processingMs: 30_000, duplicates: 'idempotency-key' },
  // "Orders and cards move through predictable states. Use these transitions when you design
  // polling and retries" (docs/corporate.txt): pending → processing → completed | failed. The
  // order is looked up 1 s after it was seen pending, then 1.5x later each time it has not
  // moved (at most 15 s apart); each observed transition restarts at 1 s, since the next step
  // follows. Each look-up is one `/orders/get` (a read, safe to repeat).
  follow: { firstMs: 1_000, factor: 1.5, maxMs: 15_000, giveUpMs: 3_600_000 },
  create: (endpoint, transport) => new CorporateProvider({ ...transport, ...endpoint }),
};
