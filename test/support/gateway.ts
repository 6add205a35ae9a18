/**
 * Integration harness: the real gateway (HTTP server, Apollo, providers, undici) against the
 * real sandbox simulators, all on loopback ports, exactly as `npm start` wires them.
 */
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { createGateway } from '../../src/context.js';
import type { ProviderRegistry } from '../../src/gateway/registry.js';
import { createLogger } from '../../src/logger.js';
import { createRegistry } from '../../src/providers/index.js';
import { startSandboxes, type RunningSandboxes } from '../../src/sandbox/boot.js';
import { startServer } from '../../src/server.js';

export interface GraphQLErrorJson {
  message: string;
  path?: Array<string | number>;
  extensions: {
    code: string;
    provider?: string;
    retryable: boolean;
    retryAfterSeconds?: number;
    upstream?: { status?: number; code?: string; requestId?: string };
    requestId: string;
  };
}

export interface GraphQLResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  data: T | null;
  errors: GraphQLErrorJson[] | undefined;
}

export interface TestGateway {
  url: string;
  sandboxes: RunningSandboxes;
  registry: ProviderRegistry;
  query<T = any, V extends Record<string, unknown> = Record<string, unknown>>(
    document: string | TypedDocumentNode<T, V>,
    variables?: V,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export async function startTestGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const sandboxes = await startSandboxes(config);
  const registry = createRegistry({
    endpoints: sandboxes.endpoints,
    sandboxed: sandboxes.sandboxed,
    upstream: config.upstream,
    ledgerCustomerIds: sandboxes.ledgerCustomerIds,
  });
  const server = await startServer(
    { gateway: createGateway(registry, config.requestDeadlineMs), log: createLogger(config.logLevel), production: false },
    0,
    '127.0.0.1',
  );
  return {
    url: server.url,
    sandboxes,
    registry,
    async query(document, variables, headers) {
      const res = await request(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables }),
      });
      const body = (await res.body.json()) as { data?: any; errors?: GraphQLErrorJson[] };
      return { status: res.statusCode, headers: res.headers, data: body.data ?? null, errors: body.errors };
    },
    async close() {
      await server.close();
      await registry.close();
      await sandboxes.stop();
    },
  };
}

/** Clears faults and request logs on every sandbox (between tests). */
export function resetSandboxes(gateway: TestGateway): void {
  for (const server of Object.values(gateway.sandboxes.servers)) {
    server?.clearFaults();
    server?.resetRequests();
  }
  // Faults a test injected must not leave a circuit open for the next test.
  for (const { provider } of gateway.registry.list()) provider.resetHealth();
}
