/**
 * What the exactly-once engine tells operators: whether the state store is taking its writes
 * (readiness reads `StoreHealth`), and plain counters of the events that need a human
 * (exported as metrics by the server). A failed store write is logged once, under the stable
 * event name `store.write_failed`, and never turned into a lie about money: see mutations.ts.
 */
import type { Logger } from '../../core/logger.js';

export interface StoreHealthSnapshot {
  /** False from a failed write until a later write succeeds. */
  healthy: boolean;
  /** Failed writes since start-up. */
  failures: number;
  lastFailure?: { at: string; operation: string; message: string };
}

export class StoreHealth {
  private failing = false;
  private failures = 0;
  private lastFailure: StoreHealthSnapshot['lastFailure'];

  failed(operation: string, error: unknown, log: Logger): void {
    this.failing = true;
    this.failures += 1;
    const message = error instanceof Error ? error.message : String(error);
    this.lastFailure = { at: new Date().toISOString(), operation, message };
    log.error({ event: 'store.write_failed', operation, err: message }, 'the state store refused a write');
  }

  succeeded(): void {
    this.failing = false;
  }

  snapshot(): StoreHealthSnapshot {
    return { healthy: !this.failing, failures: this.failures, ...(this.lastFailure ? { lastFailure: { ...this.lastFailure } } : {}) };
  }
}

/** Plain counters (monotonic), for a metrics endpoint to expose. */
export interface WriteCounters {
  /** Writes sent and answered with success (reconciled ones are counted under `reconciled`). */
  succeeded: number;
  /** Resubmits answered from the recorded outcome (success or refusal) without a call upstream. */
  replayed: number;
  /** Answers of OUTCOME_UNKNOWN, whatever their cause. */
  outcomeUnknown: number;
  /** Writes found more than once upstream under one reference (`reconcile.duplicate_detected`). */
  duplicatesDetected: number;
  /** Attempts sent again after a settle window to a provider that cannot refuse a copy. */
  resends: number;
  /** Uncertain writes settled by a look-up (on resubmit or by the sweep). */
  reconciled: number;
  /** Resubmits answered OUTCOME_UNKNOWN because an earlier attempt could still land. */
  heldInsideSettleWindow: number;
}

export function writeCounters(): WriteCounters {
  return { succeeded: 0, replayed: 0, outcomeUnknown: 0, duplicatesDetected: 0, resends: 0, reconciled: 0, heldInsideSettleWindow: 0 };
}
