/**
 * What one client may hold of the subscription endpoint (graphql-ws on `/graphql`): how many
 * sockets and subscriptions, how long a socket may sit without a subscription, and how much
 * may wait unsent for a client that does not read. Read once at start-up (config.ts).
 */
import { ConfigError, type Reader } from '../core/env.js';

export interface SubscriptionSettings {
  /** Open sockets one viewer (tenant + subject) may hold, across the replica. */
  maxConnectionsPerViewer: number;
  /** Active subscriptions on one socket. */
  maxSubscriptionsPerConnection: number;
  /** Active subscriptions one viewer may hold across all its sockets on the replica. */
  maxSubscriptionsPerViewer: number;
  /** A socket without any subscription for this long is closed (4408 is graphql-ws's own, for no connection_init). */
  idleTimeoutMs: number;
  /** Time to send `connection_init` after the upgrade. */
  connectionInitTimeoutMs: number;
  /**
   * Bytes the server may hold unsent for one socket (ws `bufferedAmount`) plus events queued
   * for it; past it the client is too slow and the socket is closed (a slow consumer is
   * dropped, never buffered without bound).
   */
  maxBufferedBytes: number;
  /** Events queued for one subscription before its socket counts as too slow. */
  maxQueuedEvents: number;
}

export function subscriptionSettingsFromEnv(read: Reader): SubscriptionSettings {
  const perConnection = read.int('WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 50, 1, 10_000);
  const perViewer = read.int('WS_MAX_SUBSCRIPTIONS_PER_VIEWER', 200, 1, 100_000);
  if (perViewer < perConnection) {
    throw new ConfigError('WS_MAX_SUBSCRIPTIONS_PER_VIEWER', `must be at least WS_MAX_SUBSCRIPTIONS_PER_CONNECTION (${perConnection})`);
  }
  return {
    maxConnectionsPerViewer: read.int('WS_MAX_CONNECTIONS_PER_VIEWER', 10, 1, 100_000),
    maxSubscriptionsPerConnection: perConnection,
    maxSubscriptionsPerViewer: perViewer,
    idleTimeoutMs: read.int('WS_IDLE_TIMEOUT_MS', 60_000, 1_000, 3_600_000),
    connectionInitTimeoutMs: read.int('WS_CONNECTION_INIT_TIMEOUT_MS', 3_000, 100, 60_000),
    maxBufferedBytes: read.int('WS_MAX_BUFFERED_BYTES', 1_048_576, 1_024, 1_073_741_824),
    maxQueuedEvents: read.int('WS_MAX_QUEUED_EVENTS', 100, 1, 100_000),
  };
}
