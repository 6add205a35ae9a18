import pino from 'pino';
import { createCallContext, deriveCallContext, type CallContext } from '../../../src/core/call-context.js';

const silent = () => pino({ level: 'info', enabled: false });

describe('the call context', () => {
  it('makes the request logger when first used, once', () => {
    const parent = silent();
    const child = jest.spyOn(parent, 'child');
    const cx = createCallContext('req-1', { parent, bindings: { requestId: 'req-1' } });
    expect(cx.logs('info')).toBe(parent.isLevelEnabled('info'));
    expect(child).not.toHaveBeenCalled();
    const log = cx.log;
    expect(cx.log).toBe(log);
    expect(child).toHaveBeenCalledTimes(1);
    expect(child).toHaveBeenCalledWith({ requestId: 'req-1' });
  });

  it('uses a logger given as it is', () => {
    const log = silent();
    expect(createCallContext('req-2', log).log).toBe(log);
  });

  it('shares one read between the resolvers of a request, and forgets a failed one', async () => {
    const cx = createCallContext('req-3', silent());
    const load = jest.fn().mockResolvedValue('card');
    await expect(Promise.all([cx.memo('k', load), cx.memo('k', load)])).resolves.toEqual(['card', 'card']);
    expect(load).toHaveBeenCalledTimes(1);
    const failing = jest.fn().mockRejectedValueOnce(new Error('down')).mockResolvedValue('again');
    await expect(cx.memo('f', failing)).rejects.toThrow('down');
    await expect(cx.memo('f', failing)).resolves.toBe('again');
  });

  it('defines log on its prototype, not on each context (no accessor pair per request)', () => {
    const cx = createCallContext('req-4', { parent: silent(), bindings: { requestId: 'req-4' } });
    expect(Object.getOwnPropertyDescriptor(cx, 'log')).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(cx), 'log')?.get).toBeInstanceOf(Function);
  });

  describe('derived with another signal or trace', () => {
    it('keeps the request id, viewer, logger and memo, and changes only what it is given', async () => {
      const parent = silent();
      const signal = new AbortController().signal;
      const cx = createCallContext('req-5', { parent, bindings: { requestId: 'req-5' } }, signal, undefined, 'acme:alice');
      const log = cx.log;
      const unbounded = deriveCallContext(cx, { signal: undefined });
      expect(unbounded.signal).toBeUndefined();
      expect(unbounded.requestId).toBe('req-5');
      expect(unbounded.viewerKey).toBe('acme:alice');
      expect(unbounded.log).toBe(log);
      expect(cx.signal).toBe(signal);
      const load = jest.fn().mockResolvedValue(1);
      await cx.memo('shared', load);
      await unbounded.memo('shared', load);
      expect(load).toHaveBeenCalledTimes(1);
      const trace = {} as CallContext['trace'];
      const traced = deriveCallContext(cx, { trace });
      expect(traced.trace).toBe(trace);
      expect(traced.signal).toBe(signal);
    });

    it('makes the logger of a derived context lazily too, from the same parent and bindings', () => {
      const parent = silent();
      const child = jest.spyOn(parent, 'child');
      const derived = deriveCallContext(createCallContext('req-6', { parent, bindings: { requestId: 'req-6' } }), { signal: undefined });
      expect(child).not.toHaveBeenCalled();
      void derived.log;
      expect(child).toHaveBeenCalledWith({ requestId: 'req-6' });
    });

    it('copies a context made elsewhere (a plain object) with the change', () => {
      const plain: CallContext = { requestId: 'r', log: silent(), logs: () => false, memo: (_k, load) => load(), signal: new AbortController().signal };
      const derived = deriveCallContext(plain, { signal: undefined });
      expect(derived).toEqual({ ...plain, signal: undefined });
    });
  });
});
