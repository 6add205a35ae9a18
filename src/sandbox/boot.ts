/**
 * Starts the embedded simulators for every provider whose `<NAME>_BASE_URL` is unset, with
 * credentials generated here and now (never stored), and returns the endpoints the gateway
 * should use for them. Providers without a simulator yet are left unconfigured.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Config, LedgerLive, ProviderEndpoints, UtglLive } from '../config.js';
import type { ProviderKey } from '../gateway/provider-key.js';
import { createLedgerSandbox } from '../providers/ledger/sandbox.js';
import { createUtglSandbox } from '../providers/utgl/sandbox.js';
import type { SandboxServer } from './server.js';

export interface RunningSandboxes {
  /** The endpoints to use: the configured ones, with sandboxes filling the gaps. */
  endpoints: ProviderEndpoints;
  /** Providers served by a sandbox. */
  sandboxed: Set<ProviderKey>;
  servers: Partial<Record<ProviderKey, SandboxServer>>;
  /** Seeded ledger customers, for the gateway's directory. */
  ledgerCustomerIds: string[];
  stop(): Promise<void>;
}

const secret = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

async function utglSandbox(latencyMs: number): Promise<{ server: SandboxServer; live: UtglLive }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const accessKey = secret('sandbox_utgl');
  const { server } = createUtglSandbox({
    accessKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    baseLatencyMs: latencyMs,
  });
  const baseUrl = await server.start();
  return { server, live: { baseUrl, accessKey, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } };
}

async function ledgerSandbox(latencyMs: number): Promise<{ server: SandboxServer; live: LedgerLive; customerIds: string[] }> {
  const apiKey = secret('sandbox_ledger');
  const tenantId = 'sandbox-tenant';
  const { server, customerIds } = createLedgerSandbox({ apiKey, tenantId, baseLatencyMs: latencyMs });
  const baseUrl = await server.start();
  return { server, live: { baseUrl, apiKey, tenantId }, customerIds };
}

export async function startSandboxes(config: Config): Promise<RunningSandboxes> {
  const endpoints: ProviderEndpoints = { ...config.providers };
  const servers: RunningSandboxes['servers'] = {};
  const sandboxed = new Set<ProviderKey>();
  const ledgerCustomerIds = [...config.ledgerCustomerIds];
  const latency = config.sandboxLatencyMs;

  if (!endpoints.utgl) {
    const { server, live } = await utglSandbox(latency);
    endpoints.utgl = live;
    servers.utgl = server;
    sandboxed.add('utgl');
  }
  if (!endpoints.ledger) {
    const { server, live, customerIds } = await ledgerSandbox(latency);
    endpoints.ledger = live;
    servers.ledger = server;
    sandboxed.add('ledger');
    ledgerCustomerIds.push(...customerIds);
  }

  return {
    endpoints,
    sandboxed,
    servers,
    ledgerCustomerIds,
    async stop() {
      await Promise.all(Object.values(servers).map((s) => s.stop()));
    },
  };
}
