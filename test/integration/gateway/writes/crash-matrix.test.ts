/**
 * Write-ahead, then act — proven by killing the gateway *process* (SIGKILL: no cleanup, no
 * flush) at the three moments that matter, for every money-moving write of every provider (the
 * matrix is checked against the capabilities the providers publish, so none is missing), with
 * the simulators in another process so their state survives:
 *
 * - before-send: the attempt is written ahead, nothing has left the gateway;
 * - in-flight: the simulator has the request (held), the gateway dies before the answer; the
 *   simulator processes it afterwards;
 * - after-answer: the provider answered, the outcome is not recorded.
 *
 * After a restart on the same SQLite file, resubmitting each key gives the true outcome with
 * exactly one effect upstream, and the audit trail holds an ATTEMPTED entry for every attempt.
 * Per moment: one crashing gateway per write (all started together; each dies on its first
 * write), then one restarted gateway on which every cell of the moment is settled.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../../src/config.js';
import { PROVIDER_KEYS } from '../../../../src/core/provider-key.js';
import { createRegistry } from '../../../../src/gateway/build-registry.js';
import type { CrashPoint } from '../../../../src/gateway/writes/crash-points.js';
import type { Capability } from '../../../../src/providers/provider.js';
import { openSqliteStore } from '../../../../src/store/sqlite-store.js';
import { MONEY_MOVING, MONEY_WRITES, type MoneyWriteName } from '../../../support/money-writes.js';
import { graphql, startChild, startSandboxHost, testIdentity, type Child, type GraphQLAnswer, type SandboxHost } from '../../../support/processes.js';

jest.setTimeout(240_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WINDOW_MS = 2_000;
const MOMENTS = ['before-send', 'in-flight', 'after-answer'] as const;
/** Every write of MONEY_WRITES that moves money (ledger's card issuance does not). */
const WRITES = (Object.keys(MONEY_WRITES) as MoneyWriteName[]).filter((name) =>
  Object.values(MONEY_MOVING).some((writes) => writes.some((write) => name === `${MONEY_WRITES[name].provider}-${write}`)),
);

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

  it('holds every money-moving write that the providers publish a capability for', async () => {
    const config = loadConfig({ ...host.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    const registry = createRegistry({ endpoints: config.providers, sandboxed: new Set(), transport: config.upstream });
    try {
      const published = PROVIDER_KEYS.flatMap((provider) =>
        (Object.entries(MONEY_MOVING) as Array<[Capability, readonly string[]]>)
          .filter(([capability]) => registry.get(provider).capabilities.has(capability))
          .flatMap(([, writes]) => writes.map((write) => `${provider}-${write}`)),
      );
      expect([...WRITES].sort()).toEqual(published.sort());
    } finally {
      await registry.close();
    }
  });

  /**
   * One gateway per write, all on one fresh state file: the first alone (it creates and
   * migrates the file), then the others together, as replicas start. If one fails to start,
   * those already running are stopped rather than left behind (they would keep jest alive).
   */
  async function startCrashing(statePath: string, crashAt: CrashPoint | undefined): Promise<Array<Child<{ url: string }>>> {
    const start = () => startChild<{ url: string }>('test/support/gateway-child.ts', gatewayEnv(statePath, crashAt));
    const first = await start();
    const others = await Promise.allSettled(WRITES.slice(1).map(start));
    const started = [first, ...others.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []))];
    const failed = others.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((child) => child.kill()));
      throw failed.reason;
    }
    return started;
  }

  describe.each(MOMENTS)('killed %s', (moment) => {
    const statePath = join(dir, `${moment}.db`);
    const cells = new Map<MoneyWriteName, { key: string; variables: Record<string, unknown>; effects: number }>();
    let gateway: Child<{ url: string }> | undefined;

    beforeAll(async () => {
      const crashAt = moment === 'in-flight' ? undefined : moment;
      const crashing = await startCrashing(statePath, crashAt);
      // One write at a time: writes that share a route (utgl's, pushpull's) must not share its fault.
      for (const [i, write] of WRITES.entries()) {
        const w = MONEY_WRITES[write];
        const key = `crash-${moment}-${write}`;
        const variables = { ...(await host.variables(write)), key };
        const effects = await host.effects(write);
        const posts = await host.posts(write);
        cells.set(write, { key, variables, effects });
        if (moment === 'in-flight') await host.fault(w.provider, { method: 'POST', path: w.path, latencyMs: 1_000, times: 1 });
        const pending = graphql(crashing[i]!.info.url, identity.token, w.query, variables);
        if (moment === 'in-flight') {
          for (let n = 0; n < 100 && (await host.posts(write)) === posts; n += 1) await sleep(20);
          await crashing[i]!.kill();
        }
        expect([write, await pending]).toEqual([write, { died: true }]);
        await crashing[i]!.exited;
      }
      gateway = await startChild<{ url: string }>('test/support/gateway-child.ts', gatewayEnv(statePath));
      await sleep(WINDOW_MS + 200); // every attempt's settle window has closed; held writes landed
    });
    afterAll(() => gateway?.kill());

    it.each(WRITES)('%s: after the restart, the resubmitted key gives one effect upstream, the true outcome, every attempt audited', async (write) => {
      const w = MONEY_WRITES[write];
      const { key, variables, effects } = cells.get(write)!;
      let answer = await graphql(gateway!.info.url, identity.token, w.query, variables);
      for (let i = 0, wait = retryableUnknown(answer); i < 3 && wait !== undefined; i += 1, wait = retryableUnknown(answer)) {
        await sleep(wait * 1_000);
        answer = await graphql(gateway!.info.url, identity.token, w.query, variables);
      }
      expect('died' in answer ? 'died' : answer.errors).toBeUndefined();
      const settled = answer as GraphQLAnswer;
      expect(settled.data?.[w.field]).toBeTruthy();
      expect(await host.effects(write)).toBe(effects + 1);
      expect(await graphql(gateway!.info.url, identity.token, w.query, variables)).toEqual(settled);

      const store = await openSqliteStore({ path: statePath }); // beside the gateway's own connection
      try {
        const record = (await store.records.get('acme', key))!;
        const trail = await store.audit.list({ tenant: 'acme', idempotencyKey: key, limit: 100 });
        expect(record.status).toBe('SUCCEEDED');
        expect(trail.filter((e) => e.outcome === 'ATTEMPTED').map((e) => e.attempt)).toEqual(record.attempts.map((a) => a.number));
        // Only an attempt that certainly never left (before-send), or corporate's keyed resend, is followed by another.
        const resent = moment === 'before-send' || w.provider === 'corporate';
        expect(record.attempts.length).toBe(resent ? 2 : 1);
      } finally {
        await store.close();
      }
    });
  });
});
