/**
 * `npm run reconcile` — the writes an operator may need to look at, and settling them on demand.
 *
 *   npm run reconcile                       lists OUTCOME_UNKNOWN, IN_PROGRESS (past their window
 *                                           or not), resent and duplicated keys, each with its
 *                                           audited attempts (resends marked RESEND)
 *   npm run reconcile -- --key K [--tenant T]   looks the key's last attempt up at its provider
 *   npm run reconcile -- --all              does so for every listed key
 *
 * It reads the same configuration as the gateway (the state store, the providers' endpoints
 * and settle windows) and never sends a write: a write the provider does not have is sent only
 * by a resubmission of its key, after its settle window. See README, "Uncertain writes".
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createLogger } from '../core/logger.js';
import { createRegistry } from '../gateway/build-registry.js';
import { Mutations } from '../gateway/writes/mutations.js';
import { Reconciler, uncertainty, type ReconcileReport } from '../gateway/writes/reconciler.js';
import { openStateStore } from '../store/open-store.js';
import type { IdempotencyRecord, StateStore } from '../store/state-store.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { key: { type: 'string' }, tenant: { type: 'string' }, all: { type: 'boolean', default: false }, limit: { type: 'string', default: '500' } } });
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const store = await openStateStore(config.state, log);
  // Only providers with a real endpoint: a sandbox lives inside the gateway process.
  const registry = createRegistry({ endpoints: config.providers, sandboxed: new Set(), transport: config.upstream });
  const settle = (provider: IdempotencyRecord['provider']) => config.settleWindows[provider];
  const mutations = new Mutations({ store, settle, requestDeadlineMs: config.requestDeadlineMs, log });
  const reconciler = new Reconciler({ store, registry, mutations, requestDeadlineMs: config.requestDeadlineMs, log });
  try {
    const listed = await reconciler.uncertain(Number(values.limit));
    if (!values.key && !values.all) {
      if (listed.length === 0) console.log('No uncertain, resent or duplicated writes.');
      for (const record of listed) {
        console.log(describe(record, uncertainty(record, settle(record.provider).windowMs)));
        for (const line of await auditedAttempts(store, record)) console.log(line);
      }
      return;
    }
    const chosen = values.key ? listed.filter((r) => r.key === values.key && (!values.tenant || r.tenant === values.tenant)) : listed;
    if (values.key && chosen.length === 0) {
      const record = values.tenant ? await store.records.get(values.tenant, values.key) : undefined;
      throw new Error(record ? `${values.key} is ${record.status}: nothing to reconcile` : `no uncertain record for key ${values.key}${values.tenant ? ` of tenant ${values.tenant}` : ''}`);
    }
    for (const record of chosen) console.log(report(await reconciler.reconcile(record)));
  } finally {
    await registry.close();
    await store.close();
  }
}

function describe(record: IdempotencyRecord, labels: string[]): string {
  const last = record.attempts.at(-1);
  return [record.tenant, record.key, record.mutation, record.provider, labels.join(', '), `${record.attempts.length} attempt(s)`, last ? `last sent ${last.sentAt}` : 'never sent'].join('  ');
}

/**
 * Each attempt as the audit trail recorded it when it was written ahead: when, by which
 * request, and whether it was a resend (sent again after its window to a provider that cannot
 * refuse a copy: the one to check upstream if money may have moved twice).
 */
async function auditedAttempts(store: StateStore, record: IdempotencyRecord): Promise<string[]> {
  const trail = await store.audit.list({ tenant: record.tenant, idempotencyKey: record.key, limit: 1_000 });
  return trail
    .filter((entry) => entry.outcome === 'ATTEMPTED')
    .map((entry) => `    ${[`attempt ${entry.attempt ?? '?'}`, entry.resend ? 'RESEND' : '', `written ahead ${entry.at}`, `request ${entry.requestId}`].filter(Boolean).join('  ')}`);
}

function report(r: ReconcileReport): string {
  return [r.tenant, r.key, r.mutation, r.provider, `${r.status} → ${r.result}`, r.duplicate ? 'DUPLICATED UPSTREAM' : '', r.message ?? ''].filter(Boolean).join('  ');
}

main().catch((error: unknown) => {
  console.error(`reconcile: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
