import { TtlCache } from '../../../../src/providers/transport/ttl-cache.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** A load whose settlement the test controls, counting its calls. */
function controlledLoad<V>() {
  const pending: Array<{ resolve: (v: V) => void; reject: (e: unknown) => void }> = [];
  const load = jest.fn(() => new Promise<V>((resolve, reject) => pending.push({ resolve, reject })));
  return { load, pending };
}

describe('TtlCache', () => {
  it('answers a fresh value from memory without loading again', async () => {
    const clock = manualClock();
    const cache = new TtlCache<string>({ now: clock.now });
    const load = jest.fn(async () => 'v1');
    expect(await cache.get('k', 3_000, load)).toBe('v1');
    clock.advance(2_999);
    expect(await cache.get('k', 3_000, load)).toBe('v1');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('loads again once the value has expired', async () => {
    const clock = manualClock();
    const cache = new TtlCache<number>({ now: clock.now });
    let n = 0;
    const load = jest.fn(async () => ++n);
    expect(await cache.get('k', 3_000, load)).toBe(1);
    clock.advance(3_000);
    expect(await cache.get('k', 3_000, load)).toBe(2);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('counts the TTL from when the load settled, not from when it started', async () => {
    const clock = manualClock();
    const cache = new TtlCache<string>({ now: clock.now });
    const { load, pending } = controlledLoad<string>();
    const first = cache.get('k', 3_000, load);
    clock.advance(2_000); // a slow upstream
    pending[0]!.resolve('v');
    await first;
    clock.advance(2_500); // 4.5 s after the start, 2.5 s after the answer
    await cache.get('k', 3_000, load);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('shares one in-flight load between concurrent callers', async () => {
    const cache = new TtlCache<string>();
    const { load, pending } = controlledLoad<string>();
    const callers = Array.from({ length: 20 }, () => cache.get('k', 3_000, load));
    await Promise.resolve();
    expect(load).toHaveBeenCalledTimes(1);
    pending[0]!.resolve('shared');
    expect(await Promise.all(callers)).toEqual(Array(20).fill('shared'));
  });

  it('keeps keys apart', async () => {
    const cache = new TtlCache<string>();
    const load = jest.fn(async () => 'x');
    await Promise.all([cache.get('a', 1_000, load), cache.get('b', 1_000, load)]);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not cache a failure: every waiter sees it, the next caller loads again', async () => {
    const cache = new TtlCache<string>();
    const { load, pending } = controlledLoad<string>();
    const a = cache.get('k', 3_000, load);
    const b = cache.get('k', 3_000, load);
    await Promise.resolve();
    pending[0]!.reject(new Error('upstream down'));
    await expect(a).rejects.toThrow('upstream down');
    await expect(b).rejects.toThrow('upstream down');
    const retry = cache.get('k', 3_000, load);
    await Promise.resolve();
    expect(load).toHaveBeenCalledTimes(2);
    pending[1]!.resolve('recovered');
    expect(await retry).toBe('recovered');
  });

  it('treats a load that throws synchronously as a failed load', async () => {
    const cache = new TtlCache<string>();
    await expect(
      cache.get('k', 3_000, () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(await cache.get('k', 3_000, async () => 'ok')).toBe('ok');
  });

  it('caches null like any value (a "not found" answer is an answer)', async () => {
    const cache = new TtlCache<string | null>();
    const load = jest.fn(async () => null);
    expect(await cache.get('missing', 3_000, load)).toBeNull();
    expect(await cache.get('missing', 3_000, load)).toBeNull();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not resurrect a key deleted while its load was in flight', async () => {
    const cache = new TtlCache<string>();
    const { load, pending } = controlledLoad<string>();
    const first = cache.get('k', 3_000, load);
    await Promise.resolve();
    cache.delete('k');
    pending[0]!.resolve('stale');
    expect(await first).toBe('stale');
    const second = cache.get('k', 3_000, load);
    await Promise.resolve();
    expect(load).toHaveBeenCalledTimes(2);
    pending[1]!.resolve('fresh');
    expect(await second).toBe('fresh');
  });

  it('holds at most maxEntries values, dropping the oldest', async () => {
    const cache = new TtlCache<number>({ maxEntries: 2 });
    for (const [i, key] of ['a', 'b', 'c'].entries()) await cache.get(key, 60_000, async () => i);
    expect(cache.size).toBe(2);
    const reload = jest.fn(async () => 99);
    expect(await cache.get('a', 60_000, reload)).toBe(99);
    expect(await cache.get('c', 60_000, reload)).toBe(2);
  });
});
