/**
 * A state store whose next calls to one method fail, for tests of what the engine does when
 * storage breaks: everything else goes to the real store underneath.
 */
import type { IdempotencyRecords, StateStore } from '../../src/store/state-store.js';

export interface FlakyStore extends StateStore {
  /** The next `times` calls of `method` reject (without reaching the store). */
  fail(method: keyof IdempotencyRecords | 'audit.record', times?: number): void;
}

export function flakyStore(inner: StateStore): FlakyStore {
  const failures = new Map<string, number>();
  const take = (method: string) => {
    const left = failures.get(method) ?? 0;
    if (left <= 0) return false;
    failures.set(method, left - 1);
    return true;
  };
  const guard = <T extends object>(target: T, prefix: string): T =>
    new Proxy(target, {
      get(obj, name, receiver) {
        const value = Reflect.get(obj, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (take(`${prefix}${String(name)}`)) return Promise.reject(new Error(`disk I/O error (injected into ${prefix}${String(name)})`));
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      },
    });
  const records = guard(inner.records, '');
  const audit = guard(inner.audit, 'audit.');
  return {
    engine: inner.engine,
    records,
    audit,
    revealTokens: inner.revealTokens,
    leases: inner.leases,
    check: () => inner.check(),
    purge: (olderThan) => inner.purge(olderThan),
    close: () => inner.close(),
    fail(method, times = 1) {
      failures.set(method, times);
    },
  };
}
