/**
 * `npm run token -- --tenant acme --scopes "cards:read cardholders:read" --hours 8`
 * Prints a development token the gateway accepts when it runs without AUTH_* settings
 * (`npm start`): the token alone on stdout, every other word on stderr, so
 * `TOKEN=$(npm run token -- --tenant acme)` works. Scopes may be separated by commas or
 * spaces. A tenant that owns no provider (PROVIDER_TENANTS, or the sandbox default) is refused,
 * naming the known ones. It refuses in production: real tokens come from your identity provider.
 */
import { parseArgs } from 'node:util';
import { importJWK, SignJWT } from 'jose';
import { ALL_SCOPES, isScope } from '../core/viewer.js';
import { DEV_ALGORITHM, DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys } from '../auth/dev-keys.js';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from '../auth/verifier.js';
import { knownTenants, loadConfig } from '../config.js';
import { loadDotEnv } from './dotenv.js';

const USAGE = 'usage: npm run token -- [--tenant acme] [--scopes "cards:read cardholders:read"] [--subject developer] [--hours 8]';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig(process.env);
  if (config.production) throw new Error('development tokens are not available in production');
  if (config.auth.mode !== 'development') {
    throw new Error('the gateway is configured with AUTH_* settings: it accepts only tokens from that identity provider, not development tokens');
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string', default: 'acme' },
      scopes: { type: 'string', default: ALL_SCOPES.join(',') },
      subject: { type: 'string', default: 'developer' },
      hours: { type: 'string', default: '8' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\nscopes: ${ALL_SCOPES.join(', ')}\n`);
    return;
  }
  const tenants = knownTenants(config);
  if (!tenants.includes(values.tenant!)) {
    throw new Error(`unknown tenant "${values.tenant}"; known tenants (PROVIDER_TENANTS): ${tenants.join(', ')}`);
  }
  // `--scopes a,b`, `--scopes "a b"` and `--scopes a b` (the shell splits it) all mean a and b.
  const scopes = [...new Set([values.scopes!, ...positionals].flatMap((s) => s.split(/[\s,]+/)).filter(Boolean))];
  const unknown = scopes.find((s) => !isScope(s));
  if (unknown) throw new Error(`unknown scope "${unknown}"; known: ${ALL_SCOPES.join(', ')}`);
  const hours = Number(values.hours);
  // The gateway refuses a token living longer than AUTH_MAX_TOKEN_LIFETIME_SECONDS (default 24 h).
  const maxHours = (config.auth.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS) / 3600;
  if (!Number.isFinite(hours) || hours <= 0 || hours > maxHours) throw new Error(`--hours must be more than 0 and at most ${maxHours}`);
  const keys = await ensureDevKeys(config.auth.keysDir);
  const token = await new SignJWT({ tenant: values.tenant, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: DEV_ALGORITHM, kid: keys.kid, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(values.subject!)
    .setIssuedAt()
    .setExpirationTime(`${hours}h`)
    .sign(await importJWK(keys.privateJwk, DEV_ALGORITHM));
  process.stderr.write(`token: tenant ${values.tenant}, scopes ${scopes.join(' ')}, valid ${hours} h\n`);
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(1);
});
