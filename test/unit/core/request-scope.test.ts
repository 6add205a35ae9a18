import pino from 'pino';
import { createRequestScope, startDeadline } from '../../../src/core/request-scope.js';
import type { Viewer } from '../../../src/core/viewer.js';

const viewer = { tenant: 'acme', subject: 'user-1', scopes: new Set() } as unknown as Viewer;

describe('startDeadline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('aborts with a TimeoutError when the time is up, not before', () => {
    const { signal } = startDeadline(1_000);
    jest.advanceTimersByTime(999);
    expect(signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('never aborts once cleared', () => {
    const deadline = startDeadline(1_000);
    const aborted = jest.fn();
    deadline.signal.addEventListener('abort', aborted);
    deadline.clear();
    jest.advanceTimersByTime(10_000);
    expect(deadline.signal.aborted).toBe(false);
    expect(aborted).not.toHaveBeenCalled();
  });

  it('does not keep the process alive', () => {
    const created = jest.spyOn(global, 'setTimeout');
    startDeadline(1_000);
    const timer = created.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
  });
});

describe('createRequestScope', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("gives upstream calls the request's deadline, which stops counting once the request finishes", () => {
    const log = pino({ level: 'silent' });
    const finished = createRequestScope('req-1', viewer, log, 500);
    const abandoned = createRequestScope('req-2', viewer, log, 500);
    finished.finish();
    jest.advanceTimersByTime(500);
    expect(finished.cx.signal!.aborted).toBe(false);
    expect(abandoned.cx.signal!.aborted).toBe(true);
    expect(finished.cx.requestId).toBe('req-1');
  });

  it("makes the request's logger only when a line is written, with the request's bindings", () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const child = jest.spyOn(log, 'child');
    const scope = createRequestScope('req-3', viewer, log, 500);
    expect(scope.cx.logs('debug')).toBe(false);
    expect(scope.cx.logs('info')).toBe(true);
    expect(child).not.toHaveBeenCalled();
    scope.cx.log.info('hello');
    scope.cx.log.info('again');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ msg: 'hello', requestId: 'req-3', tenant: 'acme', sub: 'user-1' }),
      expect.objectContaining({ msg: 'again', requestId: 'req-3' }),
    ]);
    scope.finish();
  });
});
