import { Bulkhead } from '../../../../src/providers/transport/bulkhead.js';
import { ErrorCode } from '../../../../src/core/errors.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Bulkhead', () => {
  it('runs at most `limit` tasks at once and queues the rest in order', async () => {
    const bulkhead = new Bulkhead('utgl', 2, 10);
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((g, i) => bulkhead.run(async () => { started.push(i); await g.promise; return i; }));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(bulkhead.stats()).toEqual({ inFlight: 2, queued: 1, rejected: 0 });
    gates[0]!.resolve();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2]);
    expect(bulkhead.stats().inFlight).toBe(0);
  });

  it('rejects at once when the queue is full, without running the task', async () => {
    const bulkhead = new Bulkhead('baas', 1, 1);
    const gate = deferred();
    const first = bulkhead.run(() => gate.promise);
    const second = bulkhead.run(() => gate.promise);
    let ran = false;
    await expect(bulkhead.run(async () => { ran = true; })).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE, provider: 'baas', retryable: true });
    expect(ran).toBe(false);
    gate.resolve();
    await Promise.all([first, second]);
    expect(bulkhead.stats().rejected).toBe(1);
  });

  it('gives up waiting when the request deadline passes', async () => {
    const bulkhead = new Bulkhead('ledger', 1, 5);
    const gate = deferred();
    const first = bulkhead.run(() => gate.promise);
    await expect(bulkhead.run(async () => 1, AbortSignal.timeout(20))).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_TIMEOUT });
    expect(bulkhead.stats().queued).toBe(0);
    gate.resolve();
    await first;
  });
});
