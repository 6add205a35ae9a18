import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, importJWK, SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys } from '../../../src/auth/dev-keys.js';
import { createTokenVerifier } from '../../../src/auth/setup.js';
import { createVerifier } from '../../../src/auth/verifier.js';
import { Scope } from '../../../src/core/viewer.js';

describe('development tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cardplane-dev-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are minted with the stored key and accepted by a gateway in development mode', async () => {
    const keys = await ensureDevKeys(dir);
    expect(statSync(join(dir, 'dev-auth.json')).mode & 0o077).toBe(0);
    expect(await ensureDevKeys(dir)).toEqual(keys);
    const token = await new SignJWT({ tenant: 'globex', scope: 'cards:read cards:reveal unknown:scope' })
      .setProtectedHeader({ alg: 'ES256', kid: keys.kid })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject('dev')
      .setExpirationTime('1h')
      .sign(await importJWK(keys.privateJwk, 'ES256'));
    const verify = await createTokenVerifier({ mode: 'development', keysDir: dir });
    const viewer = await verify(`Bearer ${token}`);
    expect(viewer).toEqual({ subject: 'dev', tenant: 'globex', scopes: new Set([Scope.CARDS_READ, Scope.CARDS_REVEAL]) });
  });

  it('say how to get a new one once expired', async () => {
    const keys = await ensureDevKeys(dir);
    const expired = await new SignJWT({ tenant: 'acme', scope: 'cards:read' })
      .setProtectedHeader({ alg: 'ES256', kid: keys.kid })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject('dev')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(await importJWK(keys.privateJwk, 'ES256'));
    const verify = await createTokenVerifier({ mode: 'development', keysDir: dir });
    await expect(verify(`Bearer ${expired}`)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'The token has expired; get a new one with `npm run token -- --tenant <tenant>`',
    });
  });
});

describe('the bearer scheme', () => {
  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('is accepted as "%s"', async (scheme) => {
    const keys = await generateKeyPair('ES256');
    const verify = createVerifier({ issuer: 'i', audience: 'a', algorithms: ['ES256'], publicKeyPem: await exportSPKI(keys.publicKey) });
    const token = await new SignJWT({ tenant: 'acme', scope: 'cards:read' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('i').setAudience('a').setSubject('s').setExpirationTime('1m').sign(keys.privateKey);
    expect((await verify(`${scheme} ${token}`)).tenant).toBe('acme');
    await expect(verify(`Basic ${token}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('the token verifier cache', () => {
  it('answers a verified token from memory until its expiry, then refuses it', async () => {
    const keys = await generateKeyPair('ES256');
    let clock = Date.now();
    const verify = createVerifier({ issuer: 'i', audience: 'a', algorithms: ['ES256'], publicKeyPem: await exportSPKI(keys.publicKey) }, () => clock);
    const exp = Math.floor(clock / 1000) + 60;
    const token = await new SignJWT({ tenant: 'acme', scope: 'cards:read' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('i').setAudience('a').setSubject('s').setExpirationTime(exp).sign(keys.privateKey);
    expect((await verify(`Bearer ${token}`)).tenant).toBe('acme');
    expect((await verify(`Bearer ${token}`)).subject).toBe('s');
    clock = exp * 1000 + 1;
    await expect(verify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'The token has expired' });
  });
});
