import { Writable } from 'node:stream';
import { createLogger } from '../../../src/core/logger.js';
import { MemoryStateStore } from '../../../src/store/memory-store.js';
import { startRetention } from '../../../src/store/retention.js';
import { auditOf, claimOf, TestClock } from '../../support/state-store.contract.js';

const HOUR = 3_600_000;

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('info', sink), events: () => lines.map((l) => l.event) };
}

describe('the retention job', () => {
  it('purges what is older than the retention, and only that', async () => {
    const clock = new TestClock();
    const store = new MemoryStateStore({ now: clock.now });
    const at = (t: Date) => ({ createdAt: t.toISOString(), updatedAt: t.toISOString() });
    await store.records.claim(claimOf('day-old', at(clock.now())));
    await store.records.recordOutcome('acme', 'day-old', { status: 'SUCCEEDED' }, auditOf('day-old', { at: clock.now().toISOString(), outcome: 'SUCCEEDED' }));
    clock.advance(20 * HOUR);
    await store.records.claim(claimOf('recent', at(clock.now())));
    await store.records.recordOutcome('acme', 'recent', { status: 'SUCCEEDED' }, auditOf('recent', { at: clock.now().toISOString(), outcome: 'SUCCEEDED' }));
    clock.advance(5 * HOUR); // day-old is now 25 h old, recent 5 h
    const { log, events } = capture();
    const job = startRetention(store, log, { retentionHours: 24, now: clock.now });
    await job.runOnce();
    await job.stop();
    expect(await store.records.get('acme', 'day-old')).toBeUndefined();
    expect((await store.records.get('acme', 'recent'))?.status).toBe('SUCCEEDED');
    expect((await store.audit.list({ limit: 10 })).map((e) => e.idempotencyKey)).toEqual(['recent']);
    expect(events()).toEqual(['state_store.purged']);
  });

  it('lets one replica purge per interval (the others find the lease taken)', async () => {
    const store = new MemoryStateStore();
    const purge = jest.spyOn(store, 'purge');
    const jobs = [1, 2, 3].map(() => startRetention(store, capture().log, { retentionHours: 24 }));
    await Promise.all(jobs.map((job) => job.runOnce()));
    await Promise.all(jobs.map((job) => job.stop()));
    expect(purge).toHaveBeenCalledTimes(1);
  });

  it('logs a failed purge under a stable event name and keeps going', async () => {
    const store = new MemoryStateStore();
    jest.spyOn(store, 'purge').mockRejectedValueOnce(new Error('disk I/O error'));
    const { log, events } = capture();
    const job = startRetention(store, log, { retentionHours: 24, intervalMs: 1 });
    await job.runOnce();
    await job.stop();
    expect(events()).toEqual(['state_store.purge_failed']);
  });

  it('runs on an unref\'d timer that stop() clears', async () => {
    const store = new MemoryStateStore();
    const purge = jest.spyOn(store, 'purge');
    const job = startRetention(store, capture().log, { retentionHours: 24, intervalMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 40));
    await job.stop();
    const rounds = purge.mock.calls.length;
    expect(rounds).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(purge.mock.calls.length).toBe(rounds);
  });
});
