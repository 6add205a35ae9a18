/**
 * The exactly-once engine's unit-test kit: a provider double that records what reached
 * "upstream" (and can answer late, lose answers, or hold copies), a request scope, and the
 * engine over an in-memory store.
 */
import { createCallContext } from '../../src/core/call-context.js';
import { ErrorCode, GatewayError } from '../../src/core/errors.js';
import { createLogger, type Logger } from '../../src/core/logger.js';
import type { ProviderKey } from '../../src/core/provider-key.js';
import { Scope } from '../../src/core/viewer.js';
import { OperationKind, OperationStatus, type Operation, type WriteRequest } from '../../src/core/writes.js';
import { Mutations, type MutationSpec } from '../../src/gateway/writes/mutations.js';
import type { SettlePolicy } from '../../src/providers/provider-module.js';
import type { CardProvider } from '../../src/providers/provider.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import type { StateStore } from '../../src/store/state-store.js';

export type FakeBehaviour =
  | 'ok'
  | 'unknown-after-moving'
  | 'unknown-before-moving'
  | 'insufficient'
  /** No answer (a timeout); the provider holds the write and applies it when the test calls `land()`. */
  | 'lands-late';

/** A provider double that records every write it receives: what reached "upstream". */
export function fakeProvider(options: { key?: ProviderKey; runMs?: number } = {}) {
  const key = options.key ?? 'utgl';
  const sent: WriteRequest[] = [];
  /** One entry per effect upstream, by reference. */
  const moved: string[] = [];
  const lookUps: string[] = [];
  const held: string[] = [];
  let behaviour: FakeBehaviour = 'ok';
  const operation = (reference: string): Operation => ({
    provider: key, ref: `tr_${reference}`, kind: OperationKind.TOP_UP, status: OperationStatus.COMPLETED, providerStatus: 'completed',
    reference, amount: { amount: '10.00', currency: 'USD' }, cardRef: 'card_1', failureReason: null, createdAt: new Date(0),
  });
  const provider = {
    key,
    async findOperation(_kind: OperationKind, reference: string) {
      lookUps.push(reference);
      const copies = moved.filter((r) => r === reference).length;
      if (copies === 0) return null;
      return copies > 1 ? { ...operation(reference), copies } : operation(reference);
    },
  } as unknown as CardProvider;
  const spec = (amount = '10.00'): MutationSpec<Operation> => ({
    name: 'topUpCard',
    provider,
    input: { cardRef: 'card_1', amount },
    target: 'card-id',
    kind: OperationKind.TOP_UP,
    async run(w) {
      sent.push(w);
      await new Promise((r) => setTimeout(r, options.runMs ?? 5));
      if (behaviour === 'insufficient') throw new GatewayError(ErrorCode.INSUFFICIENT_FUNDS, 'no money', { provider: key });
      if (behaviour === 'unknown-before-moving') throw new GatewayError(ErrorCode.OUTCOME_UNKNOWN, '503 on a write', { provider: key });
      if (behaviour === 'lands-late') {
        held.push(w.reference);
        throw new GatewayError(ErrorCode.OUTCOME_UNKNOWN, 'sent, no answer (headers timeout)', { provider: key });
      }
      moved.push(w.reference);
      if (behaviour === 'unknown-after-moving') throw new GatewayError(ErrorCode.OUTCOME_UNKNOWN, 'no answer', { provider: key });
      return operation(w.reference);
    },
    fromOperation: (op) => op,
    serialize: (op) => op,
    deserialize: (raw) => ({ ...(raw as Operation), createdAt: new Date((raw as { createdAt: string }).createdAt) }),
  });
  /** The held writes are processed now. */
  const land = () => moved.push(...held.splice(0));
  return { sent, moved, lookUps, spec, land, set: (b: FakeBehaviour) => (behaviour = b) };
}

export const scope = (subject = 'alice', tenant = 'acme', log: Logger = createLogger('silent')) => ({
  viewer: { subject, tenant, scopes: new Set([Scope.FUNDS_WRITE]) },
  requestId: 'req',
  cx: createCallContext('req', log),
});

/** The engine over a store, with every provider's settle window `windowMs` (0: settled at once). */
export const engine = (store: StateStore = new MemoryStateStore(), windowMs = 0, duplicates: SettlePolicy['duplicates'] = 'unique-reference', requestDeadlineMs = 2_000) =>
  new Mutations({ store, settle: () => ({ windowMs, duplicates }), requestDeadlineMs, log: createLogger('silent') });
