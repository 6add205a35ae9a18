/**
 * The audit trail of sensitive actions (card reveals now; every mutation attempt later):
 * who, when, what, on which provider, with which outcome. Entries are built from a closed
 * set of fields, none of which can hold a PAN, CVV, key or token. Append-only JSON lines,
 * flushed in order; behind an interface so a shared store can replace the file.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ErrorCode } from '../core/errors.js';
import type { ProviderKey } from '../core/provider-key.js';

export interface AuditEntry {
  at: string;
  requestId: string;
  tenant: string;
  subject: string;
  /** `card.reveal.requested`, `card.reveal.redeemed`, or `mutation.<name>`. */
  action: string;
  /** The global id of the object acted on (for a create: of its parent or the new object). */
  target: string;
  provider: ProviderKey;
  outcome: 'SUCCEEDED' | 'FAILED' | 'DENIED' | 'OUTCOME_UNKNOWN' | 'REPLAYED' | 'RECONCILED';
  /** The client's idempotency key, for mutations that take one. */
  idempotencyKey?: string;
  code?: ErrorCode;
  upstreamRequestId?: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

export class FileAuditLog implements AuditLog {
  private tail: Promise<void> = Promise.resolve();
  private ready: Promise<unknown> | undefined;

  constructor(private readonly path: string) {}

  record(entry: AuditEntry): Promise<void> {
    this.ready ??= mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const line = `${JSON.stringify(entry)}\n`;
    // Chained so entries land in the order they were recorded, each once.
    this.tail = this.tail.then(async () => {
      await this.ready;
      await appendFile(this.path, line, { mode: 0o600 });
    });
    return this.tail;
  }
}

export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];

  async record(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }
}
