/**
 * Development signing keys. With no verification settings (and not in production), the
 * gateway trusts tokens signed by a key generated on first use and kept in a local,
 * git-ignored file, so `npm run token` can mint tokens the running gateway accepts. Never
 * used in production: config refuses to start there without real verification settings.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export const DEV_ISSUER = 'cardplane-dev';
export const DEV_AUDIENCE = 'cardplane';
export const DEV_ALGORITHM = 'ES256';

export interface DevKeys {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function ensureDevKeys(dir: string): Promise<DevKeys> {
  const file = join(dir, 'dev-auth.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevKeys;
  const { privateKey, publicKey } = await generateKeyPair(DEV_ALGORITHM, { extractable: true });
  const kid = `dev-${Date.now().toString(36)}`;
  const keys: DevKeys = { kid, privateJwk: { ...(await exportJWK(privateKey)), kid }, publicJwk: { ...(await exportJWK(publicKey)), kid } };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}
