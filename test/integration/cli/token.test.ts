/**
 * `npm run token` as a developer uses it: the launcher (scripts/token.cjs) compiles only when
 * the build is older than the sources, the token alone goes to stdout (so `TOKEN=$(…)` works,
 * through npm too: the project's .npmrc sends npm's script banner to stderr),
 * scopes may be separated by commas or spaces, and a misspelt tenant is refused with the
 * known ones listed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';

const root = join(__dirname, '..', '..', '..');
const keysDir = mkdtempSync(join(tmpdir(), 'cardplane-token-'));
afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

function token(args: string[], env: Record<string, string> = {}) {
  // Only what the tool reads: no AUTH_* or NODE_ENV leaking in from the test runner.
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'token.cjs'), ...args], {
    cwd: keysDir,
    env: { PATH: process.env.PATH!, AUTH_DEV_KEYS_DIR: keysDir, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run token', () => {
  beforeAll(() => {
    // The first run compiles when dist/ is stale; every later run starts the compiled CLI.
    expect(token(['--tenant', 'acme']).status).toBe(0);
  }, 120_000);

  it('prints the token alone on stdout, without compiling again when the build is current', () => {
    const { status, stdout, stderr } = token(['--tenant', 'globex', '--scopes', 'cards:read']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(stderr).not.toContain('compiling');
    expect(decodeJwt(stdout.trim())).toMatchObject({ tenant: 'globex', scope: 'cards:read', iss: 'cardplane-dev' });
  });

  it.each([
    [['--scopes', 'cards:read,cardholders:read']],
    [['--scopes', 'cards:read cardholders:read']],
    [['--scopes', 'cards:read, cardholders:read']],
    [['--scopes', 'cards:read', 'cardholders:read']],
  ])('accepts scopes %j', (args) => {
    const { status, stdout } = token(['--tenant', 'acme', ...args]);
    expect(status).toBe(0);
    expect(decodeJwt(stdout.trim()).scope).toBe('cards:read cardholders:read');
  });

  it('refuses an unknown tenant, listing the known ones (PROVIDER_TENANTS or the default)', () => {
    const misspelt = token(['--tenant', 'acmee']);
    expect(misspelt.status).toBe(1);
    expect(misspelt.stdout).toBe('');
    expect(misspelt.stderr).toContain('unknown tenant "acmee"; known tenants (PROVIDER_TENANTS): acme, globex');
    const configured = token(['--tenant', 'globex'], { PROVIDER_TENANTS: 'corporate=initech,ledger=initech' });
    expect(configured.stderr).toContain('known tenants (PROVIDER_TENANTS): acme, initech');
  });

  it('prints only the token on stdout through `npm run token`, exactly as the README shows, banner and all', () => {
    // From the project (its .npmrc applies), with npm's own environment and no `-s`.
    const run = (args: string[]) =>
      spawnSync('npm', ['run', 'token', '--', ...args], {
        cwd: root,
        env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? keysDir, AUTH_DEV_KEYS_DIR: keysDir },
        encoding: 'utf8',
      });
    const ok = run(['--tenant', 'acme']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(decodeJwt(ok.stdout.trim())).toMatchObject({ tenant: 'acme', iss: 'cardplane-dev' });
    // npm's banner is still written, to stderr.
    expect(ok.stderr).toContain('> cardplane@');
    // A refusal still says why on stderr, fails, and leaves no token on stdout.
    const refused = run(['--tenant', 'acmee']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('unknown tenant "acmee"');
    expect(refused.stdout).not.toMatch(/[\w-]+\.[\w-]+\.[\w-]+/);
  });

  it('refuses an unknown scope and production', () => {
    expect(token(['--scopes', 'cards:read cards:delete']).stderr).toContain('unknown scope "cards:delete"');
    expect(token([], { NODE_ENV: 'production' }).status).toBe(1);
  });
});
