/**
 * One span per provider operation (`utgl listCards`), around each call the gateway makes into
 * a provider, with the transport's attempt spans as its children. Through
 * `@opentelemetry/api` only: with no SDK registered (tracing off, see http/tracing.ts) the
 * tracer is the API's no-op one. The parent is the call context's trace context, and the
 * provider gets a call context carrying the new span: explicit, since no async context is
 * kept (it would cost promise hooks on every request, issue 14). Attributes are the provider and the operation — never an
 * argument (ids, amounts, references) nor a result.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { deriveCallContext, type CallContext } from '../core/call-context.js';
import { GatewayError } from '../core/errors.js';
import type { WriteRequest } from '../core/writes.js';
import type { CardProvider } from '../providers/provider.js';

const tracer = trace.getTracer('cardplane');

/** The provider's operations, each traced; the compiler fails here when one is added to `CardProvider`. */
type ProviderOperation = Exclude<keyof CardProvider, 'key' | 'capabilities' | 'undatedLists' | 'health' | 'resetHealth' | 'close'>;
const TRACED: Record<ProviderOperation, true> = {
  getCardholders: true,
  listCardholders: true,
  getCards: true,
  listCards: true,
  getWallets: true,
  listWallets: true,
  getWalletBalances: true,
  getTransactions: true,
  listTransactions: true,
  revealCard: true,
  createCardholder: true,
  issueCard: true,
  changeCardState: true,
  topUpCard: true,
  transferFunds: true,
  pushPull: true,
  getOperation: true,
  findOperation: true,
  cardholderTransactionScopes: true,
};

type AnyOperation = (...args: unknown[]) => Promise<unknown>;

/**
 * Every operation takes the call context last: as itself (reads) or inside the write request
 * (`w.cx`). The span's parent comes from it, and the provider gets it back carrying the span.
 */
function callContextOf(args: unknown[]): CallContext | undefined {
  const last = args[args.length - 1] as Partial<CallContext & WriteRequest> | undefined;
  return last?.cx ?? (last?.memo ? (last as CallContext) : undefined);
}

function withCallContext(args: unknown[], cx: CallContext): unknown[] {
  const last = args[args.length - 1] as Partial<WriteRequest>;
  return [...args.slice(0, -1), last.cx ? { ...last, cx } : cx];
}

/** Runs one provider operation in a span of its own, child of the call context's. */
function inSpan(provider: CardProvider, operation: string, call: AnyOperation, args: unknown[]): Promise<unknown> {
  const cx = callContextOf(args);
  const parent = cx?.trace ?? ROOT_CONTEXT;
  const attributes = { 'cardplane.provider': provider.key, 'cardplane.provider.operation': operation };
  const span = tracer.startSpan(`${provider.key} ${operation}`, { kind: SpanKind.INTERNAL, attributes }, parent);
  // Untraced (tracing off, or not sampled): the call as it came, nothing copied.
  if (!span.isRecording() || !cx) return call.apply(provider, args);
  const traced = withCallContext(args, deriveCallContext(cx, { trace: trace.setSpan(parent, span) }));
  return call.apply(provider, traced).then(
    (result) => {
      span.end();
      return result;
    },
    (error: unknown) => {
      // The code only: a message may quote upstream text.
      const code = error instanceof GatewayError ? error.code : 'INTERNAL_SERVER_ERROR';
      span.setAttribute('error.type', code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      span.end();
      throw error;
    },
  );
}

/**
 * The provider, each of its operations run in a span. Calls a provider makes to its own
 * operations are not traced again (they run on the provider itself).
 */
export function withProviderSpans(provider: CardProvider): CardProvider {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(provider, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(property);
      if (!method) {
        const original = value as AnyOperation;
        method =
          typeof property === 'string' && Object.hasOwn(TRACED, property)
            ? (...args: unknown[]) => inSpan(target, property, original, args)
            : original.bind(target);
        bound.set(property, method);
      }
      return method;
    },
  });
}
