/**
 * Benchmark child process: drives one shape's hand-written direct upstream calls with the
 * same concurrency as the gateway run, and reports latency, CPU and peak memory.
 */
import { percentile, runLoad } from './load.js';
import { SHAPES, type BenchContext } from './shapes.js';

async function main(): Promise<void> {
  const [shapeName, concurrency, durationMs, warmupMs, adminUrl] = process.argv.slice(2);
  const ctx = JSON.parse(process.env.BENCH_CONTEXT!) as BenchContext;
  const shape = SHAPES.find((s) => s.name === shapeName)!;
  const iteration = shape.baseline(ctx);
  let i = 0;
  await runLoad(() => iteration(i++), Number(concurrency), Number(warmupMs));
  await fetch(`${adminUrl}/reset`, { method: 'POST' });
  const cpu0 = process.cpuUsage();
  const result = await runLoad(() => iteration(i++), Number(concurrency), Number(durationMs));
  const cpu = process.cpuUsage(cpu0);
  const upstream = Object.values((await (await fetch(`${adminUrl}/stats`)).json()) as Record<string, number>).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `${JSON.stringify({
      requests: result.requests,
      errors: result.errors,
      upstreamPerQuery: upstream / Math.max(1, result.requests),
      rps: (result.requests / result.elapsedMs) * 1000,
      p50: percentile(result.latenciesMs, 50),
      p99: percentile(result.latenciesMs, 99),
      cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(1, result.requests),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
