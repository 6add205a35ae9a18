import { Admission, type AdmissionOptions, type AdmissionTicket } from '../../../src/graphql/admission.js';
import { ErrorCode, GatewayError } from '../../../src/core/errors.js';

const OPTIONS: AdmissionOptions = { maxCostInFlight: 100, maxWaiting: 10, maxWaitMs: 1_000, lightCost: 0, saturatedRunning: 0 };

/** Records the order in which waiting tickets are admitted (or refused). */
function recorder() {
  const events: string[] = [];
  const track = (name: string, ticket: AdmissionTicket) => {
    if (!ticket.ready) events.push(`${name} at once`);
    else
      ticket.ready.then(
        () => events.push(`${name} admitted`),
        (error: GatewayError) => events.push(`${name} refused: ${error.code}`),
      );
    return ticket;
  };
  return { events, track };
}

/** Lets settled promises run their callbacks. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('admission control', () => {
  it('runs operations at once while their cost fits, and makes the next wait until enough finishes', async () => {
    const admission = new Admission(OPTIONS);
    const { events, track } = recorder();
    const a = track('a', admission.enter({ viewer: 'v1', cost: 60 }));
    track('b', admission.enter({ viewer: 'v2', cost: 40 }));
    const c = track('c', admission.enter({ viewer: 'v3', cost: 30 }));
    expect(admission.state).toEqual({ costInFlight: 100, running: 2, waiting: 1 });
    await settle();
    expect(events).toEqual(['a at once', 'b at once']);
    a.release();
    await settle();
    expect(events).toEqual(['a at once', 'b at once', 'c admitted']);
    expect(admission.state).toEqual({ costInFlight: 70, running: 2, waiting: 0 });
    c.release();
    c.release(); // only the first release counts
    expect(admission.state).toEqual({ costInFlight: 40, running: 1, waiting: 0 });
  });

  it('runs an operation costing more than the whole budget alone', async () => {
    const admission = new Admission(OPTIONS);
    const { events, track } = recorder();
    const big = track('big', admission.enter({ viewer: 'v1', cost: 250 }));
    track('small', admission.enter({ viewer: 'v2', cost: 1 }));
    await settle();
    expect(events).toEqual(['big at once']);
    big.release();
    await settle();
    expect(events).toEqual(['big at once', 'small admitted']);
  });

  it('serves waiting viewers in turn, so one viewer’s burst does not hold another back', async () => {
    const admission = new Admission({ ...OPTIONS, maxCostInFlight: 10 });
    const { events, track } = recorder();
    const first = track('first', admission.enter({ viewer: 'noisy', cost: 10 }));
    const waiting = [1, 2, 3].map((n) => track(`noisy${n}`, admission.enter({ viewer: 'noisy', cost: 10 })));
    waiting.push(track('quiet', admission.enter({ viewer: 'quiet', cost: 10 })));
    first.release();
    await settle();
    waiting[0]!.release();
    await settle();
    expect(events).toEqual(['first at once', 'noisy1 admitted', 'quiet admitted']);
  });

  it('does not let light operations overtake a waiting heavy one', async () => {
    const admission = new Admission(OPTIONS);
    const { events, track } = recorder();
    const running = track('running', admission.enter({ viewer: 'v1', cost: 50 }));
    track('heavy', admission.enter({ viewer: 'v2', cost: 80 }));
    track('light', admission.enter({ viewer: 'v3', cost: 1 }));
    await settle();
    // The light one would fit, but the heavy one waits ahead of it.
    expect(events).toEqual(['running at once']);
    running.release();
    await settle();
    expect(events).toEqual(['running at once', 'heavy admitted', 'light admitted']);
  });

  it('runs light operations at once, even while others wait, without holding any of the budget', async () => {
    const admission = new Admission({ ...OPTIONS, lightCost: 5 });
    const { events, track } = recorder();
    const full = track('full', admission.enter({ viewer: 'noisy', cost: 100 }));
    track('heavy', admission.enter({ viewer: 'noisy', cost: 50 }));
    const light = track('light', admission.enter({ viewer: 'reader', cost: 5 }));
    track('small', admission.enter({ viewer: 'reader', cost: 6 }));
    await settle();
    expect(events).toEqual(['full at once', 'light at once']);
    expect(admission.state).toEqual({ costInFlight: 100, running: 1, waiting: 2 });
    light.release();
    expect(admission.state).toEqual({ costInFlight: 100, running: 1, waiting: 2 });
    full.release();
    await settle();
    expect(events).toEqual(['full at once', 'light at once', 'heavy admitted', 'small admitted']);
  });

  it('refuses an operation that would wait when the queue is full, with a retryable RATE_LIMITED', () => {
    const admission = new Admission({ ...OPTIONS, maxCostInFlight: 10, maxWaiting: 1 });
    admission.enter({ viewer: 'v1', cost: 10 });
    admission.enter({ viewer: 'v2', cost: 10 });
    let refused: unknown;
    try {
      admission.enter({ viewer: 'v3', cost: 10 });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: ErrorCode.RATE_LIMITED, retryable: true, retryAfterSeconds: 1, details: { limit: 'admission' } });
    expect(admission.state.waiting).toBe(1);
  });

  it('refuses an operation that waits longer than allowed, and lets those behind it start', async () => {
    jest.useFakeTimers();
    try {
      const admission = new Admission({ ...OPTIONS, maxWaitMs: 500 });
      const { events, track } = recorder();
      const running = track('running', admission.enter({ viewer: 'v1', cost: 50 }));
      track('heavy', admission.enter({ viewer: 'v2', cost: 80 }));
      jest.advanceTimersByTime(300);
      track('light', admission.enter({ viewer: 'v3', cost: 10 }));
      jest.advanceTimersByTime(200);
      await Promise.resolve();
      await Promise.resolve();
      expect(events).toEqual(['running at once', 'heavy refused: RATE_LIMITED', 'light admitted']);
      expect(admission.state).toEqual({ costInFlight: 60, running: 2, waiting: 0 });
      running.release();
    } finally {
      jest.useRealTimers();
    }
  });

  it("stops waiting when the request's deadline passes, and refuses at once when it already has", async () => {
    const admission = new Admission(OPTIONS);
    const { events, track } = recorder();
    admission.enter({ viewer: 'v1', cost: 100 });
    const deadline = new AbortController();
    track('late', admission.enter({ viewer: 'v2', cost: 10, signal: deadline.signal }));
    deadline.abort();
    await settle();
    expect(events).toEqual(['late refused: RATE_LIMITED']);
    expect(admission.state.waiting).toBe(0);
    expect(() => admission.enter({ viewer: 'v2', cost: 10, signal: deadline.signal })).toThrow(/deadline passed/);
  });

  it('takes a waiting operation whose request ended otherwise out of the queue, without holding the budget', async () => {
    const admission = new Admission(OPTIONS);
    const running = admission.enter({ viewer: 'v1', cost: 100 });
    const gone = admission.enter({ viewer: 'v2', cost: 10 });
    gone.release();
    expect(admission.state).toEqual({ costInFlight: 100, running: 1, waiting: 0 });
    running.release();
    expect(admission.state).toEqual({ costInFlight: 0, running: 0, waiting: 0 });
    gone.release();
    expect(admission.state).toEqual({ costInFlight: 0, running: 0, waiting: 0 });
  });

  it('refuses settings that would admit nothing or wait forever', () => {
    expect(() => new Admission({ ...OPTIONS, maxCostInFlight: 0 })).toThrow(RangeError);
    expect(() => new Admission({ ...OPTIONS, maxWaiting: -1 })).toThrow(RangeError);
    expect(() => new Admission({ ...OPTIONS, maxWaitMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => new Admission({ ...OPTIONS, lightCost: 100 })).toThrow(RangeError);
    expect(() => new Admission({ ...OPTIONS, saturatedRunning: -1 })).toThrow(RangeError);
  });

  it('while the main thread is saturated, makes operations wait although their cost fits, and lets them start once it has idle time', async () => {
    const admission = new Admission({ ...OPTIONS, maxCostInFlight: 1_000, saturatedRunning: 2 });
    const { events, track } = recorder();
    const first = Array.from({ length: 4 }, (_, i) => track(`r${i}`, admission.enter({ viewer: `v${i}`, cost: 10 })));
    expect(admission.runningLimit).toBe(Number.POSITIVE_INFINITY);
    admission.adapt(0.97); // four running: the limit comes down to three
    expect(admission.runningLimit).toBe(3);
    track('late', admission.enter({ viewer: 'v9', cost: 10 }));
    first[0]!.release();
    admission.adapt(0.97); // three running: down to two, never below what is set
    expect(admission.runningLimit).toBe(2);
    first[1]!.release();
    await settle();
    expect(events).not.toContain('late admitted');
    expect(admission.state).toEqual({ costInFlight: 20, running: 2, waiting: 1 });
    admission.adapt(0.5); // idle time: the limit rises and the waiting operation starts
    await settle();
    expect(admission.runningLimit).toBe(3);
    expect(events).toContain('late admitted');
    expect(admission.state).toEqual({ costInFlight: 30, running: 3, waiting: 0 });
  });

  it('never limits by count when saturatedRunning is 0', () => {
    const admission = new Admission(OPTIONS);
    for (let i = 0; i < 5; i += 1) admission.enter({ viewer: `v${i}`, cost: 10 });
    admission.adapt(1);
    expect(admission.runningLimit).toBe(Number.POSITIVE_INFINITY);
    expect(admission.enter({ viewer: 'v9', cost: 10 }).ready).toBeUndefined();
  });
});
