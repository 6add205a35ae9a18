/**
 * Reads while writes run (issue 10: "the write path must not serialise the whole gateway behind
 * one lock"), once per state store engine: one viewer reads a baas card by id at a steady pace,
 * alone, then while top-ups of utgl cards with a fresh idempotency key arrive at a steady rate
 * (each commits three transactions: claim, write-ahead, outcome). Both are open loops, and the
 * write rate is one the machine sustains without saturating its CPU, so what the reads show is
 * whether a write's commits hold up requests that never touch the store: on the event loop they
 * would (SQLite's did, before it moved to a worker thread), every read waiting behind fsyncs.
 * The gateway's own event-loop delay over each phase (its metrics) shows the same directly.
 * BENCH_WRITE_RATE (50/s) and BENCH_READER_INTERVAL_MS (50) set the paces. The write rate was
 * 100/s until the PostgreSQL store's top-ups at 50 clients measured 105–119/s on a 2-core
 * machine: at 100/s its writes queued (p50 about a second) and the reads measured that queue,
 * not the store's effect on them. Figures for reading; nothing asserts.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { graphqlClient, readPaced, type Answer, type ReaderFigures } from './abuse.js';
import type { BenchRun, Harness } from './harness.js';
import { percentile } from './load.js';
import { SHAPES } from './shapes.js';

const READER_INTERVAL_MS = Number(process.env.BENCH_READER_INTERVAL_MS ?? 50);
const WRITE_RATE = Number(process.env.BENCH_WRITE_RATE ?? 50);

const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WriteFigures {
  /** Top-ups answered without errors, per second. */
  perSecond: number;
  p50: number;
  p99: number;
  /** Top-ups answered with an error, by code. */
  refused: Record<string, number>;
}

/** The gateway's event-loop delay over a phase, ms (prom-client's, from monitorEventLoopDelay). */
interface LoopDelay {
  p99: number;
  max: number;
}

interface EngineFigures {
  alone: ReaderFigures & { loop: LoopDelay };
  duringWrites: ReaderFigures & { loop: LoopDelay };
  writes: WriteFigures;
}

/**
 * The event-loop delay since the last scrape: prom-client resets its histogram on every
 * collection, so a scrape at the start of a phase and one at its end measure the phase.
 */
async function loopDelay(metricsUrl: string): Promise<LoopDelay> {
  const text = await (await fetch(metricsUrl)).text();
  const seconds = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { p99: seconds('nodejs_eventloop_lag_p99_seconds') * 1000, max: seconds('nodejs_eventloop_lag_max_seconds') * 1000 };
}

/** Reads at a steady pace for `durationMs`, with the event-loop delay meanwhile. */
async function readPhase(read: () => Promise<Answer>, metricsUrl: string, durationMs: number): Promise<ReaderFigures & { loop: LoopDelay }> {
  await loopDelay(metricsUrl);
  const figures = await readPaced(read, READER_INTERVAL_MS, durationMs);
  return { ...figures, loop: await loopDelay(metricsUrl) };
}

/** Sends `write(i)` every 1/rate seconds, whatever their latency, for `durationMs`. */
async function writePaced(write: (i: number) => Promise<Answer>, ratePerSecond: number, durationMs: number): Promise<WriteFigures> {
  const latencies: number[] = [];
  const refused: Record<string, number> = {};
  const inFlight: Array<Promise<void>> = [];
  const started = performance.now();
  for (let i = 0; performance.now() < started + durationMs; i += 1) {
    const t0 = performance.now();
    inFlight.push(
      write(i).then(
        (answer) => {
          if (answer.status === 200 && !answer.code) latencies.push(performance.now() - t0);
          else refused[answer.code ?? `HTTP ${answer.status}`] = (refused[answer.code ?? `HTTP ${answer.status}`] ?? 0) + 1;
        },
        (error: Error) => {
          refused[error.message] = (refused[error.message] ?? 0) + 1;
        },
      ),
    );
    await sleep(Math.max(0, started + ((i + 1) * 1000) / ratePerSecond - performance.now()));
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  return { perSecond: (latencies.length * 1000) / durationMs, p50: percentile(latencies, 50), p99: percentile(latencies, 99), refused };
}

async function measureEngine(h: Harness, env: Record<string, string>): Promise<EngineFigures> {
  const gateway = await h.startGateway(env); // metrics on: the event-loop delay is read from them
  const readerPool = new Pool(gateway.url, { connections: 4 });
  const writerPool = new Pool(gateway.url, { connections: 64 });
  try {
    const readCard = graphqlClient(readerPool, await h.sign('reader'));
    const baasCard = Buffer.from(`baas:Card:${h.sandboxes.stores.baasCardIds[0]!}`).toString('base64url');
    const read = () => readCard({ query: 'query($id: ID!) { card(id: $id) { id status last4 expiryMonth expiryYear } }', variables: { id: baasCard } });
    // Each top-up under the next viewer's token (the per-viewer limits are not what is measured),
    // and a key no earlier run used: a PostgreSQL database outlives one run.
    const writers = (await h.viewerTokens()).map((token) => graphqlClient(writerPool, token));
    const shape = SHAPES.find((s) => s.name === 'top-up-fresh-key')!;
    const run = randomUUID().slice(0, 8);
    const topUp = (i: number) => {
      const { query, variables } = shape.query(h.ctx, i);
      return writers[i % writers.length]!({ query, variables: { ...variables, key: `reads-during-writes-${run}-${i}` } });
    };

    for (let i = 0; i < 20; i += 1) await Promise.all([read(), topUp(1_000_000 + i)]); // warm both paths (keys apart from the measured ones)
    const alone = await readPhase(read, gateway.metricsUrl!, h.settings.durationMs);
    // The writes start, run a second before the reads are measured, and go on until they end.
    const writing = writePaced(topUp, WRITE_RATE, h.settings.durationMs + 1_500);
    await sleep(1_000);
    const duringWrites = await readPhase(read, gateway.metricsUrl!, h.settings.durationMs);
    return { alone, duringWrites, writes: await writing };
  } finally {
    await readerPool.close();
    await writerPool.close();
    await gateway.stop();
  }
}

export const readsDuringWritesRun: BenchRun = {
  name: 'reads-during-writes',
  description: `a card read every ${READER_INTERVAL_MS} ms, alone and while ${WRITE_RATE} top-ups/s with fresh keys run, per state store engine`,
  async run(h) {
    const figures: Record<string, EngineFigures> = {};
    for (const engine of await h.stateEngines()) figures[engine.name] = await measureEngine(h, engine.env());
    const rows = [
      '| store | reads alone p50 / p99 ms | reads during writes p50 / p99 ms | during/alone p50 / p99 | event-loop delay alone p99 / max ms | during writes p99 / max ms | top-ups answered/s | top-up p50 / p99 ms | refused |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---|',
      ...Object.entries(figures).map(
        ([engine, { alone, duringWrites: during, writes }]) =>
          `| ${engine} | ${f(alone.p50)} / ${f(alone.p99)} | ${f(during.p50)} / ${f(during.p99)} | ${f(during.p50 / alone.p50, 2)} / ${f(during.p99 / alone.p99, 2)} | ` +
          `${f(alone.loop.p99)} / ${f(alone.loop.max)} | ${f(during.loop.p99)} / ${f(during.loop.max)} | ` +
          `${f(writes.perSecond)} | ${f(writes.p50)} / ${f(writes.p99)} | ${Object.keys(writes.refused).length ? JSON.stringify(writes.refused) : 'none'} |`,
      ),
    ];
    return { markdown: rows.join('\n'), json: figures };
  },
};
