/**
 * The race that once moved baas money twice, on every provider: the simulator holds the first
 * write past the gateway's headers timeout and processes it later (its effect lands after the
 * gateway answered OUTCOME_UNKNOWN). The client resubmits at once: OUTCOME_UNKNOWN, retryable,
 * with the time left, and nothing sent upstream. Once the write has landed and the settle
 * window closed, it resubmits again: the true outcome, by look-up — and exactly one effect.
 *
 * Short timeouts and windows through the environment: headers 400 ms, window 3 s, the held
 * write processed 2 s after it arrived.
 */
import { resetSandboxes, startTestGateway, type TestGateway } from '../../../support/gateway.js';
import { PROVIDER_KEYS, type ProviderKey } from '../../../../src/core/provider-key.js';
import { MONEY_WRITES, type MoneyWriteName } from '../../../support/money-writes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const WINDOW_MS = 3_000;
const HELD_MS = 2_000;

/** One write per provider: its money movement, or (ledger, which moves none) its card issuance. */
const RACES: Record<ProviderKey, MoneyWriteName> = {
  utgl: 'utgl-transfer',
  baas: 'baas-top-up',
  corporate: 'corporate-top-up',
  ledger: 'ledger-issue-card',
  pushpull: 'pushpull-push',
};

describe('a write the provider processes after the gateway gave up on it', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      UPSTREAM_CONNECT_TIMEOUT_MS: '300',
      UPSTREAM_HEADERS_TIMEOUT_MS: '400',
      UPSTREAM_BODY_TIMEOUT_MS: '400',
      ...Object.fromEntries(PROVIDER_KEYS.map((key) => [`${key.toUpperCase()}_SETTLE_WINDOW_MS`, String(WINDOW_MS)])),
      RECONCILE_SWEEP_INTERVAL_MS: '0',
    });
    await gw.query('{ providers { provider } }'); // warm: the first request's own set-up is not part of the race
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  it.each(PROVIDER_KEYS)('%s: OUTCOME_UNKNOWN (retryable, nothing resent) inside the window, then the true outcome, with one effect upstream', async (provider) => {
    const race = MONEY_WRITES[RACES[provider]];
    const { stores } = gw.sandboxes;
    const server = gw.sandboxes.servers[provider]!;
    const { query, field } = race;
    const variables = race.variables(stores);
    const key = `race-${provider}-${Date.now()}`;
    const posts = () => server.count('POST', race.path);
    const before = race.effects(stores);
    server.inject({ method: 'POST', path: race.path, latencyMs: HELD_MS, times: 1 });

    const sentAt = Date.now();
    const first = await gw.query(query, { ...variables, key });
    // The first answer already tells the client it may resubmit the same key, and when: once
    // the attempt can no longer land (the window, less the time the attempt took).
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', provider: provider.toUpperCase(), retryable: true });
    const firstWait = first.errors![0]!.extensions.retryAfterSeconds as number;
    expect(firstWait).toBeGreaterThan(0);
    expect(firstWait).toBeLessThanOrEqual(WINDOW_MS / 1000);
    expect(race.effects(stores)).toBe(before); // the held write has not landed yet

    const again = await gw.query(query, { ...variables, key });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', retryable: true });
    expect(again.errors![0]!.extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(again.errors![0]!.extensions.retryAfterSeconds).toBeLessThanOrEqual(firstWait);
    expect(posts()).toBe(1);

    // The held write lands, then the window closes.
    for (let i = 0; i < 100 && race.effects(stores) === before; i += 1) await sleep(50);
    expect(race.effects(stores)).toBe(before + 1);
    await sleep(Math.max(0, sentAt + WINDOW_MS + 100 - Date.now()));

    const settled: any = await gw.query(query, { ...variables, key });
    expect(settled.errors).toBeUndefined();
    expect(settled.data[field]).toBeTruthy();
    expect(race.effects(stores)).toBe(before + 1);
    // corporate has no look-up: its keyed resend is the look-up, and replays the held order.
    expect(posts()).toBe(provider === 'corporate' ? 2 : 1);
    const replay: any = await gw.query(query, { ...variables, key });
    expect(replay.data[field]).toEqual(settled.data[field]);
  });
});
