/** The gateway's environment variables for a set of endpoints (the configuration names, exactly). */
import type { ProviderEndpoints } from '../src/config.js';

export function endpointEnvironment(endpoints: ProviderEndpoints, ledgerCustomerIds: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  const { utgl, baas, corporate, ledger, pushpull } = endpoints;
  if (utgl) Object.assign(env, { UTGL_BASE_URL: utgl.baseUrl, UTGL_ACCESS_KEY: utgl.accessKey, UTGL_PRIVATE_KEY: utgl.privateKeyPem });
  if (baas) {
    Object.assign(env, {
      BAAS_BASE_URL: baas.baseUrl,
      BAAS_API_KEY: baas.apiKey,
      BAAS_CLIENT_CERT: baas.clientCert,
      BAAS_CLIENT_KEY: baas.clientKey,
      BAAS_CA_CERT: baas.caCert,
    });
  }
  if (corporate) {
    Object.assign(env, {
      CORPORATE_BASE_URL: corporate.baseUrl,
      CORPORATE_API_KEY: corporate.apiKey,
      CORPORATE_SECRET_KEY: Buffer.from(corporate.secretKey).toString('base64'),
    });
  }
  if (ledger) {
    Object.assign(env, {
      LEDGER_BASE_URL: ledger.baseUrl,
      LEDGER_API_KEY: ledger.apiKey,
      LEDGER_TENANT_ID: ledger.tenantId,
      LEDGER_CUSTOMER_IDS: ledgerCustomerIds.join(','),
    });
  }
  if (pushpull) Object.assign(env, { PUSHPULL_BASE_URL: pushpull.baseUrl, PUSHPULL_CLIENT_ID: pushpull.clientId, PUSHPULL_TOKEN: pushpull.token });
  return env;
}
