import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/core/env.js';
import { loadConfig } from '../../src/config.js';
import { generateBaasPki, generateForeignClient } from '../../src/providers/baas/certificates.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

function manifestFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cardplane-manifest-')), 'persisted-documents.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}
/** One real provider: outside development at least one must be configured (none is simulated). */
const PUSHPULL = { PUSHPULL_BASE_URL: 'https://api.pushpull.example', PUSHPULL_CLIENT_ID: 'client', PUSHPULL_TOKEN: 't' };

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs every provider on its sandbox when nothing is set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(Object.values(config.providers).every((p) => p === null)).toBe(true);
    const { answerMemory, ...upstream } = config.upstream;
    expect(upstream).toEqual({ connectTimeoutMs: 2000, headersTimeoutMs: 5000, bodyTimeoutMs: 5000, maxRetries: 2, maxConcurrency: 64, maxRetryAfterSeconds: 60, maxAnswerBytes: 16 * 1024 * 1024 });
    expect(answerMemory?.capacityBytes).toBe(16 * 1024 * 1024);
  });

  it('accepts utgl keys in PKCS#8 and PKCS#1, with literal \\n line breaks', () => {
    for (const pem of [pkcs8, pkcs1, pkcs8.replace(/\n/g, '\\n')]) {
      const config = loadConfig({ UTGL_BASE_URL: 'https://access.utgl.io', UTGL_ACCESS_KEY: 'ak', UTGL_PRIVATE_KEY: pem });
      expect(config.providers.utgl?.baseUrl).toBe('https://access.utgl.io');
    }
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT', 'must be an integer'],
    [{ PORT: '70000' }, 'PORT', 'must be an integer from 0 to 65535'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'must be one of'],
    [{ UPSTREAM_MAX_ANSWER_BYTES: '1024' }, 'UPSTREAM_MAX_ANSWER_BYTES', 'must be an integer from 65536'],
    [{ UPSTREAM_ANSWER_MEMORY_BYTES: 'lots' }, 'UPSTREAM_ANSWER_MEMORY_BYTES', 'must be an integer'],
    [{ UTGL_BASE_URL: 'https://access.utgl.io' }, 'UTGL_ACCESS_KEY', 'is required'],
    [{ UTGL_BASE_URL: 'https://access.utgl.io/v1', UTGL_ACCESS_KEY: 'a', UTGL_PRIVATE_KEY: pkcs8 }, 'UTGL_BASE_URL', 'scheme, host and port only'],
    [{ UTGL_BASE_URL: 'not a url', UTGL_ACCESS_KEY: 'a', UTGL_PRIVATE_KEY: pkcs8 }, 'UTGL_BASE_URL', 'absolute URL'],
    [{ UTGL_BASE_URL: 'https://a.io', UTGL_ACCESS_KEY: 'a', UTGL_PRIVATE_KEY: 'nope' }, 'UTGL_PRIVATE_KEY', 'RSA private key'],
    [{ UTGL_ACCESS_KEY: 'a' }, 'UTGL_ACCESS_KEY', 'UTGL_BASE_URL is not'],
    [{ LEDGER_BASE_URL: 'https://l.io', LEDGER_API_KEY: 'k' }, 'LEDGER_TENANT_ID', 'is required'],
    [{ LEDGER_CUSTOMER_IDS: 'a1,b 2' }, 'LEDGER_CUSTOMER_IDS', 'invalid entry'],
    [{ CORPORATE_BASE_URL: 'https://c.io', CORPORATE_API_KEY: 'k', CORPORATE_SECRET_KEY: 'c2hvcnQ=' }, 'CORPORATE_SECRET_KEY', 'must be 32 bytes'],
    [{ BAAS_BASE_URL: 'https://b.io', BAAS_API_KEY: 'k', BAAS_CLIENT_CERT: 'x', BAAS_CLIENT_KEY: 'y', BAAS_CA_CERT: 'z' }, 'BAAS_CLIENT_CERT', 'PEM CERTIFICATE'],
    [{ PUSHPULL_BASE_URL: 'https://p.io', PUSHPULL_CLIENT_ID: '../x', PUSHPULL_TOKEN: 't' }, 'PUSHPULL_CLIENT_ID', 'letters, digits'],
    [{ REQUEST_DEADLINE_MS: '5' }, 'REQUEST_DEADLINE_MS', 'from 100'],
    [{ NODE_ENV: 'production' }, 'AUTH_JWKS_URL', 'required when NODE_ENV=production'],
    [{ AUTH_ISSUER: 'https://id.example/', AUTH_AUDIENCE: 'x' }, 'AUTH_JWKS_URL', 'or AUTH_PUBLIC_KEY is required'],
    [{ AUTH_JWKS_URL: 'http://id.example/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', NODE_ENV: 'production' }, 'AUTH_JWKS_URL', 'must use https'],
    [{ AUTH_PUBLIC_KEY: 'nope', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' }, 'AUTH_PUBLIC_KEY', 'public key in PEM'],
    [{ AUTH_JWKS_URL: 'https://id.example/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_ALGORITHMS: 'HS256' }, 'AUTH_ALGORITHMS', 'allowed are'],
    [{ AUTH_JWKS_URL: 'https://id.example/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_ALGORITHMS: 'none' }, 'AUTH_ALGORITHMS', 'allowed are'],
    [{ PROVIDER_TENANTS: 'stripe=acme' }, 'PROVIDER_TENANTS', 'unknown provider'],
    [{ PROVIDER_TENANTS: 'utgl=Acme Corp' }, 'PROVIDER_TENANTS', 'invalid entry'],
    [{ ENABLE_INTROSPECTION: 'yes' }, 'ENABLE_INTROSPECTION', 'true or false'],
    [{ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://id.example/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', CORS_ORIGINS: 'https://app.example.com,*', ...PUSHPULL }, 'CORS_ORIGINS', 'may not be "*" when NODE_ENV=production'],
    [{ CORS_ORIGINS: 'https://app.example.com/login' }, 'CORS_ORIGINS', 'origins only'],
    [{ CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS', 'invalid entry'],
    [{ CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true' }, 'CORS_CREDENTIALS', 'cannot be true'],
    [{ DATABASE_URL: 'mysql://db.example/cardplane' }, 'DATABASE_URL', 'must be a postgres://'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL', 'must be a postgres://'],
    [{ DATABASE_URL: 'postgres://db.example/cp', DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE', 'from 1 to 200'],
    [{ DATABASE_POOL_SIZE: '5' }, 'DATABASE_POOL_SIZE', 'DATABASE_URL is not'],
    [{ DATABASE_URL: 'postgres://db.example/cp', STATE_DB_PATH: '/data/state.db' }, 'STATE_DB_PATH', 'DATABASE_URL selects PostgreSQL'],
    [{ STATE_RETENTION_HOURS: '12' }, 'STATE_RETENTION_HOURS', 'from 24'],
    [{ STATE_RETENTION_HOURS: 'a day' }, 'STATE_RETENTION_HOURS', 'must be an integer'],
    [{ PERSISTED_QUERIES: 'always' }, 'PERSISTED_QUERIES', 'must be one of auto, only, off'],
    [{ PERSISTED_QUERIES: 'only' }, 'PERSISTED_QUERIES_MANIFEST', 'is required when PERSISTED_QUERIES=only'],
    [{ PERSISTED_QUERIES: 'only', PERSISTED_QUERIES_MANIFEST: '/nonexistent/manifest.json' }, 'PERSISTED_QUERIES_MANIFEST', 'does not exist'],
    [{ PERSISTED_QUERIES: 'only', PERSISTED_QUERIES_MANIFEST: manifestFile({ ['0'.repeat(64)]: 'query A { providers { provider } }' }) }, 'PERSISTED_QUERIES_MANIFEST', 'not the SHA-256 of its document'],
    [{ PERSISTED_QUERIES: 'only', PERSISTED_QUERIES_MANIFEST: manifestFile(['query A { x }']) }, 'PERSISTED_QUERIES_MANIFEST', 'JSON object'],
  ])('stops on %j naming %s', (env, variable, problem) => {
    const error = errorOf(env as Record<string, string>);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(problem);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('turns introspection off in production unless enabled, and verifies tokens there', () => {
    const prod = { NODE_ENV: 'production', AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json', AUTH_ISSUER: 'https://id.example/', AUTH_AUDIENCE: 'cardplane', ...PUSHPULL };
    expect(loadConfig(prod).introspection).toBe(false);
    expect(loadConfig({ ...prod, ENABLE_INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(loadConfig(prod).auth).toMatchObject({ mode: 'verify', algorithms: ['RS256', 'ES256'] });
    expect(loadConfig({}).auth.mode).toBe('development');
  });

  it('allows localhost origins by default only in development, and exact origins when listed', () => {
    const prod = { NODE_ENV: 'production', AUTH_JWKS_URL: 'https://id.example/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', ...PUSHPULL };
    expect(loadConfig({}).cors).toEqual({ origins: [], allowLocalhost: true, credentials: false });
    expect(loadConfig(prod).cors).toEqual({ origins: [], allowLocalhost: false, credentials: false });
    expect(loadConfig({ ...prod, CORS_ORIGINS: 'https://app.example.com/, https://m.example.com:8443' }).cors.origins).toEqual([
      'https://app.example.com',
      'https://m.example.com:8443',
    ]);
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com' }).cors.allowLocalhost).toBe(false);
  });

  it('loads a persisted-query manifest whose ids are the SHA-256 of their documents', () => {
    const document = 'query A { providers { provider } }';
    const id = createHash('sha256').update(document).digest('hex');
    const config = loadConfig({ PERSISTED_QUERIES: 'only', PERSISTED_QUERIES_MANIFEST: manifestFile({ [id]: document }) });
    expect(config.persistedQueries.mode).toBe('only');
    expect([...config.persistedQueries.manifest]).toEqual([[id, document]]);
    expect(loadConfig({}).persistedQueries).toEqual({ mode: 'auto', manifest: new Map() });
  });

  describe('production never simulates', () => {
    const auth = { AUTH_JWKS_URL: 'https://id.example/jwks', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' };

    it('disables a provider without its base URL instead of simulating it', () => {
      const config = loadConfig({ NODE_ENV: 'production', ...auth, ...PUSHPULL });
      expect(config.development).toBe(false);
      expect(config.providers.pushpull).not.toBeNull();
      expect(config.providers.utgl).toBeNull();
    });

    it('refuses to start when no provider is configured, naming the variables', () => {
      const error = errorOf({ NODE_ENV: 'production', ...auth });
      expect(error.variable).toBe('UTGL_BASE_URL');
      for (const name of ['BAAS_BASE_URL', 'CORPORATE_BASE_URL', 'LEDGER_BASE_URL', 'PUSHPULL_BASE_URL']) expect(error.message).toContain(name);
    });

    it.each(['prod', 'staging', 'Production', 'developement'])('runs development mode only for unset, development or test NODE_ENV: %s without AUTH_* refuses', (nodeEnv) => {
      const error = errorOf({ NODE_ENV: nodeEnv, ...PUSHPULL });
      expect(error.variable).toBe('AUTH_JWKS_URL');
      for (const name of ['AUTH_PUBLIC_KEY', 'AUTH_ISSUER', 'AUTH_AUDIENCE', `NODE_ENV=${nodeEnv}`]) expect(error.message).toContain(name);
      // …and with AUTH_* set it still simulates nothing.
      expect(errorOf({ NODE_ENV: nodeEnv, ...auth }).variable).toBe('UTGL_BASE_URL');
    });

    it.each([[{}], [{ NODE_ENV: 'development' }], [{ NODE_ENV: 'test' }]])('keeps development mode and sandboxes for %j', (env) => {
      const config = loadConfig(env);
      expect(config.development).toBe(true);
      expect(config.auth.mode).toBe('development');
    });
  });

  describe('bad PEM stops start-up naming the variable', () => {
    const pki = generateBaasPki();
    const other = generateForeignClient();
    const baas = { BAAS_BASE_URL: 'https://b.io', BAAS_API_KEY: 'k', BAAS_CLIENT_CERT: pki.client.cert, BAAS_CLIENT_KEY: pki.client.key, BAAS_CA_CERT: pki.ca.cert };
    /** A PEM whose armour is right and whose base64 body is damaged. */
    const damaged = (pem: string) => pem.replace(/\n([A-Za-z0-9+/]{20})/, '\n!!!!$1');

    it('accepts a well-formed client certificate, its key and a CA bundle', () => {
      expect(loadConfig({ ...baas, BAAS_CA_CERT: `${pki.ca.cert}\n${other.ca.cert}` }).providers.baas?.baseUrl).toBe('https://b.io');
    });

    it.each([
      ['BAAS_CLIENT_CERT', { BAAS_CLIENT_CERT: damaged(pki.client.cert) }, 'does not parse as X.509'],
      ['BAAS_CLIENT_KEY', { BAAS_CLIENT_KEY: damaged(pki.client.key) }, 'does not parse'],
      ['BAAS_CA_CERT', { BAAS_CA_CERT: damaged(pki.ca.cert) }, 'does not parse as X.509'],
      ['BAAS_CLIENT_KEY', { BAAS_CLIENT_KEY: other.client.key }, 'is not the private key of BAAS_CLIENT_CERT'],
      ['BAAS_CLIENT_KEY', { BAAS_CLIENT_KEY: pki.client.cert }, 'must be a PEM PRIVATE KEY'],
    ])('stops on a bad %s', (variable, override, problem) => {
      const error = errorOf({ ...baas, ...override });
      expect(error.variable).toBe(variable);
      expect(error.message).toContain(problem);
      expect(error.message).not.toContain('-----');
    });
  });

  it('never echoes a secret it rejects', () => {
    const error = errorOf({ UTGL_BASE_URL: 'https://a.io', UTGL_ACCESS_KEY: 'a', UTGL_PRIVATE_KEY: 'super-secret-value' });
    expect(error.message).not.toContain('super-secret-value');
    expect(errorOf({ DATABASE_URL: 'mysql://cardplane:db-password@db.example/cp' }).message).not.toContain('db-password');
  });

  it('keeps state in .cardplane/state.db for 24 h unless told otherwise, and on PostgreSQL when DATABASE_URL is set', () => {
    expect(loadConfig({})).toMatchObject({ state: { engine: 'sqlite', path: '.cardplane/state.db' }, stateRetentionHours: 24 });
    expect(loadConfig({ STATE_DB_PATH: '/data/state.db', STATE_RETENTION_HOURS: '72' })).toMatchObject({ state: { engine: 'sqlite', path: '/data/state.db' }, stateRetentionHours: 72 });
    expect(loadConfig({ DATABASE_URL: 'postgresql://cp:pw@db.internal:6432/cardplane', DATABASE_POOL_SIZE: '20' }).state).toEqual({
      engine: 'postgres',
      url: 'postgresql://cp:pw@db.internal:6432/cardplane',
      poolSize: 20,
    });
  });

  it('limits V8 heap growth to 75% by default, 0 leaving it to V8, within 0–400', () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(75);
    expect(loadConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadConfig({ HEAP_GROWING_PERCENT: '150' }).heapGrowingPercent).toBe(150);
    expect(errorOf({ HEAP_GROWING_PERCENT: '500' }).message).toMatch(/^HEAP_GROWING_PERCENT /);
    expect(errorOf({ HEAP_GROWING_PERCENT: 'lots' }).message).toMatch(/^HEAP_GROWING_PERCENT /);
  });

  it('executes compiled by default, graphql-js when asked, and nothing else', () => {
    expect(loadConfig({}).executor).toBe('compiled');
    expect(loadConfig({ GRAPHQL_EXECUTOR: 'graphql-js' }).executor).toBe('graphql-js');
    expect(errorOf({ GRAPHQL_EXECUTOR: 'jit' }).variable).toBe('GRAPHQL_EXECUTOR');
  });

  it('serves metrics only when METRICS_PORT is set, never on the public port', () => {
    expect(loadConfig({}).metrics).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(loadConfig({ METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' }).metrics).toEqual({ port: 0, host: '127.0.0.1' });
    expect(errorOf({ METRICS_PORT: '4000' }).message).toBe('METRICS_PORT must differ from PORT: metrics are never served on the public port');
    expect(errorOf({ METRICS_PORT: 'nine' }).variable).toBe('METRICS_PORT');
    expect(errorOf({ METRICS_HOST: '127.0.0.1' }).variable).toBe('METRICS_HOST');
  });
});
