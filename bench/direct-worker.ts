/**
 * Benchmark child process: the hand-written direct client of one shape (the same upstream
 * calls as the gateway, made with undici directly), measured the way every side is
 * (measure.ts), with its own CPU and peak memory. Reads its job from BENCH_DIRECT, then serves
 * the benchmark's commands (a warm-up, a round, its peak RSS) on stdin and stdout
 * (remote-side.ts), staying up between them so its rounds take turns with the other sides';
 * exits when stdin ends.
 */
import { localRunner } from './measure.js';
import { serveRunner } from './remote-side.js';
import { SHAPES, type BenchContext } from './shapes.js';

export interface DirectJob {
  shape: string;
  ctx: BenchContext;
  adminUrl: string;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.env.BENCH_DIRECT!) as DirectJob;
  const shape = SHAPES.find((s) => s.name === job.shape);
  if (!shape) throw new Error(`no shape ${job.shape}`);
  const iteration = shape.baseline(job.ctx);
  const counts = async (path: string, method: string) =>
    Object.values((await (await fetch(`${job.adminUrl}${path}`, { method })).json()) as Record<string, number>).reduce((a, b) => a + b, 0);
  const runner = localRunner({
    request: (i) => iteration(i),
    cpuMs: () => {
      const cpu = process.cpuUsage();
      return (cpu.user + cpu.system) / 1000;
    },
    peakRssMb: () => process.resourceUsage().maxRSS / 1024,
    upstream: (reset = false) => (reset ? counts('/reset', 'POST') : counts('/stats', 'GET')),
  });
  await serveRunner(runner, process.stdin, process.stdout);
  // The shape's clients keep connections open; nothing else is left to do.
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
