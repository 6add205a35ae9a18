/**
 * Entry point: read the configuration, start the sandboxes for providers without a real
 * endpoint, build the providers, and serve GraphQL.
 */
import 'reflect-metadata';
import { ConfigError, loadConfig } from './config.js';
import { createGateway } from './context.js';
import { createLogger } from './logger.js';
import { createTokenVerifier } from './auth/setup.js';
import { FileAuditLog } from './gateway/audit.js';
import { FileIdempotencyStore } from './gateway/idempotency-store.js';
import { createRegistry } from './providers/index.js';
import { startSandboxes } from './sandbox/boot.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
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
  const log = createLogger(config.logLevel);
  const sandboxes = await startSandboxes(config);
  const registry = createRegistry({
    endpoints: sandboxes.endpoints,
    sandboxed: sandboxes.sandboxed,
    upstream: config.upstream,
    ledgerCustomerIds: sandboxes.ledgerCustomerIds,
  });
  const server = await startServer(
    {
      gateway: createGateway({
        registry,
        requestDeadlineMs: config.requestDeadlineMs,
        providerTenants: config.providerTenants,
        reveal: config.reveal,
        audit: new FileAuditLog(config.auditLogPath),
        idempotency: new FileIdempotencyStore(config.idempotencyStorePath),
      }),
      log,
      production: config.production,
      verify: await createTokenVerifier(config.auth),
      introspection: config.introspection,
      rateLimit: config.rateLimit,
    },
    config.port,
    config.host,
  );
  for (const entry of registry.list()) {
    log.info({ provider: entry.provider.key, sandbox: entry.sandbox }, entry.sandbox ? 'provider served by the embedded sandbox' : 'provider configured');
  }
  console.log(`\nCardplane is up. Open Apollo Sandbox at ${server.url}/graphql`);
  if (config.auth.mode === 'development') {
    console.log('Every request needs a token: `npm run token -- --tenant acme` prints one (tenants: acme, globex);');
    console.log('paste it in Apollo Sandbox under Connection settings → Headers as  Authorization: Bearer <token>');
  }
  console.log(`Health: ${server.url}/healthz\n`);

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await server.close();
    await registry.close();
    await sandboxes.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('Cardplane failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
