/**
 * What a web or mobile client meets at the HTTP layer: CORS (preflight answered before
 * authentication, exact origins, headers exposed to scripts, no credentials unless
 * configured) and compression of large answers (brotli or gzip, by Accept-Encoding).
 * The real-browser proof of CORS is browser-cors.test.ts.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { CORS_ALLOWED_HEADERS, CORS_MAX_AGE_SECONDS } from '../../../src/http/cors.js';
import { COMPRESSION_THRESHOLD_BYTES } from '../../../src/http/answer-compression.js';
import { startTestGateway, type TestGateway } from '../../support/gateway.js';

const APP = 'https://app.example.com';

async function preflight(gw: TestGateway, origin: string, path = '/graphql') {
  return request(`${gw.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-request-id,traceparent' },
  });
}

describe('CORS with exact origins', () => {
  let gw: TestGateway;
  let token: string;
  beforeAll(async () => {
    gw = await startTestGateway({ CORS_ORIGINS: `${APP},https://admin.example.com/` });
    token = await gw.token();
  });
  afterAll(() => gw.close());

  it('answers an allowed origin’s preflight with 204 before authentication', async () => {
    const res = await preflight(gw, APP);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(String(res.headers['access-control-allow-methods']).split(',')).toEqual(expect.arrayContaining(['GET', 'POST']));
    const allowed = String(res.headers['access-control-allow-headers']).split(',');
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'apollo-require-preflight', 'x-request-id', 'traceparent']));
    expect(allowed).toEqual(CORS_ALLOWED_HEADERS);
    expect(res.headers['access-control-max-age']).toBe(String(CORS_MAX_AGE_SECONDS));
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toContain('Origin');
  });

  it('accepts an origin configured with a trailing slash, and covers /reveal too', async () => {
    expect((await preflight(gw, 'https://admin.example.com')).headers['access-control-allow-origin']).toBe('https://admin.example.com');
    expect((await preflight(gw, APP, '/reveal')).headers['access-control-allow-origin']).toBe(APP);
  });

  it('answers another origin’s preflight without permission (and without asking for a token)', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.net', 'http://app.example.com', 'http://localhost:3000']) {
      const res = await preflight(gw, origin);
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-headers']).toBeUndefined();
    }
  });

  it('lets scripts of an allowed origin read the request id', async () => {
    const res = await request(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ providers { provider } }' }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(String(res.headers['access-control-expose-headers']).split(',')).toContain('x-request-id');
    expect(res.headers['x-request-id']).toBeTruthy();
    await res.body.dump();
  });

  it('still requires a token for the request itself', async () => {
    const res = await request(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ providers { provider } }' }),
    });
    expect(res.statusCode).toBe(401);
    // The browser may read the refusal (and its code) since the origin is allowed.
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(((await res.body.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('CORS defaults and credentials', () => {
  it('allows localhost origins on any port in development when CORS_ORIGINS is unset', async () => {
    const gw = await startTestGateway();
    try {
      for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080']) {
        expect((await preflight(gw, origin)).headers['access-control-allow-origin']).toBe(origin);
      }
      expect((await preflight(gw, 'https://example.com')).headers['access-control-allow-origin']).toBeUndefined();
      expect((await preflight(gw, 'http://localhost.evil.net:5173')).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await gw.close();
    }
  });

  it('sends Access-Control-Allow-Credentials only when CORS_CREDENTIALS=true', async () => {
    const gw = await startTestGateway({ CORS_ORIGINS: APP, CORS_CREDENTIALS: 'true' });
    try {
      const res = await preflight(gw, APP);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-allow-origin']).toBe(APP);
    } finally {
      await gw.close();
    }
  });
});

describe('compression', () => {
  let gw: TestGateway;
  let token: string;
  beforeAll(async () => {
    gw = await startTestGateway();
    token = await gw.token();
  });
  afterAll(() => gw.close());

  const LARGE = '{ cards(first: 100) { nodes { id provider status maskedPan } } }';
  const SMALL = '{ providers { provider } }';

  async function post(query: string, acceptEncoding?: string) {
    const res = await request(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) },
      body: JSON.stringify({ query }),
    });
    return {
      encoding: res.headers['content-encoding'],
      vary: String(res.headers.vary ?? ''),
      cacheControl: res.headers['cache-control'],
      body: Buffer.from(await res.body.arrayBuffer()),
    };
  }

  it.each([
    ['br', 'br', brotliDecompressSync],
    ['gzip', 'gzip', gunzipSync],
    ['gzip, deflate, br', 'br', brotliDecompressSync],
  ])('compresses a large answer for Accept-Encoding: %s as %s', async (accept, expected, decompress) => {
    const plain = await post(LARGE);
    expect(plain.encoding).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(COMPRESSION_THRESHOLD_BYTES);
    const res = await post(LARGE, accept);
    expect(res.encoding).toBe(expected);
    expect(res.vary).toContain('Accept-Encoding');
    expect(res.body.length).toBeLessThan(plain.body.length / 2);
    const data = JSON.parse(decompress(res.body).toString('utf8')) as { data: { cards: { nodes: unknown[] } } };
    expect(data.data.cards.nodes).toHaveLength(100);
  });

  it('leaves an answer below the threshold as it is', async () => {
    const res = await post(SMALL, 'br, gzip');
    expect(res.body.length).toBeLessThan(COMPRESSION_THRESHOLD_BYTES);
    expect(res.encoding).toBeUndefined();
    expect(JSON.parse(res.body.toString('utf8')).data.providers.length).toBeGreaterThan(0);
  });

  it('marks every GraphQL answer, small or compressed, as not to be cached', async () => {
    expect((await post(SMALL)).cacheControl).toBe('no-store');
    expect((await post(LARGE, 'br')).cacheControl).toBe('no-store');
    expect((await post('{ cards(first: 1) { nodes { nope } } }')).cacheControl).toBe('no-store');
  });
});
