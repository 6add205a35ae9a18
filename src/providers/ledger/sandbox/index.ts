/**
 * The ledger simulator: the endpoints of the provider's "Public API v2.8.0" that the gateway
 * uses (tenant customers, one debit card per wallet, on/off-chain history, token balances),
 * over seeded data. Paths, fields and error bodies follow shared/providers/docs/ledger.txt;
 * what it leaves open follows shared/providers/ledger.md.
 */
import { SandboxServer } from '../../../sandbox/server.js';
import type { LedgerStore } from './store.js';
import { LEDGER_DEFAULT_SEED } from './store.js';
import { seededLedgerStore } from './seed.js';
import { authenticate, failure, ledgerRoutes } from './routes.js';

export type { LedgerStore };

export interface LedgerSandboxOptions {
  /** The bearer key accepted. */
  apiKey: string;
  /** The tenant that key belongs to. */
  tenantId: string;
  /** Default 2. */
  seed?: number;
  baseLatencyMs?: number;
}

export interface LedgerSandbox {
  server: SandboxServer;
  store: LedgerStore;
  /** Seeded customerAccountIds, for the gateway's directory. */
  customerIds: string[];
}

export function createLedgerSandbox(options: LedgerSandboxOptions): LedgerSandbox {
  const store = seededLedgerStore(options.tenantId, options.seed ?? LEDGER_DEFAULT_SEED);
  const server = new SandboxServer({
    name: 'ledger',
    routes: ledgerRoutes(store),
    baseLatencyMs: options.baseLatencyMs,
    authenticate: authenticate(options),
    notFound: () => failure(404, 'fetch', 'No data found'),
  });
  return { server, store, customerIds: store.customers.map((c) => c.customerAccountId) };
}
