/**
 * The large-answers run of `npm run bench` (issue 11): 20 clients each reading a card whose
 * provider answer weighs 8 MB (the utgl simulator pads its answers, a development-only knob),
 * on a gateway with the production defaults. Reports the gateway's peak resident memory before
 * and under the load (VmHWM, from /proc) — the target is under 250 MB — and what an answer
 * over the upstream answer cap gets. Figures for reading; nothing here asserts.
 */
import { Pool } from 'undici';
import { graphqlClient, type Answer } from './abuse.js';
import type { BenchRun, Harness } from './harness.js';
import { runLoad } from './load.js';

const CLIENTS = Number(process.env.BENCH_LARGE_CLIENTS ?? 20);
const ANSWER_BYTES = Number(process.env.BENCH_LARGE_ANSWER_BYTES ?? 8_000_000);
/** Past the default UPSTREAM_MAX_ANSWER_BYTES (16 MiB): refused as it arrives. */
const OVERSIZED_BYTES = 20_000_000;
const CARD = 'query($id: ID!) { card(id: $id) { id status last4 expiryMonth expiryYear } }';

const gid = (ref: string) => Buffer.from(`utgl:Card:${ref}`).toString('base64url');
const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');

export interface LargeAnswerFigures {
  clients: number;
  answerBytes: number;
  peakRssMbBefore: number;
  peakRssMbUnderLoad: number;
  requests: number;
  rps: number;
  p50: number;
  errors: Record<string, number>;
  /** Answers to reads whose provider answer is over the cap, by error code. */
  oversized: Record<string, number>;
}

export const largeAnswersRun: BenchRun = {
  name: 'large-answers',
  description: `${CLIENTS} clients receiving ${ANSWER_BYTES / 1e6} MB provider answers (gateway peak RSS, target < 250 MB)`,
  async run(h: Harness) {
    const gateway = await h.startGateway();
    const pool = new Pool(gateway.url, { connections: CLIENTS });
    const tokens = (await h.viewerTokens()).slice(0, CLIENTS);
    const clients = tokens.map((token) => graphqlClient(pool, token));
    const cards = h.sandboxes.stores.utglCardIds;
    const read = (client: number, nth: number): Promise<Answer> =>
      clients[client % clients.length]!({ query: CARD, variables: { id: gid(cards[(client + nth) % cards.length]!) } });
    const asTask = async (client: number, nth: number) => {
      const answer = await read(client, nth);
      if (answer.status !== 200 || answer.code) throw new Error(answer.code ?? `HTTP ${answer.status}`);
    };
    let figures: LargeAnswerFigures;
    try {
      // Warm the path with ordinary answers, then read the peak so far: the gateway at rest.
      await runLoad(asTask, CLIENTS, 1_000);
      const peakRssMbBefore = gateway.peakRssMb();
      await h.sandboxes.setPadding('utgl', ANSWER_BYTES);
      const load = await runLoad(asTask, CLIENTS, h.settings.durationMs);
      const peakRssMbUnderLoad = gateway.peakRssMb();
      await h.sandboxes.setPadding('utgl', OVERSIZED_BYTES);
      const oversized: Record<string, number> = {};
      for (let i = 0; i < 5; i += 1) {
        const answer = await read(0, i);
        const code = answer.code ?? `HTTP ${answer.status}`;
        oversized[code] = (oversized[code] ?? 0) + 1;
      }
      figures = {
        clients: CLIENTS,
        answerBytes: ANSWER_BYTES,
        peakRssMbBefore,
        peakRssMbUnderLoad,
        requests: load.requests,
        rps: (load.requests / load.elapsedMs) * 1000,
        p50: load.latenciesMs[Math.floor(load.latenciesMs.length / 2)] ?? NaN,
        errors: load.errorCodes,
        oversized,
      };
    } finally {
      await h.sandboxes.setPadding('utgl', 0);
      await pool.close();
      await gateway.stop();
    }
    const rows = [
      `Large answers — ${CLIENTS} clients, each reading utgl cards by id for ${h.settings.durationMs / 1000} s; every utgl answer padded to ` +
        `${f(ANSWER_BYTES / 1e6)} MB (production defaults; peak RSS is the gateway's VmHWM)`,
      '',
      '| gateway | peak RSS MB |',
      '|---|---:|',
      `| at rest (after a warm-up with ordinary answers) | ${f(figures.peakRssMbBefore, 0)} |`,
      `| under the load | ${f(figures.peakRssMbUnderLoad, 0)} (target < 250) |`,
      '',
      `${figures.requests} reads answered (${f(figures.rps)}/s, p50 ${f(figures.p50, 0)} ms); failed: ${JSON.stringify(figures.errors)}. ` +
        `An answer of ${OVERSIZED_BYTES / 1e6} MB (over the cap): ${JSON.stringify(figures.oversized)}.`,
    ];
    return { markdown: rows.join('\n'), json: figures };
  },
};
