/**
 * The comparison runs: each query shape through the gateway, beside the hand-written direct
 * client doing the same upstream calls (the physical limit) and, on the card shape, beside
 * the peer gateway a team would build instead (bench/peer/, with and without client-token
 * verification). Every side runs in a process of its own, started fresh for its shape; the sides
 * of one comparison are up together and measured the same way, in turns (measure.ts).
 *
 * - `shapes`: one card, the cross-provider list, the nested cardholders × cards × transactions;
 * - `writes`: the top-up with a fresh idempotency key on each state store engine;
 * - `slow-provider`: the cross-provider list while one provider answers late.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'undici';
import type { DirectJob } from './direct-worker.js';
import { graphqlSide, ROOT, type BenchRun, type Harness, type Service } from './harness.js';
import { median } from './load.js';
import { localRunner, measureSides, type SideFigures, type SideRunner } from './measure.js';
import { remoteRunner } from './remote-side.js';
import { comparisonTable, slowProviderLines, storeLines, targetsTable, type Comparison } from './shapes-report.js';
import { SHAPES, type Shape } from './shapes.js';

/** BENCH_SHAPES=card-by-id,… narrows a run to some shapes (for checking the harness). */
const ONLY = process.env.BENCH_SHAPES ? new Set(process.env.BENCH_SHAPES.split(',')) : undefined;
const selected = (pick: (s: Shape) => boolean) => SHAPES.filter((s) => pick(s) && (!ONLY || ONLY.has(s.name)));

/** Comparisons measured so far in this benchmark (the writes run reads the card's). */
const measured = new Map<string, Comparison>();

/** A side of a comparison, up: how to measure it, and how to end what it started. */
export interface UpSide {
  runner: SideRunner;
  stop(): Promise<void>;
}

/** The shape sent from this process to a running GraphQL service; stopping it closes the connections, not the service. */
async function graphqlRunner(h: Harness, service: Service, shape: Shape): Promise<UpSide> {
  const pool = new Pool(service.url, { connections: h.settings.concurrency });
  const side = graphqlSide(service, pool, await h.viewerTokens(), (i) => shape.query(h.ctx, i), h.sandboxes.upstream);
  return { runner: localRunner(side), stop: () => pool.close() };
}

/** A service started for one comparison (a gateway, a peer) as a side of it: stopping the side stops the service. */
async function serviceSide(h: Harness, shape: Shape, service: Service): Promise<UpSide> {
  const client = await graphqlRunner(h, service, shape);
  return {
    runner: client.runner,
    async stop() {
      await client.stop();
      await service.stop();
    },
  };
}

/** The shape on a fresh gateway (`env` selects e.g. the store engine). */
export async function gatewaySide(h: Harness, shape: Shape, env?: Record<string, string>): Promise<UpSide> {
  return serviceSide(h, shape, await h.startGateway(env));
}

export const PEER_SIDES = { peer: 'peer', verifyingPeer: 'peer, verifying' } as const;
/** The gateway experiment's side, when it runs beside the production gateway (gateway-experiment.ts). */
const EXPERIMENT_SIDE = 'gateway, experiment';

/** The peer gateway (bench/peer/server.ts) on a shape it implements, verifying client tokens or not. */
async function peerSide(h: Harness, shape: Shape, verify: boolean): Promise<UpSide> {
  const peer = await h.startService('bench/peer/server.js', {
    NODE_ENV: 'production',
    PEER_UTGL: JSON.stringify(h.ctx.endpoints.utgl),
    ...(verify ? { PEER_VERIFY: 'true', ...h.authEnv } : {}),
  });
  return serviceSide(h, shape, peer);
}

/** The shape's direct client, in a process of its own that stays up for the comparison (direct-worker.ts). */
async function directSide(h: Harness, shape: Shape): Promise<UpSide> {
  const job: DirectJob = { shape: shape.name, ctx: h.ctx, adminUrl: h.sandboxes.adminUrl };
  const worker = spawn(process.execPath, [join(ROOT, 'dist/bench/direct-worker.js')], {
    env: { ...process.env, BENCH_DIRECT: JSON.stringify(job) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const runner = remoteRunner(worker, 'the direct client');
  return { runner, stop: () => runner.close() };
}

export type Start = () => Promise<UpSide>;

/**
 * One comparison: starts its sides one after another, measures them in turns (measure.ts:
 * round r of each side, then round r + 1), and stops every side started, however it ends.
 * The order of `starts` is the order of the turns in the first round.
 */
export async function measureTogether<Starts extends Record<string, Start>>(h: Harness, starts: Starts): Promise<{ [Label in keyof Starts]: SideFigures }> {
  const up: Record<string, UpSide> = {};
  try {
    for (const [label, start] of Object.entries(starts)) up[label] = await start();
    const runners = Object.fromEntries(Object.entries(up).map(([label, side]) => [label, side.runner]));
    return (await measureSides(runners, h.settings)) as { [Label in keyof Starts]: SideFigures };
  } finally {
    await Promise.all(Object.values(up).map((side) => side.stop()));
  }
}

export const shapesRun: BenchRun = {
  name: 'shapes',
  description: 'gateway, direct client and peer gateway side by side on the query shapes',
  async run(h) {
    const comparisons: Comparison[] = [];
    for (const shape of selected((s) => !s.write && !s.slowProvider)) {
      const starts: Record<'gateway' | 'direct', Start> & Record<string, Start> = { gateway: () => gatewaySide(h, shape), direct: () => directSide(h, shape) };
      if (h.settings.gatewayExperiment.beside) starts[EXPERIMENT_SIDE] = async () => serviceSide(h, shape, await h.startGateway({}, true));
      if (shape.peer) {
        starts[PEER_SIDES.peer] = () => peerSide(h, shape, false);
        starts[PEER_SIDES.verifyingPeer] = () => peerSide(h, shape, true);
      }
      const comparison = { shape: shape.name, description: shape.description, sides: await measureTogether(h, starts) };
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
      // Every engine's gateway takes its turns beside the one direct client, which each engine's comparison shares.
      const engines = await h.stateEngines();
      const starts: Record<string, Start> = {};
      for (const engine of engines) starts[engine.name] = () => gatewaySide(h, shape, engine.env());
      starts.direct = () => directSide(h, shape);
      const sides = await measureTogether(h, starts);
      for (const engine of engines) {
        comparisons.push({ shape: shape.name, description: `${shape.description}, ${engine.name} store`, engine: engine.name, sides: { gateway: sides[engine.name], direct: sides.direct } });
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
        // The gateway outlives the comparison: the call starts are read on it afterwards.
        const gateway = await h.startGateway();
        let sides: Comparison['sides'];
        try {
          sides = await measureTogether(h, { gateway: () => graphqlRunner(h, gateway, shape), direct: () => directSide(h, shape) });
          starts[shape.name] = await callStarts(h, gateway, shape, 20);
        } finally {
          await gateway.stop();
        }
        const comparison = { shape: shape.name, description: shape.description, sides };
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
