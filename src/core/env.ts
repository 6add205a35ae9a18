/**
 * Reading settings from the environment: typed readers whose every failure is a ConfigError
 * naming the variable, so a bad setting stops start-up with one clear line.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export type Reader = ReturnType<typeof reader>;

export function reader(env: Env) {
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
  const has = (name: string) => raw(name) !== undefined;
  return {
    has,
    /**
     * A provider's endpoint: built when `<PREFIX>_BASE_URL` is set, `null` when it is not (the
     * sandbox serves it outside production); one of its credentials set without the base URL is
     * a mistake worth stopping for.
     */
    endpoint<T>(prefix: string, credentials: string[], build: () => T): T | null {
      if (has(`${prefix}_BASE_URL`)) return build();
      const stray = credentials.find(has);
      if (stray) throw new ConfigError(stray, `is set but ${prefix}_BASE_URL is not (set both to use the real provider, or neither for the sandbox)`);
      return null;
    },
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
    /**
     * One or more PEM certificates (a CA may be a bundle), each parsed now: a malformed one
     * stops start-up naming the variable, instead of failing every call later.
     */
    certificates(name: string): { pem: string; certificates: X509Certificate[] } {
      const pem = pemText(name);
      const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
      if (blocks.length === 0) throw new ConfigError(name, 'must be a PEM CERTIFICATE');
      try {
        return { pem, certificates: blocks.map((block) => new X509Certificate(block)) };
      } catch {
        throw new ConfigError(name, 'must be a PEM CERTIFICATE: it does not parse as X.509');
      }
    },
    /** A PEM private key, parsed now (never echoed). */
    privateKeyPem(name: string): { pem: string; key: KeyObject } {
      const pem = pemText(name);
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new ConfigError(name, 'must be a PEM PRIVATE KEY');
      try {
        return { pem, key: createPrivateKey(pem) };
      } catch {
        throw new ConfigError(name, 'must be a PEM PRIVATE KEY: it does not parse');
      }
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
