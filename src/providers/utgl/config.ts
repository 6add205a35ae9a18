/** utgl's settings: its base URL, the access key and the RSA key every request is signed with. */
import { reader, type Env } from '../../core/env.js';

export interface UtglEndpoint {
  baseUrl: string;
  accessKey: string;
  privateKeyPem: string;
}

export function utglEndpointFromEnv(env: Env): UtglEndpoint | null {
  const read = reader(env);
  return read.endpoint('UTGL', ['UTGL_ACCESS_KEY', 'UTGL_PRIVATE_KEY'], () => ({
    baseUrl: read.baseUrl('UTGL_BASE_URL'),
    accessKey: read.required('UTGL_ACCESS_KEY'),
    privateKeyPem: read.rsaPrivateKey('UTGL_PRIVATE_KEY'),
  }));
}

export function utglEndpointToEnv(endpoint: UtglEndpoint): Record<string, string> {
  return { UTGL_BASE_URL: endpoint.baseUrl, UTGL_ACCESS_KEY: endpoint.accessKey, UTGL_PRIVATE_KEY: endpoint.privateKeyPem };
}
