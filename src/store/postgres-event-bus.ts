/**
 * The live-update bus over PostgreSQL `LISTEN/NOTIFY`, for replicas sharing `DATABASE_URL`.
 * One dedicated connection per replica (never a pooled one: a LISTEN belongs to its session)
 * listens on one channel and also sends, with `pg_notify`. PostgreSQL delivers a notification
 * to every listening session of the database, the sender's included, once its transaction
 * commits. Events are sent in the order they were published, one statement at a time: those
 * published while a statement is out go together in the next (`pg_notify` per event, in order),
 * so a burst of writes costs a round trip per batch rather than one each — and the connection
 * is never asked a second query while one is running (pg deprecates that).
 *
 * When the connection fails it is replaced, 1 s later and then up to 30 s apart; events sent
 * meanwhile by other replicas are lost for this one (at-most-once, event-bus.ts), and this
 * replica's own events are delivered to its own listeners directly, so its subscribers still
 * see what it saw.
 */
import pg from 'pg';
import type { Logger } from '../core/logger.js';
import { dispatch, type EventBus, type LiveEvent, type LiveListener } from './event-bus.js';

/** One channel per database: replicas of one gateway share a database, and nothing else uses the channel. */
export const LIVE_CHANNEL = 'cardplane_live';
/** PostgreSQL refuses a notification payload of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7_900;
/** Events sent in one statement at most. */
const MAX_BATCH = 100;
const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

export interface PostgresEventBusOptions {
  url: string;
  log: Logger;
  connectTimeoutMs?: number;
}

export class PostgresEventBus implements EventBus {
  readonly engine = 'postgres';
  private readonly listeners = new Set<LiveListener>();
  private client: pg.Client | undefined;
  private connected = false;
  private closed = false;
  private reconnectDelayMs = RECONNECT_FIRST_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Events published and not yet sent, in order, each with its publisher's `resolve`. */
  private readonly outbox: Array<{ payload: string; sent: () => void }> = [];
  private sending = false;

  private constructor(private readonly options: PostgresEventBusOptions) {}

  /** Connects and listens; rejects when PostgreSQL does not answer (start-up stops, as for the store). */
  static async open(options: PostgresEventBusOptions): Promise<PostgresEventBus> {
    const bus = new PostgresEventBus(options);
    await bus.connect();
    return bus;
  }

  async publish(event: LiveEvent): Promise<void> {
    const payload = JSON.stringify(event);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      this.options.log.warn({ event: 'live.event_too_large', topic: event.topic, provider: event.provider }, 'a live event is too large for NOTIFY: delivered on this replica only');
      return this.deliverLocally(payload);
    }
    if (!this.client || !this.connected) return this.deliverLocally(payload);
    return new Promise<void>((sent) => {
      this.outbox.push({ payload, sent });
      if (!this.sending) void this.sendWaiting();
    });
  }

  /** Sends the outbox, in order, as many events per statement as are waiting (up to MAX_BATCH). */
  private async sendWaiting(): Promise<void> {
    this.sending = true;
    while (this.outbox.length > 0) {
      const batch = this.outbox.splice(0, MAX_BATCH);
      const payloads = batch.map((event) => event.payload);
      try {
        if (!this.client || !this.connected) throw new Error('the connection is being replaced');
        const notifies = payloads.map((_, i) => `pg_notify($1, $${i + 2})`).join(', ');
        await this.client.query(`SELECT ${notifies}`, [LIVE_CHANNEL, ...payloads]);
      } catch (error) {
        this.options.log.warn({ event: 'live.notify_failed', err: (error as Error).message, events: batch.length }, 'NOTIFY failed: the events are delivered on this replica only');
        for (const payload of payloads) this.deliverLocally(payload);
      }
      for (const event of batch) event.sent();
    }
    this.sending = false;
  }

  listen(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.listeners.clear();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private deliverLocally(payload: string): void {
    const copy = JSON.parse(payload) as LiveEvent;
    setImmediate(() => dispatch(this.listeners, copy));
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5_000, application_name: 'cardplane-live' });
    client.on('notification', (message) => {
      if (message.channel !== LIVE_CHANNEL || !message.payload) return;
      let event: LiveEvent;
      try {
        event = JSON.parse(message.payload) as LiveEvent;
      } catch {
        return;
      }
      dispatch(this.listeners, event);
    });
    // An error after connecting (server restart, network): replace the connection.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${LIVE_CHANNEL}`);
    this.client = client;
    this.connected = true;
    this.reconnectDelayMs = RECONNECT_FIRST_MS;
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.closed || client !== this.client || !this.connected) return;
    this.connected = false;
    this.options.log.warn({ event: 'live.connection_lost', err: error?.message }, 'the live-update connection to PostgreSQL was lost; reconnecting');
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(RECONNECT_MAX_MS, this.reconnectDelayMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.connect().then(
        () => this.options.log.info({ event: 'live.connection_restored' }, 'listening for live updates again'),
        () => this.scheduleReconnect(),
      );
    }, delay);
    this.reconnectTimer.unref();
  }
}
