/**
 * utgl's simulator: the contract in shared/providers/utgl.md over the shared SandboxServer.
 * Every request must carry a fresh RS256 JWT bound to its path, method and body; POSTs honour
 * `Idempotency-Key`; the data is seeded, so the same seed always yields the same ids.
 *
 * Handlers are synchronous on purpose: an idempotency check, the write and the recording of
 * its response then happen in one turn of the event loop, so two concurrent requests with
 * the same key cannot both run the write.
 */
import { SandboxServer } from '../../../sandbox/server.js';
import type { UtglStore } from './store.js';
import { seededUtglStore } from './seed.js';
import { UtglError, utglRoutes } from './routes.js';
import { createAuthenticator } from './auth.js';

export type { UtglStore };
// ---------------------------------------------------------------------------------------
// The sandbox.

export interface UtglSandboxOptions {
  /** The only access key the sandbox accepts (as `kid` and `sub`). */
  accessKey: string;
  /** SPKI PEM of the integrator's RSA public key. */
  publicKeyPem: string;
  seed?: number;
  baseLatencyMs?: number;
}

export interface UtglSandbox {
  server: SandboxServer;
  store: UtglStore;
}

export function createUtglSandbox(options: UtglSandboxOptions): UtglSandbox {
  const store = seededUtglStore(options.seed ?? 1);
  const routes = utglRoutes(store, options.accessKey);
  const server = new SandboxServer({
    name: 'utgl',
    routes,
    baseLatencyMs: options.baseLatencyMs,
    authenticate: createAuthenticator(options.accessKey, options.publicKeyPem),
    notFound: (req) => new UtglError(404, 'NOT_FOUND', `No route for ${req.method} ${req.path}`).toResponse(),
  });
  return { server, store };
}
