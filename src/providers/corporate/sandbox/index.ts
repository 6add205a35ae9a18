/**
 * corporate's simulator: the contract in shared/providers/corporate.md over the shared
 * SandboxServer. Every endpoint is `POST /api/v1/...` with an encrypted envelope; the
 * authentication and envelope checks answer the provider's plain `{error}` bodies, everything
 * else is answered encrypted (`{success:true, data}` or the standard error object).
 *
 * Checks, in the provider's order: `API-KEY` (404 "API key not found"), the account's access
 * (403, switched on with `store.accessDenied`), the envelope (400 "Encrypted payload not
 * found" / "Invalid encrypted payload format"), `request_timestamp` (missing, not an integer,
 * more than 30 s from this server's clock) and replays (the same api key + path + timestamp
 * within 30 s).
 *
 * Orders are asynchronous and deterministic. An order is created `pending`; each
 * `/orders/get` of it moves it one step: `pending → processing`, then `processing →
 * completed | failed`. That step is where the effect happens, exactly once: a completed
 * card_issue creates the card (and credits `initial_amount`), a completed topup credits the
 * card and debits the master wallet (1 USD = 1 USDT). A step is a read rather than a timer so
 * that tests and demos see the same sequence every time without waiting; `store.advanceOrder`
 * and `store.settleOrder` drive it directly. An order fails (with `failure_reason`) when, at
 * that step, the cardholder's KYC is not approved (card_issue), the card is no longer active,
 * the master wallet no longer covers the amount, or the card provider is down.
 *
 * New cardholders' KYC is decided at once from the document number: `REJECT…` → rejected,
 * `PEND…` → pending, anything else → approved.
 *
 * Handlers are synchronous: an idempotency check, the write and its record happen in one
 * turn of the event loop, so two concurrent requests with one key cannot both run the write.
 * Money is integer cents (BigInt) throughout.
 */
import { SandboxServer } from '../../../sandbox/server.js';
import type { CorporateStore } from './store.js';
import { seededCorporateStore } from './seed.js';
import { corporateHttp } from './routes.js';

export type { CorporateStore };

export interface CorporateSandboxOptions {
  apiKey: string;
  /** The 32-byte shared key. */
  secretKey: Uint8Array;
  seed?: number;
  baseLatencyMs?: number;
  /** The server's clock (ms); a skewed one makes the gateway's timestamps fall outside the window. */
  now?: () => number;
}

export interface CorporateSandbox {
  server: SandboxServer;
  store: CorporateStore;
}

const DEFAULT_SEED = 20261001;

export function createCorporateSandbox(options: CorporateSandboxOptions): CorporateSandbox {
  const store = seededCorporateStore(options.seed ?? DEFAULT_SEED, options.now ?? Date.now);
  const { routes, authenticate } = corporateHttp(store, options.apiKey, options.secretKey);
  const server = new SandboxServer({
    name: 'corporate',
    routes,
    baseLatencyMs: options.baseLatencyMs,
    authenticate,
    notFound: () => ({ status: 404, body: { error: 'Not found' } }),
  });
  return { server, store };
}
