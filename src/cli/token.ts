/**
 * `npm run token -- --tenant acme --scopes cards:read,cardholders:read --hours 8`
 * Prints a development token the gateway accepts when it runs without AUTH_* settings
 * (`npm start`). It refuses in production: real tokens come from your identity provider.
 */
import { parseArgs } from 'node:util';
import { importJWK, SignJWT } from 'jose';
import { ALL_SCOPES, isScope } from '../core/viewer.js';
import { DEV_ALGORITHM, DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys } from '../auth/dev-keys.js';

async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production') throw new Error('development tokens are not available in production');
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string', default: 'acme' },
      scopes: { type: 'string', default: ALL_SCOPES.join(',') },
      subject: { type: 'string', default: 'developer' },
      hours: { type: 'string', default: '8' },
    },
  });
  const scopes = values.scopes!.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.find((s) => !isScope(s));
  if (unknown) throw new Error(`unknown scope "${unknown}"; known: ${ALL_SCOPES.join(', ')}`);
  const hours = Number(values.hours);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24) throw new Error('--hours must be between 0 and 24');
  const keys = await ensureDevKeys(process.env.AUTH_DEV_KEYS_DIR ?? '.cardplane');
  const token = await new SignJWT({ tenant: values.tenant, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: DEV_ALGORITHM, kid: keys.kid, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(values.subject!)
    .setIssuedAt()
    .setExpirationTime(`${hours}h`)
    .sign(await importJWK(keys.privateJwk, DEV_ALGORITHM));
  console.log(token);
}

main().catch((error: unknown) => {
  console.error(`token: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
