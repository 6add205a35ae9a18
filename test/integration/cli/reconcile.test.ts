/**
 * `npm run reconcile` shows an operator a baas resend: baas has neither idempotency keys nor a
 * duplicate-reference refusal, so a write sent again after its settle window is the one that
 * could move money twice. The gateway's first attempt is lost on the way (baas never processes
 * it); after the window the resubmit finds nothing by reference and sends attempt 1, audited
 * as a resend; the reconcile command, run as operators run it, lists the key as RESENT with each
 * audited attempt, the resend marked.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestGateway, type TestGateway } from '../../support/gateway.js';
import { MONEY_WRITES } from '../../support/money-writes.js';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WINDOW_MS = 1_200;

describe('npm run reconcile', () => {
  let gw: TestGateway | undefined;
  afterAll(() => gw?.close());

  it('lists a baas write resent after its window as RESENT, with the resend marked among its audited attempts', async () => {
    gw = await startTestGateway({
      UPSTREAM_CONNECT_TIMEOUT_MS: '300',
      UPSTREAM_HEADERS_TIMEOUT_MS: '400',
      UPSTREAM_BODY_TIMEOUT_MS: '400',
      BAAS_SETTLE_WINDOW_MS: String(WINDOW_MS),
      RECONCILE_SWEEP_INTERVAL_MS: '0',
    });
    const write = MONEY_WRITES['baas-top-up'];
    const variables = { ...write.variables(gw.sandboxes.stores), key: 'reconcile-resent-1' };
    const before = write.effects(gw.sandboxes.stores);
    gw.sandboxes.servers.baas!.inject({ method: 'POST', path: write.path, drop: true, times: 1 });

    const lost = await gw.query(write.query, variables);
    expect(lost.errors?.[0]?.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', retryable: true });
    await sleep(WINDOW_MS + 100);
    const settled = await gw.query(write.query, variables);
    expect(settled.errors).toBeUndefined();
    expect(write.effects(gw.sandboxes.stores)).toBe(before + 1);
    const attempted = (await gw.auditTrail()).filter((e) => e.idempotencyKey === 'reconcile-resent-1' && e.outcome === 'ATTEMPTED');
    expect(attempted.map((e) => [e.attempt, e.resend])).toEqual([[0, undefined], [1, true]]);
    const statePath = gw.statePath!;
    await gw.close();
    gw = undefined;

    const { stdout } = await run(process.execPath, ['-r', './test/support/register-ts.cjs', 'src/cli/reconcile.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', STATE_DB_PATH: statePath },
    });
    const lines = stdout.split('\n');
    const listed = lines.findIndex((line) => line.includes('reconcile-resent-1'));
    expect(lines[listed]).toMatch(/topUpCard {2}baas {2}RESENT {2}2 attempt\(s\)/);
    expect(lines[listed + 1]).toMatch(/^ {4}attempt 0 {2}written ahead \S+ {2}request \S+$/);
    expect(lines[listed + 2]).toMatch(/^ {4}attempt 1 {2}RESEND {2}written ahead \S+ {2}request \S+$/);
  });
});
