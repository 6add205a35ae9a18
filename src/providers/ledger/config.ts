/**
 * ledger's settings: its base URL, the API key, the tenant id, and the directory of customers
 * the gateway serves (ledger cannot list its customers, so they are named here).
 */
import { reader, type Env } from '../../core/env.js';

export interface LedgerEndpoint {
  baseUrl: string;
  apiKey: string;
  tenantId: string;
  /** The customers the gateway knows of (`LEDGER_CUSTOMER_IDS`; the sandbox's seeds). */
  customerIds: string[];
}

export function ledgerEndpointFromEnv(env: Env): LedgerEndpoint | null {
  const read = reader(env);
  // Checked even for the sandbox (whose directory is its own seeds), so a typo never waits.
  const customerIds = read.list('LEDGER_CUSTOMER_IDS', /^[A-Za-z0-9-]{1,64}$/);
  return read.endpoint('LEDGER', ['LEDGER_API_KEY', 'LEDGER_TENANT_ID'], () => ({
    baseUrl: read.baseUrl('LEDGER_BASE_URL'),
    apiKey: read.required('LEDGER_API_KEY'),
    tenantId: read.required('LEDGER_TENANT_ID'),
    customerIds,
  }));
}

export function ledgerEndpointToEnv(endpoint: LedgerEndpoint): Record<string, string> {
  return {
    LEDGER_BASE_URL: endpoint.baseUrl,
    LEDGER_API_KEY: endpoint.apiKey,
    LEDGER_TENANT_ID: endpoint.tenantId,
    LEDGER_CUSTOMER_IDS: endpoint.customerIds.join(','),
  };
}
