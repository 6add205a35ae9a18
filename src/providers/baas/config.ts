/** baas's settings: its base URL, the API key, and the client certificate, key and CA for mutual TLS. */
import { ConfigError, reader, type Env } from '../../core/env.js';

export interface BaasEndpoint {
  baseUrl: string;
  apiKey: string;
  clientCert: string;
  clientKey: string;
  caCert: string;
}

/**
 * The certificates and key are parsed here, and the key checked against the certificate: a
 * malformed or mismatched PEM stops start-up naming its variable, instead of passing start-up
 * and then failing every baas call at the TLS handshake.
 */
export function baasEndpointFromEnv(env: Env): BaasEndpoint | null {
  const read = reader(env);
  return read.endpoint('BAAS', ['BAAS_API_KEY', 'BAAS_CLIENT_CERT', 'BAAS_CLIENT_KEY', 'BAAS_CA_CERT'], () => {
    const baseUrl = read.baseUrl('BAAS_BASE_URL');
    const apiKey = read.required('BAAS_API_KEY');
    const client = read.certificates('BAAS_CLIENT_CERT');
    const key = read.privateKeyPem('BAAS_CLIENT_KEY');
    if (!client.certificates[0]!.checkPrivateKey(key.key)) throw new ConfigError('BAAS_CLIENT_KEY', 'is not the private key of BAAS_CLIENT_CERT');
    const ca = read.certificates('BAAS_CA_CERT');
    return { baseUrl, apiKey, clientCert: client.pem, clientKey: key.pem, caCert: ca.pem };
  });
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
