/**
 * Exact pagination over several sources (providers, or several scopes of one provider).
 *
 * Each source lists its own items newest first and hands back, per item, a token to resume
 * right after it. A page is a k-way merge of the sources' heads (newest first, then source
 * key and position as tie-breaks), so what is taken from each source is always a prefix of
 * what it returned; the cursor records, per source, the token of the last item taken (or
 * that the source is exhausted). Walking the pages therefore yields every item exactly once,
 * whatever `first` is, and a source that failed on one page can be resumed on the next.
 */
import { base64urlOfText } from '../core/base64url.js';
import { badInput, GatewayError, ErrorCode } from '../core/errors.js';
import type { Page, PageRequest } from '../core/page.js';
import type { ProviderKey } from '../core/provider-key.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSizeProblem } from '../core/page.js';


export interface Source<T> {
  /** Stable across pages, e.g. `utgl` or `ledger:wallet:0xabc`. */
  key: string;
  provider: ProviderKey;
  /** Must return at least one item unless the source is exhausted (`hasMore: false`). */
  fetch(page: PageRequest): Promise<Page<T>>;
  /** Its items carry no time (ledger's customers, wallets, cards): they merge last. */
  undated?: boolean;
}

export interface Edge<T> {
  node: T;
  /** Encoded when read: a client asking for `nodes` only never pays for the cursors. */
  readonly cursor: string;
}

export interface SourceFailure {
  provider: ProviderKey;
  error: GatewayError;
  /**
   * A provider a fan-out list skipped because it cannot serve that list at all
   * (UNSUPPORTED_BY_PROVIDER): named in the connection's `failures` only, since it is a fact
   * about the provider, not an error of this request. Anything asked of one provider by name
   * (a filter, an object's relation) that it cannot serve is reported in `errors` too.
   */
  skipped?: boolean;
}

export interface MergedPage<T> {
  edges: Edge<T>[];
  hasNextPage: boolean;
  /** Encoded when read, like the edges' cursors. */
  readonly endCursor: string | null;
  failures: SourceFailure[];
}

/** Per source: absent = not started, string = resume after this token, null = exhausted. */
type CursorState = Record<string, string | null>;

interface CursorPayload {
  v: 1;
  /** A fingerprint of the list's arguments: a cursor only continues the list it came from. */
  f: string;
  s: CursorState;
}

export function validateFirst(first: number | null | undefined): number {
  const value = first ?? DEFAULT_PAGE_SIZE;
  const problem = pageSizeProblem(value);
  if (problem) throw badInput(problem);
  return value;
}

function encodeCursor(fingerprint: string, state: CursorState): string {
  const payload: CursorPayload = { v: 1, f: fingerprint, s: state };
  return base64urlOfText(JSON.stringify(payload));
}

function decodeCursor(cursor: string | null | undefined, fingerprint: string): CursorState {
  if (cursor === null || cursor === undefined) return {};
  const invalid = () => badInput('after is not a cursor of this list (it was issued for another list or altered)');
  if (cursor.length > 16_384 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const p = payload as Partial<CursorPayload>;
  if (!p || p.v !== 1 || p.f !== fingerprint || typeof p.s !== 'object' || p.s === null) throw invalid();
  for (const value of Object.values(p.s)) {
    if (value !== null && typeof value !== 'string') throw invalid();
  }
  return p.s as CursorState;
}

/**
 * The cursor state as a merge changes it: the state it started from and each change since,
 * so the cursor after any edge is encoded only when it is read (the nested shape of issue 14
 * encoded 1,200 cursors per query that no client asked for). `state` is the current state,
 * which the merge reads.
 */
class CursorTrail {
  readonly state: CursorState;
  private readonly changes: Array<[key: string, value: string | null]> = [];

  constructor(
    private readonly fingerprint: string,
    private readonly start: CursorState,
  ) {
    this.state = { ...start };
  }

  set(key: string, value: string | null): void {
    this.state[key] = value;
    this.changes.push([key, value]);
  }

  /** How many changes there are so far: where an edge's cursor stands. */
  get length(): number {
    return this.changes.length;
  }

  /** The state of the last cursor encoded, and how many changes it holds. */
  private replayed: CursorState | undefined;
  private replayedTo = 0;

  /**
   * The cursor after the first `length` changes. Cursors are mostly read in edge order, so
   * the replay goes on from the last one read; an earlier one starts again from the start.
   */
  cursorAt(length: number): string {
    if (this.replayed === undefined || length < this.replayedTo) {
      this.replayed = { ...this.start };
      this.replayedTo = 0;
    }
    for (; this.replayedTo < length; this.replayedTo += 1) {
      const [key, value] = this.changes[this.replayedTo]!;
      this.replayed[key] = value;
    }
    return encodeCursor(this.fingerprint, this.replayed);
  }
}

/** An edge whose cursor is encoded when read, at most once. */
class MergedEdge<T> implements Edge<T> {
  private encoded: string | undefined;

  constructor(
    readonly node: T,
    private readonly trail: CursorTrail,
    private readonly at: number,
  ) {}

  get cursor(): string {
    return (this.encoded ??= this.trail.cursorAt(this.at));
  }
}

/** The merge order: newest first; undated items after dated ones. */
export type SortTime<T> = (node: T) => number | null;

interface Head<T> {
  source: Source<T>;
  page: Page<T>;
  index: number;
}

function toGatewayError(error: unknown, provider: ProviderKey): GatewayError {
  if (error instanceof GatewayError) return error.provider ? error : error.with({ provider });
  return new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error', { provider, cause: error });
}

export async function mergeSources<T>(
  sources: readonly Source<T>[],
  first: number,
  after: string | null | undefined,
  fingerprint: string,
  timeOf: SortTime<T>,
): Promise<MergedPage<T>> {
  const trail = new CursorTrail(fingerprint, decodeCursor(after, fingerprint));
  const { state } = trail;
  const active = sources.filter((s) => state[s.key] !== null);
  const failures: SourceFailure[] = [];
  const heads: Head<T>[] = [];
  const edges: Edge<T>[] = [];

  // Undated items merge after every dated one, so undated sources are read only once the
  // dated ones cannot fill the page: a page of recent cards costs no call to them.
  const dated = active.filter((s) => !s.undated);
  const undated = active.filter((s) => s.undated);
  await fetchHeads(dated, first, trail, heads, failures);
  merge(heads, first, trail, edges, timeOf);
  const datedRemain = heads.some((h) => h.index < h.page.items.length || h.page.hasMore);
  if (!datedRemain && edges.length < first && undated.length > 0) {
    await fetchHeads(undated, first - edges.length, trail, heads, failures);
    merge(heads, first, trail, edges, timeOf);
  }

  // Nothing answered: the list failed as a whole rather than "succeeding" empty.
  if (failures.length > 0 && failures.length === active.length) throw failures[0]!.error;

  const unread = undated.some((s) => state[s.key] !== null && !heads.some((h) => h.source === s));
  const hasNextPage = unread || heads.some((h) => h.index < h.page.items.length || h.page.hasMore);
  const ended = edges.length > 0 || Object.keys(state).length > 0;
  return new MergedPageOf(edges, hasNextPage, failures, ended ? trail : undefined, trail.length);
}

/**
 * A merged page; its end cursor is encoded when first read. A class, the getter on its
 * prototype: no getter literals on a request's path (ARCHITECTURE.md, Per-request objects).
 */
class MergedPageOf<T> implements MergedPage<T> {
  private encodedEnd: string | undefined;

  constructor(
    readonly edges: Edge<T>[],
    readonly hasNextPage: boolean,
    readonly failures: SourceFailure[],
    /** Absent when the page neither took an item nor started any source: no end cursor. */
    private readonly trail: CursorTrail | undefined,
    private readonly endAt: number,
  ) {}

  get endCursor(): string | null {
    return this.trail ? (this.encodedEnd ??= this.trail.cursorAt(this.endAt)) : null;
  }
}

async function fetchHeads<T>(
  sources: readonly Source<T>[],
  limit: number,
  trail: CursorTrail,
  heads: Head<T>[],
  failures: SourceFailure[],
): Promise<void> {
  const settled = await Promise.allSettled(
    sources.map((s) => Promise.resolve().then(() => s.fetch({ after: trail.state[s.key] ?? undefined, limit }))),
  );
  settled.forEach((result, i) => {
    const source = sources[i]!;
    if (result.status === 'rejected') {
      failures.push({ provider: source.provider, error: toGatewayError(result.reason, source.provider) });
    } else {
      heads.push({ source, page: result.value, index: 0 });
      if (result.value.items.length === 0 && !result.value.hasMore) trail.set(source.key, null);
    }
  });
}

/** Takes items from the heads, newest first, into `edges` until the page is full. */
function merge<T>(heads: Head<T>[], first: number, trail: CursorTrail, edges: Edge<T>[], timeOf: SortTime<T>): void {
  while (edges.length < first) {
    const next = pickNewest(heads, timeOf);
    if (!next) return;
    const item = next.page.items[next.index]!;
    next.index += 1;
    const exhausted = next.index >= next.page.items.length && !next.page.hasMore;
    trail.set(next.source.key, exhausted ? null : item.token);
    edges.push(new MergedEdge(item.node, trail, trail.length));
    // A source that has more than it returned may hold items newer than the other heads:
    // stop here rather than let the page run ahead of it (the next page resumes it).
    if (next.index >= next.page.items.length && next.page.hasMore) return;
  }
}

function pickNewest<T>(heads: Head<T>[], timeOf: SortTime<T>): Head<T> | undefined {
  let best: Head<T> | undefined;
  let bestTime = -Infinity;
  for (const head of heads) {
    if (head.index >= head.page.items.length) continue;
    const time = timeOf(head.page.items[head.index]!.node) ?? -Infinity;
    // Ties go to the first source in `sources` order, which is stable from page to page.
    if (!best || time > bestTime) {
      best = head;
      bestTime = time;
    }
  }
  return best;
}


/**
 * Applies a filter the upstream cannot apply itself: reads raw pages (resuming after the
 * last scanned item) until `limit` matches are found or the upstream is exhausted, so the
 * source still returns a full page unless it has no more.
 */
export async function collectFiltered<T>(
  page: PageRequest,
  fetchRaw: (after: string | undefined, limit: number) => Promise<Page<T>>,
  keep: (node: T) => boolean,
  rawPageSize = MAX_PAGE_SIZE,
): Promise<Page<T>> {
  const items: Page<T>['items'] = [];
  let after = page.after;
  for (;;) {
    const raw = await fetchRaw(after, rawPageSize);
    for (let i = 0; i < raw.items.length; i += 1) {
      const item = raw.items[i]!;
      if (!keep(item.node)) continue;
      items.push(item);
      if (items.length === page.limit) {
        return { items, hasMore: i < raw.items.length - 1 || raw.hasMore };
      }
    }
    if (!raw.hasMore || raw.items.length === 0) return { items, hasMore: false };
    after = raw.items[raw.items.length - 1]!.token;
  }
}
