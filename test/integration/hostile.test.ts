/**
 * Hostile input: every malformed, oversized, abusive or injection-like request gets a typed
 * error, nothing is sent upstream for it, and the gateway stays healthy afterwards.
 */
import { resetSandboxes, startTestGateway, type TestGateway, upstreamCalls } from '../support/gateway.js';
import { PROVIDER_KEYS } from '../../src/core/provider-key.js';
import type { ProviderEndpoints } from '../../src/providers/catalog.js';
import { startSandboxes, type RunningSandboxes } from '../../src/providers/sandboxes.js';
import { startupBanner } from '../../src/app.js';
import { endpointEnvironment } from '../../bench/environment.js';


describe('hostile input', () => {
  let gw: TestGateway;
  let auth: string;
  beforeAll(async () => {
    gw = await startTestGateway({ RATE_LIMIT_BURST: '10000' });
    auth = `Bearer ${await gw.token()}`;
  });
  afterAll(() => gw.close());
  beforeEach(() => resetSandboxes(gw));
  afterEach(async () => {
    expect(upstreamCalls(gw)).toBe(0);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });

  async function post(body: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth, ...headers }, body });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, requestId: res.headers.get('x-request-id') };
  }

  function expectTyped(res: { status: number; json: any; requestId: string | null }, code = 'BAD_USER_INPUT') {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.json.errors[0].extensions).toMatchObject({ code, retryable: false, requestId: res.requestId });
  }

  it('malformed JSON', async () => {
    expectTyped(await post('{"query": "{ providers { provider } }"'));
  });

  it('a JSON body that is not an operation', async () => {
    expectTyped(await post('"just a string"'));
    expectTyped(await post('{"query": 42}'));
  });

  it('batched operations (off)', async () => {
    expectTyped(await post(JSON.stringify([{ query: '{ providers { provider } }' }, { query: '{ providers { provider } }' }])));
  });

  it('a body over 100 kB', async () => {
    const res = await post(JSON.stringify({ query: `{ providers { provider } } # ${'x'.repeat(120_000)}` }));
    expect(res.status).toBe(413);
    expectTyped(res);
  });

  it('a content type that is not JSON (CSRF prevention)', async () => {
    const res = await post('query={providers{provider}}', { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('"data"');
  });

  it('a GET without a preflight-forcing header (CSRF prevention)', async () => {
    const res = await fetch(`${gw.url}/graphql?query=${encodeURIComponent('{ providers { provider } }')}`, { headers: { authorization: auth } });
    expect(res.status).toBe(400);
  });

  it('deep nesting', async () => {
    let selection = 'id';
    for (let i = 0; i < 12; i += 1) selection = `cardholder { cards { nodes { ${selection} } } }`;
    const res = await post(JSON.stringify({ query: `{ cards { nodes { ${selection} } } }` }));
    expectTyped(res);
    expect(res.json.errors[0].extensions.limit).toBe('depth');
  });

  it('an alias bomb', async () => {
    // 60 aliases: past the alias limit (30) while under the token limit.
    const aliases = Array.from({ length: 60 }, (_, i) => `a${i}: providers { provider }`).join(' ');
    const res = await post(JSON.stringify({ query: `{ ${aliases} }` }));
    expectTyped(res);
    expect(res.json.errors[0].extensions.limit).toBe('aliases');
  });

  it('a field-duplication bomb (refused for its fields, before validation)', async () => {
    const fields = Array.from({ length: 300 }, () => 'wallet { id }').join(' ');
    const res = await post(JSON.stringify({ query: `{ cards(first: 100) { nodes { ${fields} } } }` }));
    expectTyped(res);
    expect(res.json.errors[0].extensions).toMatchObject({ limit: 'fields', max: 150, actual: 602 });
  });

  it('a document within the field limits that costs too much', async () => {
    const res = await post(JSON.stringify({ query: '{ cards(first: 100) { nodes { wallet { cards(first: 100) { nodes { id } } } } } }' }));
    expectTyped(res);
    expect(res.json.errors[0].extensions.limit).toBe('cost');
  });

  it('a directive bomb', async () => {
    const directives = Array.from({ length: 100 }, () => '@include(if: true)').join(' ');
    const res = await post(JSON.stringify({ query: `{ providers ${directives} { provider } }` }));
    expectTyped(res);
  });

  it('a token bomb', async () => {
    const res = await post(JSON.stringify({ query: `{ providers { ${'provider '.repeat(3000)} } }` }));
    expectTyped(res);
  });

  it('a subscription operation over HTTP gets a typed error naming graphql-ws, without a stack trace in the logs', async () => {
    const before = gw.logLines().length;
    const overWs = 'subscriptions are not served over HTTP: subscribe over WebSocket on /graphql with the graphql-ws protocol (graphql-transport-ws)';
    for (const query of ['subscription { __typename }', 'subscription S($id: ID!) { cardUpdated(id: $id) { id } }']) {
      const { status, json } = await post(JSON.stringify({ query, variables: { id: 'x' } }));
      expect(status).toBe(400);
      // (graphql-js's own rules may add theirs, e.g. no introspection field at a subscription's root.)
      expect(json.errors).toContainEqual(expect.objectContaining({ message: overWs, extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', retryable: false }) }));
    }
    const logged = gw.logLines().slice(before).join('\n');
    expect(logged).not.toMatch(/"stack"|INTERNAL_SERVER_ERROR|unexpected error/);
  });

  it('unknown fields get no suggestions that would map the schema', async () => {
    const res = await post(JSON.stringify({ query: '{ cards { nodes { pa } } }' }));
    expectTyped(res);
    expect(res.json.errors[0].message).not.toMatch(/Did you mean/);
  });

  const INJECTIONS = ["' OR 1=1 --", '../../etc/passwd', '<script>alert(1)</script>', '${jndi:ldap://x}', '%00', 'a'.repeat(5000), '{"$gt": ""}'];

  it.each(INJECTIONS)('injection-like string %# in every id and cursor argument', async (value) => {
    const operations: Array<[string, Record<string, unknown>]> = [
      ['query($v: ID!) { card(id: $v) { id } }', { v: value }],
      ['query($v: ID!) { cardholder(id: $v) { id } }', { v: value }],
      ['query($v: ID!) { wallet(id: $v) { id } }', { v: value }],
      ['query($v: ID!) { node(id: $v) { id } }', { v: value }],
      ['query($v: ID!) { nodes(ids: [$v]) { id } }', { v: value }],
      ['query($v: String) { cards(after: $v) { nodes { id } } }', { v: value }],
      ['query($v: String) { transactions(after: $v, filter: { provider: UTGL }) { nodes { id } } }', { v: value }],
      ['query($v: ID) { cards(filter: { cardholderId: $v }) { nodes { id } } }', { v: value }],
      ['query($v: ID) { transactions(filter: { cardId: $v }) { nodes { id } } }', { v: value }],
      ['mutation($v: ID!) { revealCard(cardId: $v) { token } }', { v: value }],
    ];
    for (const [query, variables] of operations) {
      const res = await post(JSON.stringify({ query, variables }));
      expect(res.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(JSON.stringify(res.json)).not.toContain('<script>');
    }
  });
});

describe('per-viewer rate limit', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ RATE_LIMIT_BURST: '3', RATE_LIMIT_PER_SECOND: '1' });
  });
  afterAll(() => gw.close());

  it('answers RATE_LIMITED with Retry-After past the burst, per viewer', async () => {
    const alice = { authorization: `Bearer ${await gw.token({ subject: 'alice' })}` };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await gw.query('{ providers { provider } }', {}, alice)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await gw.query('{ providers { provider } }', {}, alice);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 1 });
    const bob = await gw.query('{ providers { provider } }', {}, { authorization: `Bearer ${await gw.token({ subject: 'bob' })}` });
    expect(bob.status).toBe(200);
  });
});

describe('production mode', () => {
  let gw: TestGateway;
  // Production never simulates: the "real" utgl and pushpull here are simulators started
  // outside the gateway, configured by their <NAME>_BASE_URL like any real provider.
  let simulators: RunningSandboxes;
  beforeAll(async () => {
    const none = Object.fromEntries(PROVIDER_KEYS.map((key) => [key, null])) as ProviderEndpoints;
    simulators = await startSandboxes(none, { latencyMs: 0, simulate: true });
    const { utgl, pushpull } = simulators.endpoints;
    gw = await startTestGateway({ NODE_ENV: 'production', ...endpointEnvironment({ ...none, utgl, pushpull }) });
  });
  afterAll(async () => {
    await gw.close();
    await simulators.stop();
  });

  it('production never simulates: a provider without its base URL is disabled, absent from providers and every list', async () => {
    expect(Object.keys(gw.sandboxes.servers)).toEqual([]);
    const res = await gw.query('{ providers { provider sandbox } cards(first: 50) { nodes { provider } failures { provider code } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.providers).toEqual([
      { provider: 'UTGL', sandbox: false },
      { provider: 'PUSHPULL', sandbox: false },
    ]);
    const listed = new Set(res.data.cards.nodes.map((n: { provider: string }) => n.provider));
    for (const provider of listed) expect(['UTGL', 'PUSHPULL']).toContain(provider);
    expect(res.data.cards.failures).toEqual([]);
  });

  it('production banner does not point to a disabled Sandbox page', () => {
    const banner = startupBanner(gw.app.config, gw.url).join('\n');
    expect(banner).not.toMatch(/Sandbox/);
    expect(banner).toContain(`${gw.url}/graphql`);
    expect(startupBanner({ ...gw.app.config, introspection: true }, gw.url).join('\n')).toContain('Open Apollo Sandbox');
  });

  it('serves no introspection and no Sandbox landing page', async () => {
    const res = await gw.query('{ __schema { types { name } } }');
    expect(res.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    const page = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/<html/i);
  });

  it('still answers real queries, without stack traces in errors', async () => {
    const ok = await gw.query('{ providers { provider } }');
    expect(ok.errors).toBeUndefined();
    const bad = await gw.query('{ card(id: "x") { id } }');
    expect(JSON.stringify(bad.errors)).not.toMatch(/stacktrace|at Object\./);
  });
});
