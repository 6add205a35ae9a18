/**
 * pushpull's simulator: the contract in shared/providers/pushpull.md (and its status-code
 * page, docs/pushpull.txt) over the shared SandboxServer.
 *
 * What it enforces, in the order a request meets it:
 *   431 more than 40 header lines or 8 KiB of headers → the caller's IP (XML 403, or the
 *   configured 500, when not allowed or automatically blocked) → 406 the WAF (`<script`, NUL)
 *   → 401 the bearer token → 404 the ClientID → 415 a body that is not `application/json`
 *   → 400 a body that is not packed JSON → 423 a locked client (everything but
 *   RetrieveClient) → the route (404 unknown URL, 405 wrong method).
 * Behind the routes: 400 malformed ResourceIDs and parameters, 404/410 unknown and deleted
 * accounts, 409 reused reference ids and duplicate cards, 422 limits and disabled
 * directions, 429 polling and the 24-hour rolling limit, 421 late look-ups by reference,
 * 200/201/207 for completed, pending (batch) and unknown-outcome transactions.
 *
 * Time: the data is seeded before `SEED_EPOCH`, and the simulator's world clock starts at
 * that instant when it is created and then follows `now` (injectable). Ages ("older than
 * 24 h"), pending settlement and the daily limit are measured on that clock, so they behave
 * the same whatever the machine's date; the polling and blocking windows use `now` directly.
 *
 * Card numbers live in the store only; no answer ever carries more than the last four digits.
 * Handlers are synchronous, so a reference-id check and the write it guards happen in one
 * turn of the event loop.
 */
import { SandboxServer } from '../../../sandbox/server.js';
import type { PushpullStore } from './store.js';
import { seededPushpullStore } from './seed.js';
import { gatekeeper, notFoundOrWrongMethod, pushpullRoutes } from './routes.js';

export type { PushpullStore };

export interface PushpullSandboxOptions {
  clientId: string;
  token: string;
  seed?: number;
  baseLatencyMs?: number;
  /** The clock (ms); `Date.now` by default. */
  now?: () => number;
}

export interface PushpullSandbox {
  server: SandboxServer;
  store: PushpullStore;
}

export function createPushpullSandbox(options: PushpullSandboxOptions): PushpullSandbox {
  const store = seededPushpullStore({ clientId: options.clientId, token: options.token, seed: options.seed, now: options.now });
  const server = new SandboxServer({
    name: 'pushpull',
    routes: pushpullRoutes(store),
    baseLatencyMs: options.baseLatencyMs,
    authenticate: gatekeeper(store),
    notFound: notFoundOrWrongMethod,
  });
  return { server, store };
}
