/** baas's settings: its base URL, the API key, and the client certificate, key and CA for mutual TLS. */
import { reader, type Env } from '../../core/env.js';

export interface BaasEndpoint {
  baseUrl: string;
  apiKey: string;
  clientCert: string;
  clientKey: string;
  caCert: string;
}

export function baasEndpointFromEnv(env: Env): BaasEndpoint | null {
  const read = reader(env);
  return read.endpoint('BAAS', ['BAAS_API_KEY', 'BAAS_CLIENT_CERT', 'BAAS_CLIENT_KEY', 'BAAS_CA_CERT'], () => ({
    baseUrl: read.baseUrl('BAAS_BASE_URL'),
    apiKey: read.required('BAAS_API_KEY'),
    clientCert: read.pem('BAAS_CLIENT_CERT', 'CERTIFICATE'),
    clientKey: read.pem('BAAS_CLIENT_KEY', 'PRIVATE KEY'),
    caCert: read.pem('BAAS_CA_CERT', 'CERTIFICATE'),
  }));
}

export function baasEndpointToEnv(endpoint: BaasEndpoint): Record<string, string> {
  return {
    BAAS_BASE_URL: endpoint.baseUrl,
    BAAS_API_KEY: endpoint.apiKey,
    BAAS_CLIENT_CERT: endpoint.clientCert,
    BAAS_CLIENT_KEY: endpoint.clientKey,
    BAAS_CA_CERT: endpoint.caCert,
  };
}
