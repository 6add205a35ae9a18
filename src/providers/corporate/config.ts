/** corporate's settings: its base URL, the API key and the 32-byte secretbox key of its envelopes. */
import { reader, type Env } from '../../core/env.js';
import { KEY_BYTES } from './envelope.js';

export interface CorporateEndpoint {
  baseUrl: string;
  apiKey: string;
  /** 32 bytes. */
  secretKey: Uint8Array;
}

export function corporateEndpointFromEnv(env: Env): CorporateEndpoint | null {
  const read = reader(env);
  return read.endpoint('CORPORATE', ['CORPORATE_API_KEY', 'CORPORATE_SECRET_KEY'], () => ({
    baseUrl: read.baseUrl('CORPORATE_BASE_URL'),
    apiKey: read.required('CORPORATE_API_KEY'),
    secretKey: read.base64Key('CORPORATE_SECRET_KEY', KEY_BYTES),
  }));
}

export function corporateEndpointToEnv(endpoint: CorporateEndpoint): Record<string, string> {
  return {
    CORPORATE_BASE_URL: endpoint.baseUrl,
    CORPORATE_API_KEY: endpoint.apiKey,
    CORPORATE_SECRET_KEY: Buffer.from(endpoint.secretKey).toString('base64'),
  };
}
