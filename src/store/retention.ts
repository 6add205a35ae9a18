/**
 * The retention job: every so often, one replica (whoever holds the `state.purge` lease)
 * deletes what is older than the retention (see `StateStore.purge` for what that spares).
 * Timers are unref'd: the job never keeps a process alive, and `stop()` ends it on close.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import type { StateStore } from './state-store.js';

export interface RetentionOptions {
  retentionHours: number;
  /** How often to purge (default hourly); the first run is one interval after start. */
  intervalMs?: number;
  now?: () => Date;
}

const LEASE = 'state.purge';

export interface RetentionJob {
  /** One round now (tests, operators). */
  runOnce(): Promise<void>;
  /** No more rounds; resolves when a round in progress has finished (before the store closes). */
  stop(): Promise<void>;
}

export function startRetention(store: StateStore, log: Logger, { retentionHours, intervalMs = 3_600_000, now = () => new Date() }: RetentionOptions): RetentionJob {
  const owner = randomUUID();
  let running: Promise<void> | undefined;
  const runOnce = async () => {
    try {
      // Held for the interval: other replicas skip this round instead of purging the same rows.
      if (!(await store.leases.acquire(LEASE, owner, intervalMs))) return;
      const olderThan = new Date(now().getTime() - retentionHours * 3_600_000);
      const purged = await store.purge(olderThan);
      log.info({ event: 'state_store.purged', olderThan: olderThan.toISOString(), ...purged }, 'purged state older than the retention');
    } catch (error) {
      log.error({ event: 'state_store.purge_failed', err: (error as Error).message }, 'purging old state failed; retrying next interval');
    }
  };
  const timer = setInterval(() => {
    running ??= runOnce().finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
