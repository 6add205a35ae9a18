import { ErrorCode, GatewayError } from '../../../src/core/errors.js';
import { collectFiltered, mergeSources, validateFirst, type MergedPage, type Source } from '../../../src/gateway/pagination.js';
import { readOffsetWindow } from '../../../src/providers/transport/offset-paging.js';
import type { Page, PageRequest } from '../../../src/core/page.js';
import type { ProviderKey } from '../../../src/core/provider-key.js';

interface Item {
  id: string;
  createdAt: Date | null;
}

/** A source over a fixed newest-first list, paging by id like utgl, with a page-size quirk. */
function listSource(key: ProviderKey, items: Item[], maxPage = 100): Source<Item> & { calls: number } {
  const source = {
    key,
    provider: key,
    calls: 0,
    async fetch(page: PageRequest): Promise<Page<Item>> {
      source.calls += 1;
      const start = page.after ? items.findIndex((i) => i.id === page.after) + 1 : 0;
      const slice = items.slice(start, start + Math.min(page.limit, maxPage));
      return { items: slice.map((node) => ({ node, token: node.id })), hasMore: start + slice.length < items.length };
    },
  };
  return source;
}

function items(prefix: string, n: number, step: number, offset = 0, undated = 0): Item[] {
  const dated = Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, createdAt: new Date(1_000_000 - offset - i * step) }));
  const rest = Array.from({ length: undated }, (_, i) => ({ id: `${prefix}u${i}`, createdAt: null }));
  return [...dated, ...rest];
}

const timeOf = (i: Item) => i.createdAt?.getTime() ?? null;

async function walk(sources: Source<Item>[], first: number) {
  const seen: Item[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 1000; pages += 1) {
    const page: MergedPage<Item> = await mergeSources(sources, first, after, "test", timeOf);
    seen.push(...page.edges.map((e) => e.node));
    if (!page.hasNextPage) return seen;
    after = page.endCursor;
  }
  throw new Error('did not terminate');
}

describe('mergeSources', () => {
  it.each([1, 3, 7, 20, 100])('walks three providers with first=%i: every item exactly once, newest first', async (first) => {
    const a = items('a', 37, 7);
    const b = items('b', 23, 11, 3, 4);
    const c = items('c', 0, 1);
    const seen = await walk([listSource('utgl', a), listSource('ledger', b, 5), listSource('baas', c)], first);
    expect(seen.map((i) => i.id).sort()).toEqual([...a, ...b, ...c].map((i) => i.id).sort());
    const dated = seen.filter((i) => i.createdAt).map((i) => i.createdAt!.getTime());
    expect(dated).toEqual([...dated].sort((x, y) => y - x));
    expect(seen.slice(-4).every((i) => i.createdAt === null)).toBe(true);
  });

  it('reports a failing provider and keeps the others, then resumes it on the next page', async () => {
    const a = items('a', 10, 5);
    const b = items('b', 10, 5, 2);
    let failing = true;
    const flaky: Source<Item> = {
      key: 'ledger',
      provider: 'ledger',
      fetch: (page) => (failing ? Promise.reject(new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, 'slow')) : listSource('ledger', b).fetch(page)),
    };
    const first = await mergeSources([listSource('utgl', a), flaky], 4, null, 'test', timeOf);
    expect(first.edges.map((e) => e.node.id)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(first.failures).toHaveLength(1);
    expect(first.failures[0]!.provider).toBe('ledger');
    expect(first.failures[0]!.error.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    failing = false;
    const second = await mergeSources([listSource('utgl', a), flaky], 4, first.endCursor, 'test', timeOf);
    expect(second.edges[0]!.node.id).toBe('b0');
    expect(second.failures).toEqual([]);
  });

  it('does not query a provider again once it is exhausted', async () => {
    const short = listSource('ledger', items('s', 2, 1));
    const long = listSource('utgl', items('l', 30, 1, 5));
    await walk([long, short], 5);
    expect(short.calls).toBe(1);
  });

  it('reads an undated source only once the dated ones cannot fill the page, and still walks every item once', async () => {
    const dated = listSource('utgl', items('d', 12, 3));
    const undated = { ...listSource('ledger', items('u', 0, 1, 0, 9)), undated: true };
    let calls = 0;
    const counted: Source<Item> = { ...undated, fetch: (page) => ((calls += 1), undated.fetch(page)) };
    const page1 = await mergeSources([dated, counted], 10, null, 'test', timeOf);
    expect(page1.edges.map((e) => e.node.id)).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9']);
    expect(calls).toBe(0);
    expect(page1.hasNextPage).toBe(true);
    const page2 = await mergeSources([dated, counted], 10, page1.endCursor, 'test', timeOf);
    expect(page2.edges.map((e) => e.node.id)).toEqual(['d10', 'd11', 'uu0', 'uu1', 'uu2', 'uu3', 'uu4', 'uu5', 'uu6', 'uu7']);
    expect(calls).toBe(1);
    const page3 = await mergeSources([dated, counted], 10, page2.endCursor, 'test', timeOf);
    expect(page3.edges.map((e) => e.node.id)).toEqual(['uu8']);
    expect(page3.hasNextPage).toBe(false);
  });

  it("resumes right after any edge from that edge's cursor, whichever order the cursors are read in", async () => {
    const sources = [listSource('utgl', items('a', 9, 5)), listSource('baas', items('b', 8, 7, 2)), listSource('ledger', items('c', 0, 1, 0, 4))];
    const page = await mergeSources(sources, 20, null, 'test', timeOf);
    expect(page.edges).toHaveLength(20);
    // Read backwards: each cursor is the state after its own edge, not after the last one read.
    const cursors = [...page.edges].reverse().map((e) => e.cursor).reverse();
    expect(new Set(cursors).size).toBe(20);
    expect(cursors[19]).toBe(page.endCursor);
    const ids = page.edges.map((e) => e.node.id);
    for (const i of [0, 6, 13, 18]) {
      const rest = await mergeSources(sources, 20, cursors[i]!, 'test', timeOf);
      expect(rest.edges.map((e) => e.node.id)).toEqual([...ids.slice(i + 1), ...rest.edges.map((e) => e.node.id).slice(19 - i)]);
    }
  });

  it('rejects a cursor issued for another list', async () => {
    const page = await mergeSources([listSource('utgl', items('a', 5, 1))], 2, null, 'cards:{}', timeOf);
    await expect(mergeSources([listSource('utgl', items('a', 5, 1))], 2, page.endCursor, 'wallets:{}', timeOf)).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
    });
    await expect(mergeSources([], 2, 'garbage!', 'cards:{}', timeOf)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
  });

  it('accepts first from 1 to 100 only', () => {
    expect(validateFirst(undefined)).toBe(20);
    expect(validateFirst(100)).toBe(100);
    for (const bad of [0, -1, 101, 2.5]) expect(() => validateFirst(bad)).toThrow(/first must be an integer from 1 to 100/);
  });
});

describe('readOffsetWindow', () => {
  const data = Array.from({ length: 23 }, (_, i) => i);
  const pager = (total?: boolean) => {
    const calls: Array<[number, number]> = [];
    const fetch = async (page: number, size: number) => {
      calls.push([page, size]);
      return { items: data.slice((page - 1) * size, page * size), total: total ? data.length : undefined };
    };
    return { calls, fetch };
  };

  it('reads an unaligned window with at most two upstream pages', async () => {
    const { calls, fetch } = pager();
    const page = await readOffsetWindow(7, 5, fetch);
    expect(page.items.map((i) => i.node)).toEqual([7, 8, 9, 10, 11]);
    expect(page.items.map((i) => i.token)).toEqual(['8', '9', '10', '11', '12']);
    expect(calls).toEqual([[2, 5], [3, 5]]);
    expect(page.hasMore).toBe(true);
  });

  it('knows the end from the total when the provider gives one', async () => {
    const page = await readOffsetWindow(20, 5, pager(true).fetch);
    expect(page.items.map((i) => i.node)).toEqual([20, 21, 22]);
    expect(page.hasMore).toBe(false);
  });
});

describe('collectFiltered', () => {
  it('reads on until the page is full of matches', async () => {
    const source = listSource('utgl', items('a', 50, 1));
    const even = (i: Item) => Number(i.id.slice(1)) % 10 === 0;
    const page = await collectFiltered({ limit: 3 }, (after, limit) => source.fetch({ after, limit }), even, 7);
    expect(page.items.map((i) => i.node.id)).toEqual(['a0', 'a10', 'a20']);
    expect(page.hasMore).toBe(true);
    const rest = await collectFiltered({ limit: 3, after: page.items[2]!.token }, (after, limit) => source.fetch({ after, limit }), even, 7);
    expect(rest.items.map((i) => i.node.id)).toEqual(['a30', 'a40']);
    expect(rest.hasMore).toBe(false);
  });
});

describe('a merged page', () => {
  it('encodes its end cursor when read, once, from a getter on its prototype (no accessor pair per page)', async () => {
    const page = await mergeSources([listSource('utgl', items('a', 5, 1))], 2, null, 'test', timeOf);
    expect(Object.getOwnPropertyDescriptor(page, 'endCursor')).toBeUndefined();
    const end = page.endCursor;
    expect(end).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]+$/));
    expect(page.endCursor).toBe(end);
    expect(page.edges[1]!.cursor).toBe(end);
    const next = await mergeSources([listSource('utgl', items('a', 5, 1))], 2, end, 'test', timeOf);
    expect(next.edges.map((e) => e.node.id)).toEqual(['a2', 'a3']);
  });

  it('has no end cursor when it took nothing and started no source', async () => {
    const page = await mergeSources([], 2, null, 'test', timeOf);
    expect(page.endCursor).toBeNull();
    expect(page.hasNextPage).toBe(false);
  });
});
