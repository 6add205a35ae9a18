/**
 * Persisted queries at the protocol level: automatic persisted queries (ids registered by
 * sending the text once), the protocol's own PERSISTED_QUERY_NOT_FOUND / _NOT_SUPPORTED codes
 * kept as they are, and the production safelist (PERSISTED_QUERIES=only) that runs only the
 * operations of the manifest GraphQL Code Generator wrote from the client documents.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { CardsPageDocument } from '../../../examples/client/generated/graphql.js';
import { SAFELIST_REFUSAL, sha256Hex } from '../../../src/graphql/persisted-queries.js';
import { startTestGateway, type TestGateway, upstreamCalls } from '../../support/gateway.js';

const MANIFEST = join(__dirname, '..', '..', '..', 'examples', 'client', 'generated', 'persisted-documents.json');
const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
const CARDS_PAGE_ID = (CardsPageDocument as { __meta__?: { hash: string } }).__meta__!.hash;
const ANY_QUERY = '{ providers { provider } }';

async function post(gw: TestGateway, body: Record<string, unknown>) {
  const res = await request(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await gw.token()}` },
    body: JSON.stringify(body),
  });
  const json = (await res.body.json()) as { data?: any; errors?: Array<{ message: string; extensions: Record<string, unknown> }> };
  return { status: res.statusCode, data: json.data ?? null, errors: json.errors };
}

const byId = (id: string, variables: Record<string, unknown> = {}) => ({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: id } } });


describe('automatic persisted queries (the default)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  it('answers an unknown id with the protocol’s PERSISTED_QUERY_NOT_FOUND, then runs it once the text was sent', async () => {
    const id = sha256Hex(ANY_QUERY);
    const unknown = await post(gw, byId(id));
    expect(unknown.status).toBe(200);
    expect(unknown.errors).toEqual([
      { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', retryable: false, requestId: expect.any(String) } },
    ]);
    const registered = await post(gw, { query: ANY_QUERY, ...byId(id) });
    expect(registered.errors).toBeUndefined();
    const again = await post(gw, byId(id));
    expect(again.errors).toBeUndefined();
    expect(again.data.providers.length).toBeGreaterThan(0);
  });

  it('refuses text sent under an id that is not its SHA-256', async () => {
    const res = await post(gw, { query: ANY_QUERY, ...byId(sha256Hex('something else')) });
    expect(res.status).toBe(400);
    expect(res.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('PERSISTED_QUERIES=off', () => {
  it('answers an id with the protocol’s PERSISTED_QUERY_NOT_SUPPORTED and still runs text', async () => {
    const gw = await startTestGateway({ PERSISTED_QUERIES: 'off' });
    try {
      const res = await post(gw, byId(sha256Hex(ANY_QUERY)));
      expect(res.errors![0]!.extensions).toEqual({ code: 'PERSISTED_QUERY_NOT_SUPPORTED', retryable: false, requestId: expect.any(String) });
      expect((await post(gw, { query: ANY_QUERY })).errors).toBeUndefined();
    } finally {
      await gw.close();
    }
  });
});

describe('PERSISTED_QUERIES=only (the safelist)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ PERSISTED_QUERIES: 'only', PERSISTED_QUERIES_MANIFEST: MANIFEST });
  });
  afterAll(() => gw.close());

  it('holds every operation of schema/examples.graphql, each under the SHA-256 of its text', () => {
    expect(Object.keys(manifest).length).toBeGreaterThanOrEqual(8);
    for (const [id, document] of Object.entries(manifest)) expect(sha256Hex(document)).toBe(id);
    expect(manifest[CARDS_PAGE_ID]).toMatch(/^query CardsPage/);
  });

  it('runs a generated document sent as its id alone', async () => {
    const res = await post(gw, { operationName: 'CardsPage', ...byId(CARDS_PAGE_ID, { first: 3 }) });
    expect(res.errors).toBeUndefined();
    expect(res.data.cards.edges).toHaveLength(3);
  });

  it('runs the manifest’s own text too', async () => {
    const res = await post(gw, { query: manifest[CARDS_PAGE_ID], variables: { first: 2 } });
    expect(res.errors).toBeUndefined();
    expect(res.data.cards.edges).toHaveLength(2);
  });

  it.each([
    ['any other text', { query: '{ cards(first: 100) { nodes { id } } }' }],
    ['other text with its own valid id (no registering)', { query: ANY_QUERY, ...byId(sha256Hex(ANY_QUERY)) }],
    ['an id the manifest does not hold', byId(sha256Hex(ANY_QUERY))],
  ])('refuses %s with PERSISTED_QUERY_NOT_FOUND, calling no provider', async (_what, body) => {
    for (const server of Object.values(gw.sandboxes.servers)) server?.resetRequests();
    const res = await post(gw, body);
    expect(res.data).toBeNull();
    expect(res.errors).toEqual([{ message: SAFELIST_REFUSAL, extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', retryable: false, requestId: expect.any(String) } }]);
    expect(upstreamCalls(gw)).toBe(0);
    // Refused text never became runnable by id.
    expect((await post(gw, byId(sha256Hex(ANY_QUERY)))).errors![0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});
