import { badInput } from '../../core/errors.js';
import type { Page } from '../../core/page.js';

/**
 * Reads items [start, start + limit) from an upstream that pages by number (page 1-based,
 * fixed page size): at most two upstream pages. Tokens are absolute positions.
 */
export async function readOffsetWindow<T>(
  start: number,
  limit: number,
  fetchPage: (page: number, size: number) => Promise<{ items: T[]; total?: number }>,
): Promise<Page<T>> {
  const size = limit;
  const firstPage = Math.floor(start / size) + 1;
  const skip = start % size;
  const one = await fetchPage(firstPage, size);
  let items = one.items.slice(skip);
  let lastFull = one.items.length >= size;
  let total = one.total;
  if (skip > 0 && lastFull) {
    const two = await fetchPage(firstPage + 1, size);
    items = items.concat(two.items);
    lastFull = two.items.length >= size;
    total = two.total ?? total;
  }
  const taken = items.slice(0, limit);
  const end = start + taken.length;
  const hasMore = total !== undefined ? end < total : items.length > limit || lastFull;
  return { items: taken.map((node, i) => ({ node, token: String(start + i + 1) })), hasMore };
}

/** The position an offset-paged source resumes at, from its token. */
export function offsetFromToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const n = Number(token);
  if (!Number.isSafeInteger(n) || n < 0) throw badInput('after is not a cursor of this list');
  return n;
}
