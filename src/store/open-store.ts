/**
 * Which engine holds the state: PostgreSQL when `DATABASE_URL` is set (shared by every
 * replica), otherwise the embedded SQLite file. The settings are read and validated by
 * config.ts; this only opens what they name.
 */
import type { Logger } from '../core/logger.js';
import { openSqliteStore } from './sqlite-store.js';
import type { StateStore } from './state-store.js';
import { InProcessEventBus, type EventBus } from './event-bus.js';

export type StateStoreSettings =
  | { engine: 'sqlite'; path: string }
  | { engine: 'postgres'; url: string; poolSize: number };

/** Opens, verifies and migrates the configured store; rejects with a message naming the problem. */
export async function openStateStore(settings: StateStoreSettings, log: Logger): Promise<StateStore> {
  switch (settings.engine) {
    case 'sqlite':
      return openSqliteStore({ path: settings.path });
    case 'postgres': {
      // Loaded only here: the PostgreSQL driver is some 6 MB of resident memory a SQLite gateway
      // would carry for nothing (issue 14).
      const { openPostgresStore } = require('./postgres-store.js') as typeof import('./postgres-store.js');
      return openPostgresStore({
        url: settings.url,
        poolSize: settings.poolSize,
        // An idle connection dropped by a server restart: the pool replaces it; readiness shows outages.
        onError: (error) => log.warn({ event: 'state_store.connection_error', err: error.message }, 'a pooled PostgreSQL connection failed'),
      });
    }
    default: {
      const unknown: never = settings;
      throw new Error(`Unknown state store engine ${JSON.stringify(unknown)}`);
    }
  }
}

/** The live-update bus beside the store: PostgreSQL LISTEN/NOTIFY when replicas share one, in-process otherwise. */
export async function openEventBus(settings: StateStoreSettings, log: Logger): Promise<EventBus> {
  if (settings.engine === 'postgres') {
    // Loaded only here, like the PostgreSQL store: a SQLite gateway never loads the driver.
    const { PostgresEventBus } = require('./postgres-event-bus.js') as typeof import('./postgres-event-bus.js');
    return PostgresEventBus.open({ url: settings.url, log });
  }
  return new InProcessEventBus();
}
