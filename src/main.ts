/**
 * Entry point: read the configuration (`.env` first, when present), start Cardplane (see
 * app.ts), and stop it on a signal.
 */
import 'reflect-metadata';
import { loadDotEnv } from './cli/dotenv.js';
import { knownTenants, loadConfig } from './config.js';
import { ConfigError } from './core/env.js';
import { startApp } from './app.js';

async function main(): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const app = await startApp(config);
  console.log(`\nCardplane is up. Open Apollo Sandbox at ${app.url}/graphql`);
  if (config.auth.mode === 'development') {
    const tenants = knownTenants(config).join(', ');
    console.log(`Every request needs a token: \`npm run -s token -- --tenant acme\` prints one (tenants: ${tenants});`);
    console.log('paste it in Apollo Sandbox under Connection settings → Headers as  Authorization: Bearer <token>');
  }
  console.log(`Health: ${app.url}/healthz (liveness), ${app.url}/readyz (readiness)`);
  console.log(app.metricsUrl ? `Metrics: ${app.metricsUrl}\n` : 'Metrics: off (set METRICS_PORT to serve them)\n');

  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('Cardplane failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
