/**
 * Admission control through the real gateway: priced work beyond ADMISSION_MAX_COST_IN_FLIGHT
 * waits its turn; an operation that may not wait, or waits too long, is refused with a
 * retryable RATE_LIMITED (HTTP 503, Retry-After) before anything is sent upstream for it.
 */
import { request } from 'undici';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';

// 100 × (1 + 1 + 25 × 2) = 5 200: two of them do not fit in a budget of 10 000 at once.
const HEAVY = '{ cardholders(first: 100, filter: { provider: UTGL }) { nodes { id cards(first: 25) { nodes { id } } } } }';
// Light (cost at most ADMISSION_LIGHT_COST, 100): never waits.
const CHEAP = '{ providers { provider } }';
const HOLD_MS = 800;

async function as(gw: TestGateway, subject: string) {
  return { authorization: `Bearer ${await gw.token({ subject })}` };
}

/** Upstream requests for cardholder pages, so far. */
const cardholderPages = (gw: TestGateway) => gw.sandboxes.servers.utgl!.requests.filter((r) => r.method === 'GET' && r.path === '/v1/cardholders').length;

/**
 * Sends HEAVY as alice with its first upstream call held; once that call has arrived upstream
 * (alice's operation is running), resolves with her answer to come.
 */
async function holdHeavy(gw: TestGateway): Promise<{ answer: ReturnType<TestGateway['query']> }> {
  gw.sandboxes.servers.utgl!.inject({ method: 'GET', path: '/v1/cardholders', latencyMs: HOLD_MS, times: 1 });
  const answer = gw.query(HEAVY, {}, await as(gw, 'alice'));
  while (cardholderPages(gw) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  return { answer };
}

/** Starts a gateway with `env` for the enclosing describe (handed to `use`), its sandboxes reset before each test. */
function gatewayWith(env: Record<string, string>, use: (gateway: TestGateway) => void): void {
  let gw: TestGateway | undefined;
  beforeAll(async () => {
    gw = await startTestGateway(env);
    use(gw);
  });
  afterAll(() => gw?.close());
  beforeEach(() => resetSandboxes(gw!));
}

describe('admission control: nothing may wait', () => {
  // A cost budget of 10 000 restored at 1/s: one HEAVY (5 200) a viewer, unless a refusal gives its cost back.
  let gw: TestGateway;
  gatewayWith({ ADMISSION_MAX_COST_IN_FLIGHT: '10000', ADMISSION_MAX_WAITING: '0', COST_BUDGET_BURST: '10000', COST_BUDGET_PER_SECOND: '1' }, (started) => (gw = started));

  it('refuses a second heavy operation with a retryable RATE_LIMITED before any upstream call, without charging its cost, and runs cheap ones beside the first', async () => {
    const { answer: first } = await holdHeavy(gw);
    const bob = await as(gw, 'bob');
    const refused = await gw.query(HEAVY, {}, bob);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.data).toBeNull();
    expect(refused.errors![0]!.message).toMatch(/busy/);
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 1, limit: 'admission' });
    expect(cardholderPages(gw)).toBe(1);
    // Light work still fits beside the heavy operation.
    const cheap = await gw.query(CHEAP, {}, bob);
    expect(cheap.status).toBe(200);
    expect((await first).status).toBe(200);
    // The first has answered: its room is free again, and the refusal cost Bob none of his budget.
    const again = await gw.query(HEAVY, {}, bob);
    expect(again.status).toBe(200);
    expect(again.errors).toBeUndefined();
  });
});

describe('admission control: waiting', () => {
  let gw: TestGateway;
  gatewayWith({ ADMISSION_MAX_COST_IN_FLIGHT: '10000', METRICS_PORT: '0' }, (started) => (gw = started));

  it('runs a heavy operation that does not fit once the one ahead of it has answered, and shows the queue in the metrics', async () => {
    const order: string[] = [];
    const first = (await holdHeavy(gw)).answer.then((res) => (order.push('alice'), res));
    const second = gw.query(HEAVY, {}, await as(gw, 'bob')).then((res) => (order.push('bob'), res));
    // Bob's operation waits: none of its upstream calls is made while Alice's is held.
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS / 2));
    expect(cardholderPages(gw)).toBe(1);
    const scraped = await (await fetch(gw.app.metricsUrl!)).text();
    expect(scraped).toMatch(/^cardplane_admission_running 1$/m);
    expect(scraped).toMatch(/^cardplane_admission_cost_in_flight 5200$/m);
    expect(scraped).toMatch(/^cardplane_admission_waiting 1$/m);
    // No count limit while the loop has idle time; never below 16 when it has none.
    const limit = /^cardplane_admission_running_limit (\S+)$/m.exec(scraped)?.[1];
    expect(limit === '+Inf' ? Number.POSITIVE_INFINITY : Number(limit)).toBeGreaterThanOrEqual(16);
    // A light operation does not queue behind Bob's: it runs at once, outside the budget.
    const light = await gw.query(CHEAP, {}, await as(gw, 'carol'));
    expect(light.status).toBe(200);
    order.push('carol');
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.errors).toBeUndefined();
    expect(b.data).toEqual(a.data);
    expect(order).toEqual(['carol', 'alice', 'bob']);
  });

  it('takes a waiting operation out of the queue when its client goes away, and never runs it', async () => {
    const { answer: first } = await holdHeavy(gw);
    const bob = await as(gw, 'bob');
    const hangUp = new AbortController();
    const abandoned = request(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bob },
      body: JSON.stringify({ query: HEAVY }),
      signal: hangUp.signal,
    });
    const waiting = async () => Number(/^cardplane_admission_waiting (\d+)$/m.exec(await (await fetch(gw.app.metricsUrl!)).text())![1]);
    while ((await waiting()) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    hangUp.abort();
    await expect(abandoned).rejects.toThrow();
    while ((await waiting()) !== 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await first).status).toBe(200);
    // Bob's operation never started: Alice's is the only one that read cardholders.
    expect(cardholderPages(gw)).toBe(1);
  });
});

describe('admission control: waiting too long', () => {
  let gw: TestGateway;
  gatewayWith({ ADMISSION_MAX_COST_IN_FLIGHT: '10000', ADMISSION_MAX_WAIT_MS: '100' }, (started) => (gw = started));

  it('refuses an operation whose turn does not come within ADMISSION_MAX_WAIT_MS, before any upstream call', async () => {
    const { answer: first } = await holdHeavy(gw);
    const refused = await gw.query(HEAVY, {}, await as(gw, 'bob'));
    expect(refused.status).toBe(503);
    expect(refused.errors![0]!.message).toMatch(/waited too long/);
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryable: true, limit: 'admission' });
    expect(refused.errors![0]!.extensions.requestId).toEqual(refused.headers['x-request-id']);
    expect(cardholderPages(gw)).toBe(1);
    expect((await first).status).toBe(200);
  });
});
