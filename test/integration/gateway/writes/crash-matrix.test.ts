/**
 * Write-ahead, then act — proven by killing the gateway *process* (SIGKILL: no cleanup, no
 * flush) at the three moments that matter, for the money-moving writes of every provider that
 * has them, with the simulators in another process so their state survives:
 *
 * - before-send: the attempt is written ahead, nothing has left the gateway;
 * - in-flight: the simulator has the request (held), the gateway dies before the answer; the
 *   simulator processes it afterwards;
 * - after-answer: the provider answered, the outcome is not recorded.
 *
 * After a restart on the same SQLite file, resubmitting each key gives the true outcome with
 * exactly one effect upstream, and the audit trail holds an ATTEMPTED entry for every attempt.
 * One crashing gateway per write (each dies on its first write); one restarted gateway per
 * moment settles them all. pushpull's pull shares its push's path and rules: push stands for both.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDER_KEYS } from '../../../../src/core/provider-key.js';
import type { CrashPoint } from '../../../../src/gateway/writes/crash-points.js';
import { openSqliteStore } from '../../../../src/store/sqlite-store.js';
import { MONEY_WRITES, type MoneyWriteName } from '../../../support/money-writes.js';
import { graphql, startChild, startSandboxHost, testIdentity, type GraphQLAnswer, type SandboxHost } from '../../../support/processes.js';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WINDOW_MS = 2_000;
const WRITES: MoneyWriteName[] = ['utgl-transfer', 'baas-top-up', 'baas-transfer', 'corporate-top-up', 'pushpull-push'];
const MOMENTS = ['before-send', 'in-flight', 'after-answer'] as const;

describe('a gateway process killed in the middle of a money movement', () => {
  let host: SandboxHost;
  let identity: Awaited<ReturnType<typeof testIdentity>>;
  const dir = mkdtempSync(join(tmpdir(), 'cardplane-crash-'));
  beforeAll(async () => {
    [host, identity] = await Promise.all([startSandboxHost(), testIdentity()]);
  });
  afterAll(() => host?.kill());

  const gatewayEnv = (statePath: string, crashAt?: CrashPoint): Record<string, string> => ({
    ...host.env,
    ...identity.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    STATE_DB_PATH: statePath,
    UPSTREAM_CONNECT_TIMEOUT_MS: '300',
    UPSTREAM_HEADERS_TIMEOUT_MS: '700',
    UPSTREAM_BODY_TIMEOUT_MS: '700',
    REQUEST_DEADLINE_MS: '2500',
    RECONCILE_SWEEP_INTERVAL_MS: '0',
    ...Object.fromEntries(PROVIDER_KEYS.map((key) => [`${key.toUpperCase()}_SETTLE_WINDOW_MS`, String(WINDOW_MS)])),
    ...(crashAt ? { CARDPLANE_CRASH_AT: crashAt } : {}),
  });

  const retryableUnknown = (answer: GraphQLAnswer | { died: true }): number | undefined => {
    if ('died' in answer) return undefined;
    const extensions = answer.errors?.[0]?.extensions;
    return extensions?.code === 'OUTCOME_UNKNOWN' && extensions.retryable === true ? Number(extensions.retryAfterSeconds ?? 1) : undefined;
  };

  it.each(MOMENTS)('%s: after a restart on the same store, each key settles with one effect and every attempt audited', async (moment) => {
    const statePath = join(dir, `${moment}.db`);
    const cases: Array<{ write: MoneyWriteName; key: string; variables: Record<string, unknown>; effects: number }> = [];
    for (const write of WRITES) {
      const w = MONEY_WRITES[write];
      const key = `crash-${moment}-${write}`;
      const variables = { ...(await host.variables(write)), key };
      const effects = await host.effects(write);
      const posts = await host.posts(write);
      cases.push({ write, key, variables, effects });
      const crashing = await startChild<{ url: string }>('test/support/gateway-child.ts', gatewayEnv(statePath, moment === 'in-flight' ? undefined : moment));
      if (moment === 'in-flight') await host.fault(w.provider, { method: 'POST', path: w.path, latencyMs: 1_000, times: 1 });
      const pending = graphql(crashing.info.url, identity.token, w.query, variables);
      if (moment === 'in-flight') {
        for (let i = 0; i < 100 && (await host.posts(write)) === posts; i += 1) await sleep(20);
        await crashing.kill();
      }
      expect(await pending).toEqual({ died: true });
      await crashing.exited;
    }

    const gateway = await startChild<{ url: string }>('test/support/gateway-child.ts', gatewayEnv(statePath));
    try {
      await sleep(WINDOW_MS + 200); // every attempt's settle window has closed; held writes landed
      for (const { write, variables, effects } of cases) {
        const w = MONEY_WRITES[write];
        let answer = await graphql(gateway.info.url, identity.token, w.query, variables);
        for (let i = 0, wait = retryableUnknown(answer); i < 3 && wait !== undefined; i += 1, wait = retryableUnknown(answer)) {
          await sleep(wait * 1_000);
          answer = await graphql(gateway.info.url, identity.token, w.query, variables);
        }
        expect([write, 'died' in answer ? 'died' : answer.errors]).toEqual([write, undefined]);
        const settled = answer as GraphQLAnswer;
        expect(settled.data?.[w.field]).toBeTruthy();
        expect([write, await host.effects(write)]).toEqual([write, effects + 1]);
        const replay = await graphql(gateway.info.url, identity.token, w.query, variables);
        expect(replay).toEqual(settled);
      }
    } finally {
      await gateway.kill();
    }

    const store = await openSqliteStore({ path: statePath });
    try {
      for (const { write, key } of cases) {
        const record = (await store.records.get('acme', key))!;
        const trail = await store.audit.list({ tenant: 'acme', idempotencyKey: key, limit: 100 });
        expect([write, record.status]).toEqual([write, 'SUCCEEDED']);
        expect([write, trail.filter((e) => e.outcome === 'ATTEMPTED').map((e) => e.attempt)]).toEqual([write, record.attempts.map((a) => a.number)]);
        // Only an attempt that certainly never left (before-send), or corporate's keyed resend, is followed by another.
        const resent = moment === 'before-send' || write === 'corporate-top-up';
        expect([write, record.attempts.length]).toEqual([write, resent ? 2 : 1]);
      }
    } finally {
      await store.close();
    }
  });
});
