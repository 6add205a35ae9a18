import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createVerifier, type VerifierSettings } from '../../../src/auth/verifier.js';
import { loadConfig } from '../../../src/config.js';

describe('the token verifier: issue time, lifetime and memory', () => {
  let privateKey: CryptoKey;
  let publicKeyPem: string;
  let clock: number;
  beforeAll(async () => {
    const keys = await generateKeyPair('ES256');
    privateKey = keys.privateKey;
    publicKeyPem = await exportSPKI(keys.publicKey);
  });
  beforeEach(() => {
    clock = Date.UTC(2026, 10, 30, 12, 0, 0);
  });

  const nowSeconds = () => Math.floor(clock / 1000);
  const verifier = (overrides: Partial<VerifierSettings> = {}) =>
    createVerifier({ issuer: 'i', audience: 'a', algorithms: ['ES256'], publicKeyPem, ...overrides }, () => clock);

  async function token(claims: { iat?: number; exp: number }): Promise<string> {
    const jwt = new SignJWT({ tenant: 'acme', scope: 'cards:read' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('i').setAudience('a').setSubject('s');
    if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
    return jwt.setExpirationTime(claims.exp).sign(privateKey);
  }

  it('refuses a token issued in the future beyond the clock tolerance', async () => {
    const verify = verifier();
    const future = await token({ iat: nowSeconds() + 60, exp: nowSeconds() + 600 });
    await expect(verify(`Bearer ${future}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'The token was issued in the future (its iat claim is later than now)' });
  });

  it('accepts a token issued within the clock tolerance ahead of the gateway', async () => {
    const verify = verifier();
    const skewed = await token({ iat: nowSeconds() + 3, exp: nowSeconds() + 600 });
    expect((await verify(`Bearer ${skewed}`)).subject).toBe('s');
  });

  it('refuses a token whose lifetime (exp - iat) exceeds 24 hours by default', async () => {
    const verify = verifier();
    const century = await token({ iat: nowSeconds(), exp: nowSeconds() + 100 * 365 * 86_400 });
    await expect(verify(`Bearer ${century}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('the longest lifetime accepted is 86400 seconds') });
    const day = await token({ iat: nowSeconds(), exp: nowSeconds() + 86_400 });
    expect((await verify(`Bearer ${day}`)).tenant).toBe('acme');
  });

  it('refuses a token without iat whose remaining validity exceeds the maximum lifetime', async () => {
    const verify = verifier({ maxLifetimeSeconds: 3600 });
    const long = await token({ exp: nowSeconds() + 7200 });
    await expect(verify(`Bearer ${long}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('the longest lifetime accepted is 3600 seconds') });
    const short = await token({ exp: nowSeconds() + 1800 });
    expect((await verify(`Bearer ${short}`)).subject).toBe('s');
  });

  it('refuses a token back-dated to pass the lifetime check only once it has expired', async () => {
    // iat far in the past keeps exp - iat small, but then exp is in the past too.
    const verify = verifier({ maxLifetimeSeconds: 3600 });
    const old = await token({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 });
    await expect(verify(`Bearer ${old}`)).rejects.toMatchObject({ message: 'The token has expired' });
  });

  it('remembers a verified token at most the configured cache time, even if it expires later', async () => {
    const verify = verifier({ cacheSeconds: 300, maxLifetimeSeconds: 86_400 });
    let verifications = 0;
    const counting = createVerifier(
      { issuer: 'i', audience: 'a', algorithms: ['ES256'], publicKeyPem, cacheSeconds: 300 },
      () => {
        verifications += 1;
        return clock;
      },
    );
    const jwt = await token({ iat: nowSeconds(), exp: nowSeconds() + 3600 });
    await verify(`Bearer ${jwt}`);
    await counting(`Bearer ${jwt}`);
    const afterFirst = verifications;
    clock += 299_000;
    await counting(`Bearer ${jwt}`);
    // From memory: one clock read for the expiry check, no full verification.
    expect(verifications - afterFirst).toBe(1);
    clock += 2_000;
    await counting(`Bearer ${jwt}`);
    // Past the cache time: verified again (jose's currentDate, the lifetime check, the cache entry).
    expect(verifications - afterFirst).toBeGreaterThan(2);
    expect((await verify(`Bearer ${jwt}`)).subject).toBe('s');
  });

  it('still refuses a remembered token once it has expired', async () => {
    const verify = verifier({ cacheSeconds: 300 });
    const jwt = await token({ iat: nowSeconds(), exp: nowSeconds() + 60 });
    await verify(`Bearer ${jwt}`);
    clock += 61_000;
    await expect(verify(`Bearer ${jwt}`)).rejects.toMatchObject({ message: 'The token has expired' });
  });
});

describe('token policy settings', () => {
  it('defaults to a 24 h maximum lifetime and 5 min in memory', () => {
    expect(loadConfig({}).auth).toMatchObject({ maxLifetimeSeconds: 86_400, cacheSeconds: 300 });
  });

  it('reads AUTH_MAX_TOKEN_LIFETIME_SECONDS and AUTH_TOKEN_CACHE_SECONDS, refusing nonsense naming the variable', () => {
    expect(loadConfig({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600', AUTH_TOKEN_CACHE_SECONDS: '0' }).auth).toMatchObject({ maxLifetimeSeconds: 3600, cacheSeconds: 0 });
    expect(() => loadConfig({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: 'forever' })).toThrow('AUTH_MAX_TOKEN_LIFETIME_SECONDS');
    expect(() => loadConfig({ AUTH_TOKEN_CACHE_SECONDS: '86400' })).toThrow('AUTH_TOKEN_CACHE_SECONDS');
  });
});
