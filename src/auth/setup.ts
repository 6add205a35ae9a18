/** The token verifier the configuration asks for (real settings, or the development keys). */
import type { AuthSettings } from './settings.js';
import { DEV_ALGORITHM, DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys } from './dev-keys.js';
import { createVerifier, type VerifyToken } from './verifier.js';

export async function createTokenVerifier(auth: AuthSettings): Promise<VerifyToken> {
  if (auth.mode === 'verify') return createVerifier(auth);
  const keys = await ensureDevKeys(auth.keysDir);
  const { maxLifetimeSeconds, cacheSeconds } = auth;
  return createVerifier({
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    algorithms: [DEV_ALGORITHM],
    jwks: { keys: [keys.publicJwk] },
    maxLifetimeSeconds,
    cacheSeconds,
    renewalHint: 'get a new one with `npm run token -- --tenant <tenant>`',
  });
}
