/**
 * The list mechanics the simulators share: newest-first ordering and page slicing. Each
 * provider keeps its own parameter names, limits and error answers.
 */

/** What a list is ordered by: an ISO-8601 timestamp, then the id to break ties. */
export interface SortKey {
  at: string;
  id: string;
}

/** Negative when `a` comes first: the later timestamp first, then the larger id. */
export function newestFirst(a: SortKey, b: SortKey): number {
  if (a.at !== b.at) return a.at > b.at ? -1 : 1;
  if (a.id !== b.id) return a.id > b.id ? -1 : 1;
  return 0;
}

/** A comparator putting items newest first by the key `key` reads from them. */
export function newestFirstBy<T>(key: (item: T) => SortKey): (a: T, b: T) => number {
  return (a, b) => newestFirst(key(a), key(b));
}

/** Page `page` (1-based) of `size` items. */
export function pageOf<T>(items: readonly T[], page: number, size: number): T[] {
  const start = (page - 1) * size;
  return items.slice(start, start + size);
}

/**
 * An integer query parameter: `fallback` when absent or empty, undefined when it is not a
 * whole number from `min` to `max`.
 */
export function integerParam(text: string | null, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === null || text === '') return fallback;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}
