/**
 * baas's simulator: every endpoint of shared/providers/baas.md over the shared SandboxServer,
 * served over HTTPS that *requires* a client certificate signed by the program CA (a client
 * without one never completes the TLS handshake, so it never reaches HTTP), then checks
 * `X-API-Key`. Answers use the documented envelope, `{status:"success", data}` or
 * `{status:"error", message, code?, errors?}`; lists page with `page`/`limit` and answer
 * `meta:{page, limit, total}`, newest first.
 *
 * Choices where the contract is silent (see the report of the issue that added baas):
 * - Compliance: `POST /cardholders/{id}/submit` moves draft → submitted. The reviewer's steps
 *   (submitted → under_review → approved | rejected) never happen by themselves: tests and
 *   demos call `store.advanceCompliance(id, to)`, so every read is deterministic.
 * - `bank-deposit` draws on the Program's (simulated) funding account, one balance per
 *   currency (`store.setProgramFunding`); a deposit larger than it is the documented 422
 *   `insufficient_funds`. A transfer draws on the source wallet's available balance.
 * - Balances: settled credits and debits move both balances; a pending debit is a hold on
 *   `availableBalance` only; declined and reversed transactions move nothing.
 * - `400` is for bodies that are not JSON or carry a field of the wrong JSON type; `422` for
 *   field constraints (required, length, pattern, enum, range) with `errors:[{field, message}]`.
 * - Filters on list queries (`cardholderId`, `walletId`, `cardId`) narrow the list; an id
 *   nobody holds yields an empty list, while an unknown id in a path is 404.
 * - `store.ipAllowlistEmpty = true` makes every request answer the documented 403 "No
 *   authorized IPs configured" (the allowlist / FCrDNS failure).
 *
 * Handlers are synchronous: a balance check and the write it guards happen in one turn of the
 * event loop. Money is integer cents (BigInt) throughout; decimal strings only on the wire.
 */
import { SandboxServer, header } from '../../../sandbox/server.js';
import { INVALID_API_KEY_MESSAGE, IP_NOT_ALLOWED_MESSAGE, type BaasStore } from './store.js';
import { seededBaasStore } from './seed.js';
import { baasRoutes, errorBody } from './routes.js';

export type { BaasStore };

export interface BaasSandboxOptions {
  /** The `X-API-Key` accepted. */
  apiKey: string;
  /** PEM: `ca` is the program CA client certificates must chain to; `cert`/`key` the server's. */
  tls: { ca: string; cert: string; key: string };
  /** Default 7. */
  seed?: number;
  baseLatencyMs?: number;
  clock?: () => number;
}

export interface BaasSandbox {
  server: SandboxServer;
  store: BaasStore;
}

export function createBaasSandbox(options: BaasSandboxOptions): BaasSandbox {
  const store = seededBaasStore({ seed: options.seed, clock: options.clock });
  const routes = baasRoutes(store);
  const server = new SandboxServer({
    name: 'baas',
    routes,
    baseLatencyMs: options.baseLatencyMs,
    // Mutual TLS: a client whose certificate does not chain to the program CA (or that has
    // none) is refused during the handshake and never reaches the routes.
    tls: {
      key: options.tls.key,
      cert: options.tls.cert,
      ca: options.tls.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    authenticate: (req) => {
      // The network checks (allowlist, FCrDNS) come before the key is looked at.
      if (store.ipAllowlistEmpty) return { status: 403, body: errorBody(IP_NOT_ALLOWED_MESSAGE) };
      if (header(req, 'x-api-key') !== options.apiKey) return { status: 401, body: errorBody(INVALID_API_KEY_MESSAGE) };
      return undefined;
    },
    notFound: (req) => ({ status: 404, body: errorBody(`No route for ${req.method} ${req.path}`) }),
  });
  return { server, store };
}
