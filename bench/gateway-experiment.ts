/**
 * An experiment on the gateway alone, on the same build (A/B by environment, the other sides
 * untouched): node flags before its entry point (`BENCH_GATEWAY_NODE_OPTIONS`, e.g.
 * `--trace-gc-nvp --max-semi-space-size=32`), environment given to it last
 * (`BENCH_GATEWAY_ENV`, a JSON object of strings, e.g. `{"GRAPHQL_EXECUTOR":"graphql-js"}`),
 * and a file receiving its stdout (`BENCH_GATEWAY_STDOUT`; each gateway started truncates it,
 * so it holds the last one's). The report names any of them: such a gateway is not the
 * production configuration the targets are about.
 *
 * With `BENCH_EXPERIMENT_BESIDE=true` the comparisons of the `shapes` run keep the production
 * gateway and add the experiment as a side of its own, in the same turns (measure.ts): an A/B
 * whose two gateways are paired round by round like every side with the direct client.
 */
export interface GatewayExperiment {
  nodeArgs: string[];
  env: Record<string, string>;
  stdout?: string;
  /** Measured beside the production gateway rather than instead of it. */
  beside: boolean;
}

const NOT_AN_ENVIRONMENT = 'BENCH_GATEWAY_ENV must be a JSON object of strings, e.g. {"GRAPHQL_EXECUTOR":"graphql-js"}';

export function gatewayExperimentFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayExperiment {
  const nodeArgs = (env.BENCH_GATEWAY_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  const bad = nodeArgs.find((arg) => !arg.startsWith('-'));
  if (bad) throw new Error(`BENCH_GATEWAY_NODE_OPTIONS holds node flags only (each starting with -), not ${JSON.stringify(bad)}`);
  let overrides: unknown;
  try {
    overrides = JSON.parse(env.BENCH_GATEWAY_ENV || '{}');
  } catch {
    throw new Error(NOT_AN_ENVIRONMENT);
  }
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides) || Object.values(overrides).some((v) => typeof v !== 'string')) {
    throw new Error(NOT_AN_ENVIRONMENT);
  }
  const beside = env.BENCH_EXPERIMENT_BESIDE === 'true';
  if (beside && nodeArgs.length === 0 && Object.keys(overrides as object).length === 0) {
    throw new Error('BENCH_EXPERIMENT_BESIDE=true needs an experiment: BENCH_GATEWAY_NODE_OPTIONS or BENCH_GATEWAY_ENV');
  }
  return { nodeArgs, env: overrides as Record<string, string>, ...(env.BENCH_GATEWAY_STDOUT ? { stdout: env.BENCH_GATEWAY_STDOUT } : {}), beside };
}

/** The experiment in one line for the report, or undefined for the production gateway. */
export function describeGatewayExperiment(experiment: GatewayExperiment): string | undefined {
  const parts = [
    ...(experiment.nodeArgs.length > 0 ? [`node flags ${experiment.nodeArgs.join(' ')}`] : []),
    ...Object.entries(experiment.env).map(([name, value]) => `${name}=${JSON.stringify(value)}`),
  ];
  return parts.length > 0 ? parts.join(', ') : undefined;
}
