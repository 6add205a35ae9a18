/**
 * Exactly-once mutations. Every mutation that creates something or moves money runs here
 * under the client's idempotency key, scoped to the viewer's tenant:
 *
 * - the same key and the same input return the recorded outcome without calling the
 *   provider again (a refusal is replayed as the same error);
 * - the same key with a different input is IDEMPOTENCY_CONFLICT;
 * - two concurrent requests with one key share a single upstream call;
 * - an uncertain outcome (timeout after sending, 5xx on a write, pushpull 207) is recorded
 *   as OUTCOME_UNKNOWN and answered as such; re-submitting the key reconciles: the write is
 *   looked up by its reference, and only if the provider certainly does not have it is it
 *   sent again (with the provider's own key rules, see writes.ts);
 * - every attempt is audited (never with card data).
 */
import { createHash } from 'node:crypto';
import type { Viewer } from '../../core/viewer.js';
import type { CardProvider } from '../../providers/provider.js';
import type { Operation, OperationKind, WriteRequest } from '../../core/writes.js';
import type { AuditEntry, AuditLog } from '../audit.js';
import type { CallContext } from '../../core/call-context.js';
import { badInput, ErrorCode, GatewayError } from '../../core/errors.js';
import { deriveKeys } from './idempotency-keys.js';
import type { IdempotencyRecord, IdempotencyStore, RecordStatus } from './idempotency-store.js';

export interface MutationScope {
  viewer: Viewer;
  requestId: string;
  cx: CallContext;
}

export interface MutationSpec<T> {
  /** The GraphQL mutation, e.g. `topUpCard`. */
  name: string;
  provider: CardProvider;
  /** The validated input, in provider refs: what the fingerprint covers. */
  input: unknown;
  /** The global id the audit trail names. */
  target: string;
  /** How to look the write up by reference after an uncertain outcome (null: no look-up). */
  kind: OperationKind | null;
  run(w: WriteRequest): Promise<T>;
  /** The mutation's answer from an operation found by reference. */
  fromOperation(operation: Operation): T;
  /** JSON-safe form for the store, and back. */
  serialize(result: T): unknown;
  deserialize(stored: unknown): T;
}

const KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

/** Codes that mean the provider definitively refused: replayed as they are. */
const DEFINITIVE = new Set<ErrorCode>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.INSUFFICIENT_FUNDS,
  ErrorCode.INVALID_STATE,
  ErrorCode.COMPLIANCE_LOCKED,
  ErrorCode.LIMIT_EXCEEDED,
  ErrorCode.UNSUPPORTED_BY_PROVIDER,
  ErrorCode.FORBIDDEN,
]);

/**
 * Codes that mean nothing happened upstream: refused by the gateway's own guards (circuit,
 * bulkhead, rate limit) or the provider's authentication. A timeout or unreachable provider
 * after the request could have been received is OUTCOME_UNKNOWN already (the transport
 * decides by whether it was sent).
 */
const NOTHING_HAPPENED = new Set<ErrorCode>([
  ErrorCode.RATE_LIMITED,
  ErrorCode.UPSTREAM_UNAVAILABLE,
  ErrorCode.UPSTREAM_TIMEOUT,
  ErrorCode.UPSTREAM_AUTH_FAILED,
  ErrorCode.UNAUTHENTICATED,
]);

function statusOf(error: unknown): RecordStatus {
  if (!(error instanceof GatewayError)) return 'OUTCOME_UNKNOWN';
  if (DEFINITIVE.has(error.code)) return 'FAILED';
  if (NOTHING_HAPPENED.has(error.code) && (error.upstream?.status === undefined || error.upstream.status < 500)) return 'NOT_SENT';
  // Anything else on a write (an unclassified answer, an internal failure) may have acted.
  return 'OUTCOME_UNKNOWN';
}

/** Stable JSON: keys sorted, so the same input always has the same fingerprint. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

export class Mutations {
  private readonly inFlight = new Map<string, { fingerprint: string; done: Promise<unknown> }>();

  constructor(
    private readonly store: IdempotencyStore,
    private readonly audit: AuditLog,
  ) {}

  async execute<T>(scope: MutationScope, idempotencyKey: string, spec: MutationSpec<T>): Promise<T> {
    if (!KEY.test(idempotencyKey)) throw badInput('idempotencyKey must be 8 to 128 characters of letters, digits, _ . : -');
    const tenant = scope.viewer.tenant;
    const fingerprint = createHash('sha256').update(`${spec.name}\u0000${spec.provider.key}\u0000${canonical(spec.input)}`).digest('hex');
    const slot = `${tenant}\u0000${idempotencyKey}`;

    const running = this.inFlight.get(slot);
    if (running) {
      if (running.fingerprint !== fingerprint) throw this.conflict(idempotencyKey);
      // The first request's call is the only one: share its outcome.
      return spec.deserialize(spec.serialize((await running.done) as T));
    }
    const done = this.run(scope, idempotencyKey, fingerprint, spec);
    this.inFlight.set(slot, { fingerprint, done });
    try {
      return await done;
    } finally {
      this.inFlight.delete(slot);
    }
  }

  private async run<T>(scope: MutationScope, key: string, fingerprint: string, spec: MutationSpec<T>): Promise<T> {
    const { viewer } = scope;
    const entry: Omit<AuditEntry, 'outcome'> = {
      at: new Date().toISOString(),
      requestId: scope.requestId,
      tenant: viewer.tenant,
      subject: viewer.subject,
      action: `mutation.${spec.name}`,
      target: spec.target,
      provider: spec.provider.key,
      idempotencyKey: key,
    };
    const existing = this.store.get(viewer.tenant, key);
    if (existing && existing.fingerprint !== fingerprint) {
      await this.audit.record({ ...entry, outcome: 'DENIED', code: ErrorCode.IDEMPOTENCY_CONFLICT });
      throw this.conflict(key);
    }
    if (existing?.status === 'SUCCEEDED') {
      await this.audit.record({ ...entry, outcome: 'REPLAYED' });
      return spec.deserialize(existing.result);
    }
    if (existing?.status === 'FAILED' && existing.error) {
      await this.audit.record({ ...entry, outcome: 'REPLAYED', code: existing.error.code });
      throw new GatewayError(existing.error.code, existing.error.message, { provider: existing.error.provider, upstream: existing.error.upstream });
    }

    const now = new Date().toISOString();
    let record: IdempotencyRecord = existing ?? {
      tenant: viewer.tenant,
      key,
      subject: viewer.subject,
      mutation: spec.name,
      fingerprint,
      provider: spec.provider.key,
      status: 'IN_PROGRESS',
      attempt: 0,
      createdAt: now,
      updatedAt: now,
    };
    const write = (attempt: number): WriteRequest => ({
      cx: scope.cx,
      gatewayKey: key,
      attempt,
      ...deriveKeys(viewer.tenant, key, spec.provider.key, attempt),
    });

    // An earlier attempt may have reached the provider: find it before sending anything. A
    // write the provider cannot look up stays uncertain: it is never resent blindly.
    if (existing && (existing.status === 'OUTCOME_UNKNOWN' || existing.status === 'IN_PROGRESS')) {
      const found = await this.lookUp(spec, write(existing.attempt));
      if (found) {
        const result = spec.fromOperation(found);
        await this.store.put({ ...record, status: 'SUCCEEDED', result: spec.serialize(result), error: undefined, updatedAt: new Date().toISOString() });
        await this.audit.record({ ...entry, outcome: 'RECONCILED' });
        return result;
      }
      record = { ...record, attempt: existing.attempt + 1 };
    }

    await this.store.put({ ...record, status: 'IN_PROGRESS', updatedAt: new Date().toISOString() });
    try {
      const result = await spec.run(write(record.attempt));
      await this.store.put({ ...record, status: 'SUCCEEDED', result: spec.serialize(result), error: undefined, updatedAt: new Date().toISOString() });
      await this.audit.record({ ...entry, outcome: 'SUCCEEDED' });
      return result;
    } catch (error) {
      const status = statusOf(error);
      const typed = error instanceof GatewayError ? error : undefined;
      await this.store.put({
        ...record,
        status,
        error: typed ? { code: typed.code, message: typed.message, provider: typed.provider, upstream: typed.upstream } : undefined,
        updatedAt: new Date().toISOString(),
      });
      await this.audit.record({
        ...entry,
        outcome: status === 'OUTCOME_UNKNOWN' || status === 'IN_PROGRESS' ? 'OUTCOME_UNKNOWN' : 'FAILED',
        code: typed?.code ?? ErrorCode.OUTCOME_UNKNOWN,
        upstreamRequestId: typed?.upstream?.requestId,
      });
      if (!typed) {
        throw new GatewayError(ErrorCode.OUTCOME_UNKNOWN, 'The mutation failed unexpectedly after it may have reached the provider; resubmit the same idempotency key to reconcile', {
          provider: spec.provider.key,
          cause: error,
        });
      }
      throw typed;
    }
  }

  /** The earlier attempt if the provider has it, null if it certainly does not. */
  private async lookUp<T>(spec: MutationSpec<T>, w: WriteRequest): Promise<Operation | null> {
    const cannot = () =>
      new GatewayError(
        ErrorCode.OUTCOME_UNKNOWN,
        `The earlier ${spec.name} may have reached ${spec.provider.key.toUpperCase()}, which offers no way to look it up: it is not sent again. Check with the provider before retrying under a new key.`,
        { provider: spec.provider.key },
      );
    if (!spec.kind) throw cannot();
    try {
      return await spec.provider.findOperation(spec.kind, w.reference, w);
    } catch (error) {
      if (error instanceof GatewayError && error.code === ErrorCode.UNSUPPORTED_BY_PROVIDER) throw cannot();
      throw error;
    }
  }

  private conflict(key: string): GatewayError {
    return new GatewayError(ErrorCode.IDEMPOTENCY_CONFLICT, `The idempotency key ${key} was already used with a different input`);
  }
}
