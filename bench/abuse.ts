/**
 * The abuse runs of `npm run bench` (issue 11): what refusing an abusive document costs the
 * gateway, and what one viewer flooding with the worst documents the limits still admit does
 * to another viewer's reads. Figures for reading; nothing here asserts.
 */
import { Pool } from 'undici';
import { percentile, runLoad } from './load.js';

export interface Document {
  query: string;
  variables?: Record<string, unknown>;
}

export interface Answer {
  status: number;
  /** `extensions.code` (and `.limit`) of the first error, if any. */
  code?: string;
}

/** POSTs documents to the gateway with one viewer's token. */
export function graphqlClient(pool: Pool, token: string): (document: Document) => Promise<Answer> {
  return async ({ query, variables }) => {
    const res = await pool.request({
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.body.json()) as { errors?: Array<{ extensions?: { code?: string; limit?: string } }> };
    const first = body.errors?.[0]?.extensions;
    return { status: res.statusCode, code: first ? [first.code, first.limit].filter(Boolean).join(':') : undefined };
  };
}

const gid = (provider: string, type: string, ref: string) => Buffer.from(`${provider}:${type}:${ref}`).toString('base64url');

// ---------------------------------------------------------------------------------------
// refused documents

export interface RefusedDocument {
  name: string;
  description: string;
  document: Document;
  /** The refusal expected (`code:limit`), checked before measuring. */
  expected: string;
}

export const REFUSED_DOCUMENTS: RefusedDocument[] = [
  {
    name: 'fields-499',
    description: 'one field repeated 499 times (refused by the scan, before parsing and validation)',
    document: { query: `{ cards(first: 1) { nodes { ${'id '.repeat(499)}} } }` },
    expected: 'BAD_USER_INPUT:fields',
  },
  {
    name: 'aliases-60',
    description: '60 aliased fields (within the field cap, refused by validation)',
    document: { query: `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: providers { provider }`).join(' ')} }` },
    expected: 'BAD_USER_INPUT:aliases',
  },
  {
    name: 'nodes-30x100',
    description: '30 aliases × 100 ids of nodes (refused before execution: ids per document)',
    document: {
      query: `query Flood($ids: [ID!]!) { ${Array.from({ length: 30 }, (_, i) => `a${i}: nodes(ids: $ids) { id }`).join(' ')} }`,
      variables: { ids: Array.from({ length: 100 }, (_, i) => gid('pushpull', 'Transaction', `txn_unknown_${i}`)) },
    },
    expected: 'BAD_USER_INPUT:ids',
  },
];

export interface RefusedFigures {
  rps: number;
  p50: number;
  cpuMsPerRefusal: number;
  upstreamCalls: number;
  /** Answers that were not the expected refusal. */
  unexpected: number;
}

export interface Measure {
  /** The gateway process's CPU time so far, in ms. */
  cpuMs(): number;
  /** Upstream calls counted at the simulators since the last reset; `reset` zeroes them. */
  upstream(reset?: boolean): Promise<number>;
}

/** Drives one refused document with `concurrency` clients; CPU per refusal from the gateway process. */
export async function measureRefusal(
  send: (document: Document) => Promise<Answer>,
  refused: RefusedDocument,
  measure: Measure,
  concurrency: number,
  durationMs: number,
): Promise<RefusedFigures> {
  const first = await send(refused.document);
  if (first.code !== refused.expected) throw new Error(`${refused.name}: expected ${refused.expected}, got ${first.code ?? first.status}`);
  let unexpected = 0;
  const once = async () => {
    const answer = await send(refused.document);
    if (answer.code !== refused.expected) unexpected += 1;
  };
  await runLoad(once, concurrency, Math.min(1_000, durationMs));
  await measure.upstream(true);
  unexpected = 0;
  const before = measure.cpuMs();
  const load = await runLoad(once, concurrency, durationMs);
  const cpu = measure.cpuMs() - before;
  return {
    rps: (load.requests / load.elapsedMs) * 1000,
    p50: percentile(load.latenciesMs, 50),
    cpuMsPerRefusal: cpu / Math.max(1, load.requests),
    upstreamCalls: await measure.upstream(),
    unexpected,
  };
}

// ---------------------------------------------------------------------------------------
// noisy neighbour

export interface FloodIds {
  baasCardIds: string[];
  baasCardholderIds: string[];
  baasWalletIds: string[];
}

/**
 * The worst documents the limits still admit, each at one limit: a `nodes` look-up of 100
 * distinct baas objects (the ids cap; baas reads them one by one, so 100 upstream calls), a
 * list near the cost cap (50 utgl cardholders × 10 cards × 5 transactions), and a document
 * at the field cap (150 fields: the most validation work admitted).
 */
export function floodDocuments(ids: FloodIds): Document[] {
  const baas = [
    ...ids.baasCardIds.map((ref) => gid('baas', 'Card', ref)),
    ...ids.baasCardholderIds.map((ref) => gid('baas', 'Cardholder', ref)),
    ...ids.baasWalletIds.map((ref) => gid('baas', 'Wallet', ref)),
  ].slice(0, 100);
  return [
    { query: 'query Lookup($ids: [ID!]!) { nodes(ids: $ids) { id provider } }', variables: { ids: baas } },
    {
      query:
        '{ cardholders(first: 50, filter: { provider: UTGL }) { nodes { id cards(first: 10) { nodes { id transactions(first: 5) { nodes { id status } } } } } } }',
    },
    { query: `{ cards(first: 1, filter: { provider: BAAS }) { nodes { ${'id '.repeat(148)}} } }` },
  ];
}

export interface ReaderFigures {
  requests: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface NoisyNeighbourFigures {
  alone: ReaderFigures;
  flooded: ReaderFigures;
  flood: {
    /** Flood documents answered without errors, per second. */
    admittedPerSecond: number;
    /** Flood documents refused, per second, by code. */
    refusedPerSecond: Record<string, number>;
    upstreamCallsPerSecond: number;
    gatewayCpuPercent: number;
  };
}

/**
 * An open-loop reader: one document every `intervalMs` (below its own rate limit), whatever
 * the latency, so a slow gateway shows as latency rather than as fewer samples.
 */
async function readPaced(read: () => Promise<Answer>, intervalMs: number, durationMs: number): Promise<ReaderFigures> {
  const latencies: number[] = [];
  let errors = 0;
  const inFlight: Array<Promise<void>> = [];
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const t0 = performance.now();
    inFlight.push(
      read().then(
        (answer) => {
          if (answer.status === 200 && !answer.code) latencies.push(performance.now() - t0);
          else errors += 1;
        },
        () => {
          errors += 1;
        },
      ),
    );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

export async function noisyNeighbour(options: {
  read: () => Promise<Answer>;
  flood: (document: Document) => Promise<Answer>;
  documents: Document[];
  floodConcurrency: number;
  readerIntervalMs: number;
  durationMs: number;
  measure: Measure;
}): Promise<NoisyNeighbourFigures> {
  const { read, flood, documents, measure } = options;
  for (let i = 0; i < 20; i += 1) await read(); // warm the reader's path
  const alone = await readPaced(read, options.readerIntervalMs, options.durationMs);

  let admitted = 0;
  const refused = new Map<string, number>();
  let i = 0;
  const floodOnce = async () => {
    const answer = await flood(documents[i++ % documents.length]!);
    if (answer.status === 200 && !answer.code) admitted += 1;
    else refused.set(answer.code ?? `HTTP ${answer.status}`, (refused.get(answer.code ?? `HTTP ${answer.status}`) ?? 0) + 1);
  };
  // The flood starts, settles for a second (its budgets drain), then the reader is measured under it.
  const flooding = runLoad(floodOnce, options.floodConcurrency, options.durationMs + 1_000);
  await new Promise((r) => setTimeout(r, 1_000));
  admitted = 0;
  refused.clear();
  await measure.upstream(true);
  const cpuBefore = measure.cpuMs();
  const t0 = performance.now();
  const flooded = await readPaced(read, options.readerIntervalMs, options.durationMs);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = measure.cpuMs() - cpuBefore;
  const upstream = await measure.upstream();
  const admittedDuring = admitted;
  const refusedDuring = new Map(refused);
  await flooding;
  return {
    alone,
    flooded,
    flood: {
      admittedPerSecond: admittedDuring / seconds,
      refusedPerSecond: Object.fromEntries([...refusedDuring].map(([code, n]) => [code, n / seconds])),
      upstreamCallsPerSecond: upstream / seconds,
      gatewayCpuPercent: cpu / 10 / seconds,
    },
  };
}
