import { createHash, generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { requestTokenSigner, TOKEN_LIFETIME_S } from '../../../../src/providers/utgl/request-token.js';

describe('utgl request tokens', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sign = requestTokenSigner('ak_test_1', privateKey);

  it('is an RS256 JWT for the access key that a standard verifier accepts, binding path, method and body', async () => {
    const body = Buffer.from('{"amount":"1.00"}');
    const token = await sign({ method: 'POST', pathWithQuery: '/v1/transfers?x=1', body });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'ak_test_1' });
    const { payload } = await jwtVerify(token, publicKey, { algorithms: ['RS256'], subject: 'ak_test_1' });
    expect(payload).toMatchObject({ uri: '/v1/transfers?x=1', method: 'POST', body_sha256: createHash('sha256').update(body).digest('hex') });
    expect(payload.exp! - payload.iat!).toBe(TOKEN_LIFETIME_S);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
  });

  it('hashes an absent body as the empty string, and never repeats a jti', async () => {
    const tokens = await Promise.all([1, 2].map(() => sign({ method: 'GET', pathWithQuery: '/v1/cards?limit=5' })));
    const payloads = await Promise.all(tokens.map(async (t) => (await jwtVerify(t, publicKey)).payload));
    for (const p of payloads) expect(p.body_sha256).toBe(createHash('sha256').update('').digest('hex'));
    expect(payloads[0]!.jti).not.toBe(payloads[1]!.jti);
  });

  it('is refused by a verifier holding another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    await expect(jwtVerify(await sign({ method: 'GET', pathWithQuery: '/v1/cards' }), other)).rejects.toThrow(/signature/);
  });
});
