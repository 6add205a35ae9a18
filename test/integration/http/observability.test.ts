/**
 * What operators see of the real gateway: Prometheus metrics on their own listener (never on
 * the public port) after a few queries, a retried upstream call and a replayed write, and one
 * `info` log line per request naming what it did.
 */
import { request } from 'undici';
import { CardsPageDocument } from '../../generated/graphql.js';
import { globalId as gid } from '../../support/global-id.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';

const TRANSFER = `mutation Transfer($input: TransferFundsInput!, $key: String!) {
  transferFunds(input: $input, idempotencyKey: $key) { id status }
}`;

/** `name{labels} value` lines of a Prometheus text answer, by series. */
function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

describe('metrics and request logs', () => {
  let gw: TestGateway;
  let metrics: Map<string, number>;
  beforeAll(async () => {
    gw = await startTestGateway({ METRICS_PORT: '0' });
    await gw.query(CardsPageDocument, { first: 5 });
    // One failed attempt at utgl, then its retry succeeds.
    gw.sandboxes.servers.utgl!.inject({ path: '/v1/cards', status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'down' }, times: 1 });
    await gw.query(CardsPageDocument, { first: 5, filter: { provider: 'UTGL' } });
    const usd = [...gw.sandboxes.stores.utgl!.accounts.values()].filter((a) => a.currency === 'USD' && Number(a.balance) > 100);
    const input = { fromWalletId: gid('utgl', 'Wallet', usd[0]!.id), toWalletId: gid('utgl', 'Wallet', usd[1]!.id), amount: '1.00', currency: 'USD' };
    await gw.query(TRANSFER, { key: 'metrics-transfer-1', input });
    await gw.query(TRANSFER, { key: 'metrics-transfer-1', input });
    await gw.query('query Broken { cards(first: -1) { edges { node { id } } } }');
    await request(`${gw.url}/reveal`, { method: 'POST', headers: { authorization: `Bearer ${await gw.token()}`, 'content-type': 'application/json' }, body: '{"token":"nope"}' });
    const res = await fetch(gw.app.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    metrics = parseMetrics(await res.text());
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  it('counts requests by operation, type and outcome, with durations and errors by code', () => {
    expect(metrics.get('cardplane_graphql_requests_total{operation="CardsPage",type="query",outcome="ok"}')).toBe(2);
    expect(metrics.get('cardplane_graphql_requests_total{operation="Transfer",type="mutation",outcome="ok"}')).toBe(2);
    expect(metrics.get('cardplane_graphql_requests_total{operation="Broken",type="query",outcome="error"}')).toBe(1);
    expect(metrics.get('cardplane_graphql_request_duration_seconds_count{operation="CardsPage",type="query"}')).toBe(2);
    expect(metrics.get('cardplane_graphql_request_duration_seconds_sum{operation="CardsPage",type="query"}')).toBeGreaterThan(0);
    expect(metrics.get('cardplane_graphql_errors_total{code="BAD_USER_INPUT"}')).toBeGreaterThanOrEqual(1);
  });

  it('counts upstream attempts by provider, operation and outcome, their latency and the retry', () => {
    expect(metrics.get('cardplane_upstream_attempts_total{provider="utgl",operation="listCards",outcome="UPSTREAM_UNAVAILABLE"}')).toBe(1);
    expect(metrics.get('cardplane_upstream_attempts_total{provider="utgl",operation="listCards",outcome="ok"}')).toBe(2);
    expect(metrics.get('cardplane_upstream_retries_total{provider="utgl",operation="listCards"}')).toBe(1);
    expect(metrics.get('cardplane_upstream_attempt_duration_seconds_count{provider="utgl",operation="listCards"}')).toBe(3);
    expect(metrics.get('cardplane_upstream_attempt_duration_seconds_count{provider="baas",operation="listCards"}')).toBeGreaterThanOrEqual(1);
  });

  it('shows circuit and bulkhead state per provider, write outcomes, reveals and process metrics', () => {
    for (const provider of ['utgl', 'baas', 'corporate', 'ledger', 'pushpull']) {
      expect(metrics.get(`cardplane_provider_circuit_open{provider="${provider}"}`)).toBe(0);
      expect(metrics.get(`cardplane_provider_bulkhead_in_flight{provider="${provider}"}`)).toBe(0);
      expect(metrics.get(`cardplane_provider_bulkhead_queued{provider="${provider}"}`)).toBe(0);
    }
    expect(metrics.get('cardplane_writes_total{outcome="succeeded"}')).toBe(1);
    expect(metrics.get('cardplane_writes_total{outcome="replayed"}')).toBe(1);
    expect(metrics.get('cardplane_writes_total{outcome="outcome_unknown"}')).toBe(0);
    expect(metrics.get('cardplane_writes_total{outcome="duplicate_detected"}')).toBe(0);
    expect(metrics.get('cardplane_card_reveals_total{outcome="BAD_USER_INPUT"}')).toBe(1);
    expect(metrics.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metrics.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('never labels a series with an id or a token', () => {
    const labels = [...metrics.keys()].join('\n');
    expect(labels).not.toMatch(/metrics-transfer-1|Bearer|eyJ/);
    expect(labels).not.toContain(gid('utgl', 'Wallet', [...gw.sandboxes.stores.utgl!.accounts.keys()][0]!));
  });

  it('does not serve /metrics on the public port', async () => {
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('cardplane_graphql_requests_total');
  });

  it('writes one info line per request, naming the operation, its outcome, its upstream attempts and who asked', async () => {
    const before = gw.logLines().length;
    const res = await gw.query(CardsPageDocument, { first: 5, filter: { provider: 'UTGL' } }, { 'x-request-id': 'observe-request-1' });
    expect(res.status).toBe(200);
    const lines = gw.logLines().slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.event === 'request');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      level: 30,
      // The gateway's own id (issue 11); the client's offered one is kept as clientRequestId.
      requestId: res.headers['x-request-id'],
      clientRequestId: 'observe-request-1',
      path: '/graphql',
      operationName: 'CardsPage',
      operationType: 'query',
      status: 200,
      errorCodes: [],
      upstreamAttempts: 1,
      tenant: 'acme',
      sub: 'test-user',
    });
    expect(requests[0]!.durationMs).toEqual(expect.any(Number));
  });

  it('logs refused requests too, with their error code and no viewer', async () => {
    const before = gw.logLines().length;
    const res = await gw.query(CardsPageDocument, { first: 5 }, { authorization: 'Bearer not-a-token' });
    expect(res.status).toBe(401);
    const requests = gw.logLines().slice(before).map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === 'request');
    expect(requests).toEqual([expect.objectContaining({ status: 401, errorCodes: ['UNAUTHENTICATED'], upstreamAttempts: 0 })]);
    expect(requests[0]!.tenant).toBeUndefined();
  });
});
