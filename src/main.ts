/**
 * Entry point: read the configuration (`.env` first, when present), start Cardplane (see
 * app.ts), and stop it on a signal.
 */
import 'reflect-metadata';
import { loadDotEnv } from './cli/dotenv.js';
import { loadConfig } from './config.js';
import { ConfigError } from './core/env.js';
import { startApp, startupBanner } from './app.js';

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
  for (const line of startupBanner(config, app.url, app.metricsUrl)) console.log(line);

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
