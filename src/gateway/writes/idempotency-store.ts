/**
 * Where the gateway remembers its mutations: idempotency key → caller, input fingerprint
 * and outcome. The embedded store is an append-only JSON-lines file, fsync'd before a
 * mutation's answer leaves the gateway and replayed at start-up (last record per key wins),
 * so a restart between an upstream success and the client's retry still replays the
 * outcome. The interface lets a shared store (a database) replace it for a fleet.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ErrorCode, UpstreamInfo } from '../../core/errors.js';
import type { ProviderKey } from '../../core/provider-key.js';

export type RecordStatus =
  /** Sent (or about to be) and not answered yet: after a crash, as uncertain as OUTCOME_UNKNOWN. */
  | 'IN_PROGRESS'
  | 'SUCCEEDED'
  /** A definitive refusal (e.g. insufficient funds): replayed as the same error. */
  | 'FAILED'
  | 'OUTCOME_UNKNOWN'
  /** Refused before anything reached the provider (circuit open, rate limit): free to retry. */
  | 'NOT_SENT';

export interface StoredError {
  code: ErrorCode;
  message: string;
  provider?: ProviderKey;
  upstream?: UpstreamInfo;
}

export interface IdempotencyRecord {
  tenant: string;
  key: string;
  subject: string;
  mutation: string;
  fingerprint: string;
  provider: ProviderKey;
  status: RecordStatus;
  attempt: number;
  result?: unknown;
  error?: StoredError;
  createdAt: string;
  updatedAt: string;
}

export interface IdempotencyStore {
  get(tenant: string, key: string): IdempotencyRecord | undefined;
  /** Durable when the promise resolves. */
  put(record: IdempotencyRecord): Promise<void>;
  close(): void;
}

const id = (tenant: string, key: string) => `${tenant}\u0000${key}`;

export class MemoryIdempotencyStore implements IdempotencyStore {
  protected readonly records = new Map<string, IdempotencyRecord>();

  close(): void {}

  get(tenant: string, key: string): IdempotencyRecord | undefined {
    return this.records.get(id(tenant, key));
  }

  async put(record: IdempotencyRecord): Promise<void> {
    this.records.set(id(record.tenant, record.key), record);
  }
}

export class FileIdempotencyStore extends MemoryIdempotencyStore {
  private readonly fd: number;

  constructor(path: string) {
    super();
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const record = JSON.parse(line) as IdempotencyRecord;
          this.records.set(id(record.tenant, record.key), record);
        } catch {
          // A torn last line (a crash mid-write) is ignored: its write never completed.
        }
      }
    }
    this.fd = openSync(path, 'a', 0o600);
  }

  override async put(record: IdempotencyRecord): Promise<void> {
    // Synchronous append + fsync: small records, and the mutation must not answer before
    // its outcome is on disk.
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
    await super.put(record);
  }

  override close(): void {
    closeSync(this.fd);
  }
}
