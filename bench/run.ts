/**
 * `npm run bench`: the gateway against its own physical limit, and against what a team would
 * build instead. Starts the sandboxes (fixed added latency) in a process of their own, then
 * does each registered run (`BENCH_RUNS=name,…` picks some, in registry order); each run
 * starts the gateways and other processes it measures through the harness (harness.ts).
 * Prints the report and writes bench/results/latest.json and latest.md. Nothing here
 * asserts: the figures are for reading.
 *
 * Adding a run: a file exporting a `BenchRun` (name, description, `run(harness)` returning
 * markdown and JSON), listed in RUNS below.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { noisyRun, refusedRun } from './abuse.js';
import { readsDuringWritesRun } from './reads-during-writes.js';
import { describeGatewayExperiment } from './gateway-experiment.js';
import { openHarness, ROOT, settingsFromEnv, type BenchRun } from './harness.js';
import { largeAnswersRun } from './large-answers.js';
import { observabilityRun } from './observability-cost.js';
import { shapesRun, slowProviderRun, writesRun } from './shapes-run.js';
import { subscriptionsRun } from './subscriptions.js';

/** Every run, in the order they are done. */
const RUNS: BenchRun[] = [shapesRun, writesRun, readsDuringWritesRun, slowProviderRun, refusedRun, noisyRun, largeAnswersRun, observabilityRun, subscriptionsRun];

function selectedRuns(): BenchRun[] {
  if (!process.env.BENCH_RUNS) return RUNS;
  const names = process.env.BENCH_RUNS.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !RUNS.some((r) => r.name === n));
  if (unknown.length > 0) throw new Error(`BENCH_RUNS names no run ${unknown.join(', ')}: the runs are ${RUNS.map((r) => r.name).join(', ')}`);
  return RUNS.filter((r) => names.includes(r.name));
}

/** The machine, for reading the figures: CPU, cores, memory, and how busy it was (1-minute load average). */
function machine(loadAtStart: number): { description: string; cpu: string; cores: number; memoryGb: number; loadAverage: { start: number; end: number } } {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const cores = cpus().length;
  const memoryGb = totalmem() / 2 ** 30;
  const end = loadavg()[0]!;
  return {
    description: `${cores} × ${cpu}, ${memoryGb.toFixed(0)} GB, load average ${loadAtStart.toFixed(1)} at the start and ${end.toFixed(1)} at the end`,
    cpu,
    cores,
    memoryGb,
    loadAverage: { start: loadAtStart, end },
  };
}

async function main(): Promise<void> {
  const runs = selectedRuns();
  const settings = settingsFromEnv();
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;
  const harness = await openHarness(settings);
  const sections: string[] = [];
  const results: Record<string, unknown> = {};
  let failed = false;
  try {
    for (const run of runs) {
      const t0 = Date.now();
      console.error(`bench: ${run.name} — ${run.description}`);
      try {
        const report = await run.run(harness);
        sections.push(`## ${run.name}: ${run.description}\n\n${report.markdown}`);
        results[run.name] = report.json;
      } catch (error) {
        failed = true;
        console.error(`bench: ${run.name} failed:`, error);
        sections.push(`## ${run.name}: ${run.description}\n\nFailed: ${(error as Error).message}`);
        results[run.name] = { failed: (error as Error).message };
      }
      console.error(`bench: ${run.name} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await harness.close();
  }
  const minutes = (Date.now() - started) / 60_000;
  const host = machine(loadAtStart);
  const experiment = describeGatewayExperiment(settings.gatewayExperiment);
  const title = [
    `# Cardplane benchmark — ${new Date().toISOString()}, Node ${process.version}, ${minutes.toFixed(1)} min\n\nMachine: ${host.description}.`,
    ...(experiment && settings.gatewayExperiment.beside
      ? [`\n**Gateway experiment**, measured beside the production gateway in the shapes run (side "gateway, experiment"): ${experiment}.`]
      : experiment
        ? [`\n**Gateway experiment** (not the production configuration the targets are about): ${experiment}.`]
        : []),
  ].join('\n');
  const markdown = [title, ...sections].join('\n\n');
  console.log(markdown);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/latest.json'), `${JSON.stringify({ at: new Date().toISOString(), node: process.version, machine: host, minutes, settings, runs: results }, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench/results/latest.md'), `${markdown}\n`);
  if (failed) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
