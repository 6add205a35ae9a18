/**
 * The comparison runs: each query shape through the gateway, beside the hand-written direct
 * client doing the same upstream calls (the physical limit) and, on the card shape, beside
 * the peer gateway a team would build instead (bench/peer/, with and without client-token
 * verification). Every side runs in a process of its own, started fresh for its shape, and is
 * measured the same way (measure.ts).
 *
 * - `shapes`: one card, the cross-provider list, the nested cardholders × cards × transactions;
 * - `writes`: the top-up with a fresh idempotency key on each state store engine;
 * - `slow-provider`: the cross-provider list while one provider answers late.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'undici';
import type { DirectJob } from './direct-worker.js';
import { firstLine, graphqlSide, ROOT, type BenchRun, type Harness, type Service } from './harness.js';
import { median } from './load.js';
import { measureSide, type SideFigures } from './measure.js';
import { comparisonTable, slowProviderLines, storeLines, targetsTable, type Comparison } from './shapes-report.js';
import { SHAPES, type Shape } from './shapes.js';

/** BENCH_SHAPES=card-by-id,… narrows a run to some shapes (for checking the harness). */
const ONLY = process.env.BENCH_SHAPES ? new Set(process.env.BENCH_SHAPES.split(',')) : undefined;
const selected = (pick: (s: Shape) => boolean) => SHAPES.filter((s) => pick(s) && (!ONLY || ONLY.has(s.name)));

/** Comparisons measured so far in this benchmark (the writes run reads the card's). */
const measured = new Map<string, Comparison>();

/** The shape against a running GraphQL service, measured as every side is (measure.ts). */
export async function measureGraphql(h: Pick<Harness, 'settings' | 'viewerTokens' | 'ctx' | 'sandboxes'>, service: Service, shape: Shape): Promise<SideFigures> {
  const pool = new Pool(service.url, { connections: h.settings.concurrency });
  try {
    return await measureSide(graphqlSide(service, pool, await h.viewerTokens(), (i) => shape.query(h.ctx, i), h.sandboxes.upstream), h.settings);
  } finally {
    await pool.close();
  }
}

/** The shape on a fresh gateway (`env` selects e.g. the store engine). */
async function measureGateway(h: Harness, shape: Shape, env?: Record<string, string>): Promise<SideFigures> {
  const gateway = await h.startGateway(env);
  try {
    return await measureGraphql(h, gateway, shape);
  } finally {
    await gateway.stop();
  }
}

async function measureDirect(h: Harness, shape: Shape): Promise<SideFigures> {
  const job: DirectJob = { shape: shape.name, ctx: h.ctx, settings: h.settings, adminUrl: h.sandboxes.adminUrl };
  const worker = spawn(process.execPath, [join(ROOT, 'dist/bench/direct-worker.js')], {
    env: { ...process.env, BENCH_DIRECT: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(await firstLine(worker)) as SideFigures;
}

export const PEER_SIDES = { peer: 'peer', verifyingPeer: 'peer, verifying' } as const;

/** The peer gateway (bench/peer/server.ts) on a shape it implements, verifying client tokens or not. */
async function measurePeer(h: Harness, shape: Shape, verify: boolean): Promise<SideFigures> {
  const peer = await h.startService('bench/peer/server.js', {
    NODE_ENV: 'production',
    PEER_UTGL: JSON.stringify(h.ctx.endpoints.utgl),
    ...(verify ? { PEER_VERIFY: 'true', ...h.authEnv } : {}),
  });
  try {
    return await measureGraphql(h, peer, shape);
  } finally {
    await peer.stop();
  }
}

export const shapesRun: BenchRun = {
  name: 'shapes',
  description: 'gateway, direct client and peer gateway side by side on the query shapes',
  async run(h) {
    const comparisons: Comparison[] = [];
    for (const shape of selected((s) => !s.write && !s.slowProvider)) {
      const sides: Comparison['sides'] = { gateway: await measureGateway(h, shape), direct: await measureDirect(h, shape) };
      if (shape.peer) {
        sides[PEER_SIDES.peer] = await measurePeer(h, shape, false);
        sides[PEER_SIDES.verifyingPeer] = await measurePeer(h, shape, true);
      }
      const comparison = { shape: shape.name, description: shape.description, sides };
      measured.set(shape.name, comparison);
      comparisons.push(comparison);
    }
    return {
      markdown: [comparisonTable(h.settings, comparisons), '', targetsTable(comparisons)].join('\n'),
      json: comparisons,
    };
  },
};

export const writesRun: BenchRun = {
  name: 'writes',
  description: 'the top-up mutation on each state store engine, beside its direct client',
  async run(h) {
    const comparisons: Comparison[] = [];
    for (const shape of selected((s) => s.write === true)) {
      const direct = await measureDirect(h, shape);
      for (const engine of await h.stateEngines()) {
        const gateway = await measureGateway(h, shape, engine.env());
        comparisons.push({ shape: shape.name, description: `${shape.description}, ${engine.name} store`, engine: engine.name, sides: { gateway, direct } });
      }
    }
    return {
      markdown: [comparisonTable(h.settings, comparisons), '', ...storeLines(comparisons, measured.get('card-by-id'))].join('\n'),
      json: comparisons,
    };
  },
};

/** When each provider's call started, ms after the client sent the query: the median over `queries` sequential queries. */
async function callStarts(h: Harness, service: Service, shape: Shape, queries: number): Promise<Record<string, number>> {
  const pool = new Pool(service.url, { connections: 1 });
  const side = graphqlSide(service, pool, await h.viewerTokens(), (i) => shape.query(h.ctx, i), h.sandboxes.upstream);
  const sent: number[] = [];
  try {
    await h.sandboxes.upstream(true);
    for (let i = 0; i < queries; i += 1) {
      sent.push(Date.now());
      await side.request(i, 0, i, 1);
    }
  } finally {
    await pool.close();
  }
  const arrivals = await h.sandboxes.arrivals();
  // A call belongs to the latest query sent before it reached the simulator.
  const offset = (at: number) => at - sent.filter((t) => t <= at).at(-1)!;
  return Object.fromEntries(Object.entries(arrivals).filter(([, ats]) => ats.length > 0).map(([provider, ats]) => [provider, median(ats.map(offset))]));
}

export const slowProviderRun: BenchRun = {
  name: 'slow-provider',
  description: 'the cross-provider list while one provider answers late',
  async run(h) {
    const lines: string[] = [];
    const comparisons: Comparison[] = [];
    const starts: Record<string, Record<string, number>> = {};
    for (const shape of selected((s) => s.slowProvider !== undefined)) {
      const slow = shape.slowProvider!;
      await h.sandboxes.setLatency(slow.provider, slow.latencyMs);
      try {
        const gateway = await h.startGateway();
        let gatewayFigures: SideFigures;
        try {
          gatewayFigures = await measureGraphql(h, gateway, shape);
          starts[shape.name] = await callStarts(h, gateway, shape, 20);
        } finally {
          await gateway.stop();
        }
        const comparison = { shape: shape.name, description: shape.description, sides: { gateway: gatewayFigures, direct: await measureDirect(h, shape) } };
        comparisons.push(comparison);
        lines.push(...slowProviderLines(comparison, slow, starts[shape.name]!));
      } finally {
        await h.sandboxes.setLatency(slow.provider);
      }
    }
    return {
      markdown: [comparisonTable(h.settings, comparisons), '', ...lines].join('\n'),
      json: { comparisons, callStartsMs: starts },
    };
  },
};
