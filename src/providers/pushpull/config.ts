/** pushpull's settings: its base URL, the ClientID in every path and the bearer token. */
import { reader, type Env } from '../../core/env.js';

export interface PushpullEndpoint {
  baseUrl: string;
  clientId: string;
  token: string;
}

export function pushpullEndpointFromEnv(env: Env): PushpullEndpoint | null {
  const read = reader(env);
  return read.endpoint('PUSHPULL', ['PUSHPULL_CLIENT_ID', 'PUSHPULL_TOKEN'], () => ({
    baseUrl: read.baseUrl('PUSHPULL_BASE_URL'),
    clientId: read.pattern('PUSHPULL_CLIENT_ID', /^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - or _'),
    token: read.required('PUSHPULL_TOKEN'),
  }));
}

export function pushpullEndpointToEnv(endpoint: PushpullEndpoint): Record<string, string> {
  return { PUSHPULL_BASE_URL: endpoint.baseUrl, PUSHPULL_CLIENT_ID: endpoint.clientId, PUSHPULL_TOKEN: endpoint.token };
}
