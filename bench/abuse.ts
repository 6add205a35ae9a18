/**
 * The abuse runs of `npm run bench` (issue 11): what refusing an abusive document costs the
 * gateway, and what one viewer flooding with the worst documents the limits still admit does
 * to another viewer's reads. Figures for reading; nothing here asserts.
 */
import { Pool } from 'undici';
import type { BenchRun, FloodIds, Harness } from './harness.js';
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
  /** The reader's failures by code (`code:limit`): a reader refused by its own limits would spoil the comparison. */
  errorCodes: Record<string, number>;
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
export async function readPaced(read: () => Promise<Answer>, intervalMs: number, durationMs: number): Promise<ReaderFigures> {
  const latencies: number[] = [];
  let errors = 0;
  const errorCodes: Record<string, number> = {};
  const failed = (code: string) => {
    errors += 1;
    errorCodes[code] = (errorCodes[code] ?? 0) + 1;
  };
  const inFlight: Array<Promise<void>> = [];
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const t0 = performance.now();
    inFlight.push(
      read().then(
        (answer) => {
          if (answer.status === 200 && !answer.code) latencies.push(performance.now() - t0);
          else failed(answer.code ?? `HTTP ${answer.status}`);
        },
        (error: Error) => failed(error.message),
      ),
    );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, errorCodes };
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

// ---------------------------------------------------------------------------------------
// the runs

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
/** Error codes and counts, for a table cell; empty when there are none. */
const codes = (counts: Record<string, number>) => (Object.keys(counts).length === 0 ? '' : JSON.stringify(counts));

/**
 * The refused documents are measured on a gateway whose per-viewer limits are out of the way
 * (one viewer sends them all): what is measured is the refusal, not the rate limit.
 */
const OUT_OF_THE_WAY = {
  RATE_LIMIT_PER_SECOND: '100000',
  RATE_LIMIT_BURST: '100000',
  COST_BUDGET_PER_SECOND: '10000000',
  COST_BUDGET_BURST: '100000000',
};

export const refusedRun: BenchRun = {
  name: 'refused',
  description: 'what refusing each abusive document costs the gateway (CPU per refusal)',
  async run(h: Harness) {
    const { concurrency, durationMs } = h.settings;
    const gateway = await h.startGateway(OUT_OF_THE_WAY);
    const pool = new Pool(gateway.url, { connections: concurrency });
    const send = graphqlClient(pool, await h.sign('refused'));
    const refusals: Record<string, RefusedFigures> = {};
    try {
      for (const refused of REFUSED_DOCUMENTS) {
        refusals[refused.name] = await measureRefusal(send, refused, { cpuMs: gateway.cpuMs, upstream: h.sandboxes.upstream }, concurrency, durationMs);
      }
    } finally {
      await pool.close();
      await gateway.stop();
    }
    const rows = [
      `Refused documents — ${concurrency} concurrent clients, ${durationMs / 1000} s each (gateway CPU per refusal, from /proc)`,
      '',
      '| document | refusals/s | p50 ms | CPU ms/refusal | upstream calls | unexpected answers |',
      '|---|---:|---:|---:|---:|---:|',
      ...REFUSED_DOCUMENTS.map((d) => {
        const r = refusals[d.name]!;
        return `| ${d.description} | ${f(r.rps, 0)} | ${f(r.p50)} | ${f(r.cpuMsPerRefusal, 3)} | ${r.upstreamCalls} | ${r.unexpected} |`;
      }),
    ];
    return { markdown: rows.join('\n'), json: refusals };
  },
};

/** The noisy neighbour: flooding clients, and the reader's pace (below its own rate limit). */
const FLOOD_CONCURRENCY = Number(process.env.BENCH_FLOOD_CONCURRENCY ?? 50);
const READER_INTERVAL_MS = Number(process.env.BENCH_READER_INTERVAL_MS ?? 50);

export const noisyRun: BenchRun = {
  name: 'noisy',
  description: 'one viewer floods with the worst admitted documents while another reads (production default limits)',
  async run(h: Harness) {
    const gateway = await h.startGateway();
    const readerPool = new Pool(gateway.url, { connections: 4 });
    const floodPool = new Pool(gateway.url, { connections: FLOOD_CONCURRENCY });
    const readCard = graphqlClient(readerPool, await h.sign('reader'));
    const baasCard = gid('baas', 'Card', h.sandboxes.stores.baasCardIds[0]!);
    let n: NoisyNeighbourFigures;
    try {
      n = await noisyNeighbour({
        read: () => readCard({ query: 'query($id: ID!) { card(id: $id) { id status last4 expiryMonth expiryYear } }', variables: { id: baasCard } }),
        flood: graphqlClient(floodPool, await h.sign('flooder')),
        documents: floodDocuments(h.sandboxes.stores),
        floodConcurrency: FLOOD_CONCURRENCY,
        readerIntervalMs: READER_INTERVAL_MS,
        durationMs: h.settings.durationMs,
        measure: { cpuMs: gateway.cpuMs, upstream: h.sandboxes.upstream },
      });
    } finally {
      await readerPool.close();
      await floodPool.close();
      await gateway.stop();
    }
    const rows = [
      `Noisy neighbour — production default limits; one viewer floods with ${FLOOD_CONCURRENCY} clients cycling the worst admitted documents ` +
        `(nodes of 100 baas ids, a 50×10×5 utgl list near the cost cap, 150 fields), another reads one baas card by id every ${READER_INTERVAL_MS} ms`,
      '',
      '| reader | reads | p50 ms | p99 ms | errors |',
      '|---|---:|---:|---:|---:|',
      `| alone | ${n.alone.requests} | ${f(n.alone.p50)} | ${f(n.alone.p99)} | ${n.alone.errors} ${codes(n.alone.errorCodes)} |`,
      `| under the flood | ${n.flooded.requests} | ${f(n.flooded.p50)} | ${f(n.flooded.p99)} | ${n.flooded.errors} ${codes(n.flooded.errorCodes)} |`,
      `| flooded/alone | | ${f(n.flooded.p50 / n.alone.p50, 2)} (target ≤ 2) | ${f(n.flooded.p99 / n.alone.p99, 2)} | |`,
      '',
      `Flood while measured: ${f(n.flood.admittedPerSecond)} documents/s admitted, refused/s ${JSON.stringify(Object.fromEntries(Object.entries(n.flood.refusedPerSecond).map(([k, v]) => [k, Number(v.toFixed(1))])))}, ` +
        `${f(n.flood.upstreamCallsPerSecond, 0)} upstream calls/s, gateway CPU ${f(n.flood.gatewayCpuPercent, 0)}%.`,
    ];
    return { markdown: rows.join('\n'), json: n };
  },
};
