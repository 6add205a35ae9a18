/**
 * Integration harness: the real gateway (HTTP server, Apollo, providers, undici) against the
 * real sandbox simulators, all on loopback ports, exactly as `npm start` wires them.
 */
import { Writable } from 'node:stream';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { request } from 'undici';
import { ALL_SCOPES } from '../../src/core/viewer.js';
import type { App } from '../../src/app.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry, StateStore } from '../../src/store/state-store.js';
import { collectCardData, findCardDataLeaks } from './card-data-scan.js';
import { loadConfig } from '../../src/config.js';
import type { ProviderRegistry } from '../../src/gateway/registry.js';
import { createLogger } from '../../src/core/logger.js';
import type { RunningSandboxes } from '../../src/providers/sandboxes.js';
import { startApp } from '../../src/app.js';

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

export interface TokenOptions {
  tenant?: string;
  scopes?: string[];
  subject?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
}

export interface TestGateway {
  url: string;
  /** The state store (idempotency records, audit trail): pass it, or its file, to the next gateway to restart on it. */
  store: StateStore;
  /** The SQLite file behind the state store, when the gateway opened one (no store handed over, no DATABASE_URL). */
  statePath: string | undefined;
  /** The audit trail the gateway wrote, oldest first. */
  auditTrail(): Promise<AuditEntry[]>;
  app: App;
  /** Every log line the gateway wrote so far (pino JSON, one per entry). */
  logLines(): string[];
  /** A token signed by the test identity provider the gateway trusts. */
  token(options?: TokenOptions): Promise<string>;
  sandboxes: RunningSandboxes;
  registry: ProviderRegistry;
  query<T = any, V extends Record<string, unknown> = Record<string, unknown>>(
    document: string | TypedDocumentNode<T, V>,
    variables?: V,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

const ISSUER = 'https://id.cardplane.test/';
const AUDIENCE = 'cardplane';

/**
 * Unless a test says otherwise, every provider belongs to one tenant ("acme") and requests
 * carry a token with every scope, so tests about providers see all of them; tenancy and
 * scope tests pass their own PROVIDER_TENANTS and tokens.
 */
export async function startTestGateway(env: Record<string, string> = {}, options: { store?: StateStore } = {}): Promise<TestGateway> {
  const keys = await generateKeyPair('ES256', { extractable: true });
  const publicPem = await exportSPKI(keys.publicKey);
  // Unless the test hands over a store or chooses PostgreSQL, the gateway opens a SQLite file of
  // its own, as `npm start` does — in a fresh directory, or the one the test names to restart on.
  const statePath = options.store || env.DATABASE_URL ? undefined : (env.STATE_DB_PATH ?? join(mkdtempSync(join(tmpdir(), 'cardplane-state-')), 'state.db'));
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    AUTH_PUBLIC_KEY: publicPem,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_ALGORITHMS: 'ES256',
    PROVIDER_TENANTS: 'utgl=acme,baas=acme,corporate=acme,ledger=acme,pushpull=acme',
    // Tests walk whole lists quickly; the rate-limit test sets its own.
    RATE_LIMIT_PER_SECOND: '10000',
    RATE_LIMIT_BURST: '10000',
    // …and their costs: the cost-budget tests set their own.
    COST_BUDGET_PER_SECOND: '10000000',
    COST_BUDGET_BURST: '100000000',
    ...env,
    ...(statePath ? { STATE_DB_PATH: statePath } : {}),
  });
  const token = async (options: TokenOptions = {}) =>
    new SignJWT({ tenant: options.tenant ?? 'acme', scope: (options.scopes ?? ALL_SCOPES).join(' ') })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject(options.subject ?? 'test-user')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 300))
      .sign(keys.privateKey);
  const defaultToken = await token();
  // Every integration gateway logs everything (trace) into memory, and checks on close that
  // no card number or CVV of its simulators ever reached a log line.
  const logLines: string[] = [];
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await startApp(
    { ...config, port: 0, host: '127.0.0.1' },
    { store: options.store, log: createLogger('trace', logSink) },
  );
  const { sandboxes, registry, store } = app;
  return {
    url: app.url,
    token,
    store,
    statePath,
    app,
    auditTrail: () => store.audit.list({ limit: 100_000 }),
    logLines: () => logLines.join('').split('\n').filter((line) => line !== ''),
    sandboxes,
    registry,
    async query(document, variables, headers) {
      const res = await request(`${app.url}/graphql`, {
        method: 'POST',
        headers: withAuthorization({ 'content-type': 'application/json', authorization: `Bearer ${defaultToken}`, ...headers }),
        body: JSON.stringify({ query: typeof document === 'string' ? document : print(document), variables }),
      });
      const body = (await res.body.json()) as { data?: any; errors?: GraphQLErrorJson[] };
      return { status: res.statusCode, headers: res.headers, data: body.data ?? null, errors: body.errors };
    },
    async close() {
      await app.close();
      const leaks = findCardDataLeaks(logLines.join(''), collectCardData(sandboxes.stores));
      if (leaks.length > 0) throw new Error(`card data reached the gateway's logs: ${leaks.join(', ')}`);
    },
  };
}

/** An explicit empty `authorization` header means: send none. */
function withAuthorization(headers: Record<string, string>): Record<string, string> {
  if (headers.authorization === '') delete headers.authorization;
  return headers;
}

/** Requests the sandboxes received, all providers together (since their last reset). */
export function upstreamCalls(gateway: Pick<TestGateway, 'sandboxes'>): number {
  return Object.values(gateway.sandboxes.servers).reduce((n, s) => n + (s?.totalRequests ?? 0), 0);
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
