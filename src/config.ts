/**
 * Environment → typed, validated configuration, read once at start-up. Every bad setting
 * stops start-up with one line naming the variable and what is wrong with it. A provider
 * whose `<NAME>_BASE_URL` is unset runs on its embedded sandbox; one with a base URL needs
 * all of its credentials.
 */
import { createPrivateKey } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { isProviderKey, type ProviderKey } from './gateway/provider-key.js';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface UpstreamTimeouts {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxRetries: number;
  /** Calls in flight per provider (its bulkhead and connection pool). */
  maxConcurrency: number;
}

export interface UtglLive {
  baseUrl: string;
  accessKey: string;
  privateKeyPem: string;
}
export interface BaasLive {
  baseUrl: string;
  apiKey: string;
  clientCert: string;
  clientKey: string;
  caCert: string;
}
export interface CorporateLive {
  baseUrl: string;
  apiKey: string;
  /** 32 bytes. */
  secretKey: Uint8Array;
}
export interface LedgerLive {
  baseUrl: string;
  apiKey: string;
  tenantId: string;
}
export interface PushpullLive {
  baseUrl: string;
  clientId: string;
  token: string;
}

/** `null` = not configured: the embedded sandbox serves this provider. */
export interface ProviderEndpoints {
  utgl: UtglLive | null;
  baas: BaasLive | null;
  corporate: CorporateLive | null;
  ledger: LedgerLive | null;
  pushpull: PushpullLive | null;
}

/** How client tokens are verified. */
export type AuthSettings =
  | {
      mode: 'verify';
      issuer: string;
      audience: string;
      algorithms: string[];
      jwksUrl?: string;
      publicKeyPem?: string;
    }
  /** Development only: tokens from `npm run token`, signed by a key kept in `keysDir`. */
  | { mode: 'development'; keysDir: string };

export interface Config {
  nodeEnv: string;
  production: boolean;
  auth: AuthSettings;
  /** The tenant each provider account belongs to. */
  providerTenants: Record<ProviderKey, string>;
  /** Serve introspection and the Apollo Sandbox landing page (on outside production). */
  introspection: boolean;
  /** Per-viewer request rate limit (token bucket). */
  rateLimit: { perSecond: number; burst: number };
  /** Card reveals: token lifetime and per-viewer rate. */
  reveal: { tokenTtlSeconds: number; perMinute: number };
  /** Where the audit trail is appended (JSON lines). */
  auditLogPath: string;
  /** Where mutation outcomes are kept by idempotency key (JSON lines, fsync'd). */
  idempotencyStorePath: string;
  port: number;
  host: string;
  logLevel: string;
  /** Overall budget of one GraphQL request; upstream calls get what remains. */
  requestDeadlineMs: number;
  upstream: UpstreamTimeouts;
  /** Latency every sandbox adds to each answer (for demos and the benchmark). */
  sandboxLatencyMs: number;
  providers: ProviderEndpoints;
  /** Ledger customers the gateway knows of (the provider cannot list them). */
  ledgerCustomerIds: string[];
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const read = reader(env);
  const nodeEnv = read.string('NODE_ENV', 'development');
  const production = nodeEnv === 'production';
  return {
    nodeEnv,
    production,
    auth: authSettings(read, production),
    providerTenants: providerTenants(read),
    introspection: read.bool('ENABLE_INTROSPECTION', !production),
    rateLimit: { perSecond: read.int('RATE_LIMIT_PER_SECOND', 50, 1, 100_000), burst: read.int('RATE_LIMIT_BURST', 100, 1, 100_000) },
    reveal: { tokenTtlSeconds: read.int('REVEAL_TOKEN_TTL_SECONDS', 120, 1, 300), perMinute: read.int('REVEAL_RATE_PER_MINUTE', 10, 1, 600) },
    auditLogPath: read.string('AUDIT_LOG_PATH', '.cardplane/audit.jsonl'),
    idempotencyStorePath: read.string('IDEMPOTENCY_STORE_PATH', '.cardplane/idempotency.jsonl'),
    port: read.int('PORT', 4000, 0, 65535),
    host: read.string('HOST', '0.0.0.0'),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    requestDeadlineMs: read.int('REQUEST_DEADLINE_MS', 10_000, 100, 120_000),
    upstream: {
      connectTimeoutMs: read.int('UPSTREAM_CONNECT_TIMEOUT_MS', 2_000, 10, 60_000),
      headersTimeoutMs: read.int('UPSTREAM_HEADERS_TIMEOUT_MS', 5_000, 10, 120_000),
      bodyTimeoutMs: read.int('UPSTREAM_BODY_TIMEOUT_MS', 5_000, 10, 120_000),
      maxRetries: read.int('UPSTREAM_MAX_RETRIES', 2, 0, 2),
      maxConcurrency: read.int('UPSTREAM_MAX_CONCURRENCY', 64, 1, 1024),
    },
    sandboxLatencyMs: read.int('SANDBOX_LATENCY_MS', 0, 0, 60_000),
    providers: {
      utgl: live(read, 'UTGL', ['UTGL_ACCESS_KEY', 'UTGL_PRIVATE_KEY'], () => ({
        baseUrl: read.baseUrl('UTGL_BASE_URL'),
        accessKey: read.required('UTGL_ACCESS_KEY'),
        privateKeyPem: read.rsaPrivateKey('UTGL_PRIVATE_KEY'),
      })),
      baas: live(read, 'BAAS', ['BAAS_API_KEY', 'BAAS_CLIENT_CERT', 'BAAS_CLIENT_KEY', 'BAAS_CA_CERT'], () => ({
        baseUrl: read.baseUrl('BAAS_BASE_URL'),
        apiKey: read.required('BAAS_API_KEY'),
        clientCert: read.pem('BAAS_CLIENT_CERT', 'CERTIFICATE'),
        clientKey: read.pem('BAAS_CLIENT_KEY', 'PRIVATE KEY'),
        caCert: read.pem('BAAS_CA_CERT', 'CERTIFICATE'),
      })),
      corporate: live(read, 'CORPORATE', ['CORPORATE_API_KEY', 'CORPORATE_SECRET_KEY'], () => ({
        baseUrl: read.baseUrl('CORPORATE_BASE_URL'),
        apiKey: read.required('CORPORATE_API_KEY'),
        secretKey: read.base64Key('CORPORATE_SECRET_KEY', 32),
      })),
      ledger: live(read, 'LEDGER', ['LEDGER_API_KEY', 'LEDGER_TENANT_ID'], () => ({
        baseUrl: read.baseUrl('LEDGER_BASE_URL'),
        apiKey: read.required('LEDGER_API_KEY'),
        tenantId: read.required('LEDGER_TENANT_ID'),
      })),
      pushpull: live(read, 'PUSHPULL', ['PUSHPULL_CLIENT_ID', 'PUSHPULL_TOKEN'], () => ({
        baseUrl: read.baseUrl('PUSHPULL_BASE_URL'),
        clientId: read.pattern('PUSHPULL_CLIENT_ID', /^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - or _'),
        token: read.required('PUSHPULL_TOKEN'),
      })),
    },
    ledgerCustomerIds: read.list('LEDGER_CUSTOMER_IDS', /^[A-Za-z0-9-]{1,64}$/),
  };
}

/** Asymmetric algorithms only: `none` and HMAC are never accepted. */
const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function authSettings(read: Reader, production: boolean): AuthSettings {
  const configured = ['AUTH_JWKS_URL', 'AUTH_PUBLIC_KEY', 'AUTH_ISSUER', 'AUTH_AUDIENCE'].some((v) => read.has(v));
  if (!configured) {
    if (production) throw new ConfigError('AUTH_JWKS_URL', 'or AUTH_PUBLIC_KEY, with AUTH_ISSUER and AUTH_AUDIENCE, is required when NODE_ENV=production');
    return { mode: 'development', keysDir: read.string('AUTH_DEV_KEYS_DIR', '.cardplane') };
  }
  const jwksUrl = read.has('AUTH_JWKS_URL') ? read.httpsUrl('AUTH_JWKS_URL', production) : undefined;
  const publicKeyPem = read.has('AUTH_PUBLIC_KEY') ? read.publicKey('AUTH_PUBLIC_KEY') : undefined;
  if (!jwksUrl && !publicKeyPem) throw new ConfigError('AUTH_JWKS_URL', 'or AUTH_PUBLIC_KEY is required to verify tokens');
  if (jwksUrl && publicKeyPem) throw new ConfigError('AUTH_PUBLIC_KEY', 'and AUTH_JWKS_URL are both set: choose one');
  const algorithms = read.list('AUTH_ALGORITHMS', /^[A-Za-z0-9]+$/);
  const bad = algorithms.find((a) => !ALLOWED_ALGORITHMS.includes(a));
  if (bad) throw new ConfigError('AUTH_ALGORITHMS', `has "${bad}": allowed are ${ALLOWED_ALGORITHMS.join(', ')}`);
  return {
    mode: 'verify',
    issuer: read.required('AUTH_ISSUER'),
    audience: read.required('AUTH_AUDIENCE'),
    algorithms: algorithms.length > 0 ? algorithms : ['RS256', 'ES256'],
    jwksUrl,
    publicKeyPem,
  };
}

/** The sandbox default puts the five provider accounts in two tenants. */
const DEFAULT_PROVIDER_TENANTS: Record<ProviderKey, string> = {
  utgl: 'acme',
  baas: 'acme',
  pushpull: 'acme',
  corporate: 'globex',
  ledger: 'globex',
};

function providerTenants(read: Reader): Record<ProviderKey, string> {
  const tenants = { ...DEFAULT_PROVIDER_TENANTS };
  for (const entry of read.list('PROVIDER_TENANTS', /^[a-z]+=[a-z0-9][a-z0-9-]{0,39}$/)) {
    const [provider, tenant] = entry.split('=') as [string, string];
    if (!isProviderKey(provider)) throw new ConfigError('PROVIDER_TENANTS', `names an unknown provider "${provider}"`);
    tenants[provider] = tenant;
  }
  return tenants;
}

function live<T>(read: Reader, name: string, credentials: string[], build: () => T): T | null {
  if (read.has(`${name}_BASE_URL`)) return build();
  const stray = credentials.find((v) => read.has(v));
  if (stray) throw new ConfigError(stray, `is set but ${name}_BASE_URL is not (set both to use the real provider, or neither for the sandbox)`);
  return null;
}

type Reader = ReturnType<typeof reader>;

function reader(env: Env) {
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const required = (name: string): string => {
    const value = raw(name);
    if (value === undefined) throw new ConfigError(name, 'is required');
    return value;
  };
  /** PEM read from one environment line may carry literal `\n`s. */
  const pemText = (name: string): string => required(name).replace(/\\n/g, '\n');
  return {
    has: (name: string) => raw(name) !== undefined,
    required,
    string: (name: string, fallback: string) => raw(name) ?? fallback,
    int(name: string, fallback: number, min: number, max: number): number {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
        throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${value}")`);
      }
      return Number(value);
    },
    oneOf(name: string, allowed: string[], fallback: string): string {
      const value = raw(name) ?? fallback;
      if (!allowed.includes(value)) throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
      return value;
    },
    pattern(name: string, re: RegExp, what: string): string {
      const value = required(name);
      if (!re.test(value)) throw new ConfigError(name, `must be ${what}`);
      return value;
    },
    baseUrl(name: string): string {
      const value = required(name);
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new ConfigError(name, `must be an absolute URL such as https://api.example.com (got "${value}")`);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(name, 'must use http or https');
      if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
        throw new ConfigError(name, "must be scheme, host and port only: the provider's path prefix belongs to the paths");
      }
      return url.origin;
    },
    rsaPrivateKey(name: string): string {
      const pem = pemText(name);
      try {
        const key = createPrivateKey(pem);
        if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
      } catch {
        throw new ConfigError(name, 'must be an RSA private key in PEM (PKCS#8 or PKCS#1)');
      }
      return pem;
    },
    bool(name: string, fallback: boolean): boolean {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (value !== 'true' && value !== 'false') throw new ConfigError(name, `must be true or false (got "${value}")`);
      return value === 'true';
    },
    httpsUrl(name: string, requireHttps: boolean): string {
      const value = required(name);
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new ConfigError(name, 'must be an absolute URL');
      }
      if (url.protocol !== 'https:' && (requireHttps || url.protocol !== 'http:')) throw new ConfigError(name, 'must use https');
      return url.toString();
    },
    publicKey(name: string): string {
      const pem = pemText(name);
      try {
        createPublicKey(pem);
      } catch {
        throw new ConfigError(name, 'must be a public key in PEM (SPKI)');
      }
      return pem;
    },
    pem(name: string, label: string): string {
      const pem = pemText(name);
      if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(pem)) throw new ConfigError(name, `must be a PEM ${label}`);
      return pem;
    },
    base64Key(name: string, bytes: number): Uint8Array {
      const value = required(name);
      const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
      if (decoded.length !== bytes) throw new ConfigError(name, `must be ${bytes} bytes, base64-encoded`);
      return new Uint8Array(decoded);
    },
    list(name: string, item: RegExp): string[] {
      const value = raw(name);
      if (value === undefined) return [];
      const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      const bad = items.find((s) => !item.test(s));
      if (bad !== undefined) throw new ConfigError(name, `has an invalid entry "${bad.slice(0, 64)}"`);
      return [...new Set(items)];
    },
  };
}

export function isSandboxed(config: Config, provider: ProviderKey): boolean {
  return config.providers[provider] === null;
}
