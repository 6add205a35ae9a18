/**
 * Several replicas act as one gateway: three gateway processes share one PostgreSQL database,
 * the simulators run in a fourth process (so provider state is shared and survives a replica's
 * SIGKILL). The write is baas's bank deposit, the one no provider-side rule protects: nothing
 * but the shared claim keeps it single.
 *
 * Duplicates on other replicas wait (polling the record) for the owner's outcome within their
 * request deadline; past it they answer a retryable OUTCOME_UNKNOWN (README, "Uncertain writes").
 */
import { randomBytes } from 'node:crypto';
import { PROVIDER_KEYS } from '../../../../src/core/provider-key.js';
import { MONEY_WRITES } from '../../../support/money-writes.js';
import { describeWithPostgres, testDatabase } from '../../../support/postgres.js';
import { graphql, startChild, startSandboxHost, testIdentity, type Child, type GraphQLAnswer, type SandboxHost } from '../../../support/processes.js';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WINDOW_MS = 2_000;
const WRITE = 'baas-top-up';

describeWithPostgres('three gateway replicas on one PostgreSQL', () => {
  let host: SandboxHost;
  let identity: Awaited<ReturnType<typeof testIdentity>>;
  const replicas: Array<Child<{ url: string }>> = [];
  const database = testDatabase('cardplane_replicas');

  beforeAll(async () => {
    await database.create();
    [host, identity] = await Promise.all([startSandboxHost(), testIdentity()]);
    const env = {
      ...host.env,
      ...identity.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      UPSTREAM_CONNECT_TIMEOUT_MS: '300',
      UPSTREAM_HEADERS_TIMEOUT_MS: '700',
      UPSTREAM_BODY_TIMEOUT_MS: '700',
      REQUEST_DEADLINE_MS: '4000',
      RECONCILE_SWEEP_INTERVAL_MS: '0',
      ...Object.fromEntries(PROVIDER_KEYS.map((key) => [`${key.toUpperCase()}_SETTLE_WINDOW_MS`, String(WINDOW_MS)])),
    };
    // One first: it applies the migrations; the others find them applied.
    replicas.push(await startChild<{ url: string }>('test/support/gateway-child.ts', env));
    replicas.push(...(await Promise.all([1, 2].map(() => startChild<{ url: string }>('test/support/gateway-child.ts', env)))));
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill()));
    await host?.kill();
    await database.drop();
  });

  const w = MONEY_WRITES[WRITE];
  const send = (replica: Child<{ url: string }>, variables: Record<string, unknown>) => graphql(replica.info.url, identity.token, w.query, variables);

  it('60 concurrent identical money movements spread round-robin: one upstream write, 60 identical answers', async () => {
    const variables = { ...(await host.variables(WRITE)), key: `fleet-${randomBytes(4).toString('hex')}` };
    const [effects, posts] = [await host.effects(WRITE), await host.posts(WRITE)];
    // The one write is held a little, so that every duplicate arrives while it is in flight.
    await host.fault(w.provider, { method: 'POST', path: w.path, latencyMs: 300, times: 1 });
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => send(replicas[i % 3]!, variables)));
    expect(answers.filter((a) => 'died' in a || a.errors)).toEqual([]);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect((answers[0] as GraphQLAnswer).data?.[w.field]).toBeTruthy();
    expect(await host.posts(WRITE)).toBe(posts + 1);
    expect(await host.effects(WRITE)).toBe(effects + 1);
  });

  it('a replica killed mid-write: the key resubmitted on another replica settles with one effect', async () => {
    const variables = { ...(await host.variables(WRITE)), key: `fleet-kill-${randomBytes(4).toString('hex')}` };
    const [effects, posts] = [await host.effects(WRITE), await host.posts(WRITE)];
    await host.fault(w.provider, { method: 'POST', path: w.path, latencyMs: 1_000, times: 1 });
    const victim = replicas[0]!;
    const pending = send(victim, variables);
    for (let i = 0; i < 100 && (await host.posts(WRITE)) === posts; i += 1) await sleep(20);
    await victim.kill();
    expect(await pending).toEqual({ died: true });

    let answer = await send(replicas[1]!, variables);
    for (let i = 0; i < 5 && !('died' in answer) && answer.errors?.[0]?.extensions.code === 'OUTCOME_UNKNOWN'; i += 1) {
      expect(answer.errors[0]!.extensions).toMatchObject({ retryable: true });
      await sleep(Number(answer.errors[0]!.extensions.retryAfterSeconds ?? 1) * 1_000);
      answer = await send(replicas[(i % 2) + 1]!, variables);
    }
    expect('died' in answer ? 'died' : answer.errors).toBeUndefined();
    expect(await host.effects(WRITE)).toBe(effects + 1);
    expect(await host.posts(WRITE)).toBe(posts + 1);
  });
});
