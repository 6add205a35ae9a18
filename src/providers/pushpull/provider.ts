/**
 * pushpull's unified operations (reads). Cards are the client's card accounts; a card's
 * transactions are its account's; lists page by `offset`/`limit`, so an item's resume token
 * is its absolute position. pushpull has no cardholders and no wallets: those operations are
 * not in `capabilities`, and the base class answers them UNSUPPORTED_BY_PROVIDER.
 *
 * Two protections the contract asks for:
 * - "Do not poll" (more than 5 reads of one transaction in 10 s is a 429): a transaction read
 *   by id goes through a TTL cache shared by every request, with in-flight de-duplication, so
 *   one transaction is read upstream at most once per `transactionTtlMs` (3 s: ≤ 4 reads in
 *   any 10 s) however many clients ask for it. "Not found" is cached too (as null): a client
 *   asking again and again for a missing transaction must not turn into a stream of 404s.
 * - Volume spikes of errors get the caller's IP blocked: every upstream call goes through an
 *   `ErrorGuard`, which stops calling pushpull for a cool-down while it answers mostly errors
 *   (and for the Retry-After of a 429).
 */
import type { CallContext } from '../../gateway/call-context.js';
import { ErrorGuard, type ErrorGuardOptions } from '../../gateway/error-guard.js';
import { ErrorCode, GatewayError, isNotFound, unsupported } from '../../gateway/errors.js';
import type { Card, Transaction } from '../../gateway/model.js';
import { offsetFromToken } from '../../gateway/pagination.js';
import { TtlCache } from '../../gateway/ttl-cache.js';
import type { RequestSpec, TransportHealth } from '../http.js';
import { BaseProvider, Capability, type CardFilter, type Found, type Page, type PageRequest, type TransactionFilter } from '../provider.js';
import { PushpullClient, type PushpullClientOptions } from './client.js';
import { deletedCard, listAnswer, mapAccount, mapTransaction } from './mapping.js';

/** Below the contract's polling limit with margin: 5 reads in 10 s is allowed, this gives ≤ 4. */
export const TRANSACTION_CACHE_TTL_MS = 3_000;

/**
 * Well below the simulator's automatic block (20 errors in 60 s): the gateway stops first.
 * pushpull does not publish its own thresholds.
 */
export const PUSHPULL_GUARD = { windowMs: 60_000, threshold: 10, minErrorRatio: 0.5, coolDownMs: 30_000 } as const;

export interface PushpullProviderOptions extends PushpullClientOptions {
  guard?: Omit<ErrorGuardOptions, 'provider'>;
  transactionTtlMs?: number;
  /** The clock of the transaction cache (tests). */
  now?: () => number;
}

const id = (ref: string): string => encodeURIComponent(ref);


export class PushpullProvider extends BaseProvider {
  readonly key = 'pushpull' as const;
  readonly capabilities: ReadonlySet<Capability> = new Set([
    Capability.CARD_READ,
    Capability.CARD_LIST,
    Capability.TRANSACTION_READ,
    Capability.TRANSACTION_LIST_BY_CARD,
  ]);
  readonly client: PushpullClient;
  /** Every upstream call passes it; exposed for the `providers` health view and tests. */
  readonly guard: ErrorGuard;
  /** Transactions by id, shared across requests. */
  readonly transactionCache: TtlCache<Transaction | null>;
  private readonly transactionTtlMs: number;

  constructor(options: PushpullProviderOptions) {
    super();
    this.client = new PushpullClient(options);
    this.guard = new ErrorGuard({ ...PUSHPULL_GUARD, ...options.guard, provider: 'pushpull' });
    this.transactionTtlMs = options.transactionTtlMs ?? TRANSACTION_CACHE_TTL_MS;
    this.transactionCache = new TtlCache({ now: options.now });
  }

  override getCards(refs: readonly string[], cx: CallContext): Promise<Found<Card>> {
    return Promise.all(refs.map((ref) => this.card(ref, cx)));
  }

  override async listCards(filter: CardFilter, page: PageRequest, cx: CallContext): Promise<Page<Card>> {
    if (filter.cardholderRef || filter.walletRef) {
      throw unsupported('pushpull', 'listing cards by cardholder or wallet (its cards belong to the client, not to cardholders or wallets)');
    }
    return this.offsetPage(this.client.path('/accounts'), 'listAccounts', 'accounts', mapAccount, page, cx);
  }

  override getTransactions(refs: readonly string[], cx: CallContext): Promise<Found<Transaction>> {
    return Promise.all(refs.map((ref) => this.transaction(ref, cx)));
  }

  override async listTransactions(filter: TransactionFilter, page: PageRequest, cx: CallContext): Promise<Page<Transaction>> {
    if (!filter.cardRef || filter.walletRef) {
      throw unsupported('pushpull', 'listing transactions that are not narrowed to a card (it has no wallets)');
    }
    const path = this.client.path(`/accounts/${id(filter.cardRef)}/transactions`);
    return this.offsetPage(path, 'listTransactions', 'transactions', mapTransaction, page, cx);
  }

  /** The transport's health, with the abuse guard's state folded into the circuit. */
  override health(): TransportHealth {
    const transport = super.health();
    const guard = this.guard.status();
    if (!guard.open || transport.circuitOpen) return transport;
    return { ...transport, circuitOpen: true, circuitOpenReason: guard.reason ?? 'errors', circuitRetryAfterMs: guard.remainingMs };
  }

  override resetHealth(): void {
    super.resetHealth();
    this.guard.reset();
    this.transactionCache.clear();
  }

  /** One upstream call, through the error guard. */
  private call<T>(spec: RequestSpec, cx: CallContext): Promise<T> {
    return this.guard.run(() => this.client.request<T>(spec, cx));
  }

  /**
   * A card account. A 410 means the account existed and was deleted: the card is answered as
   * CLOSED (with only its id known) rather than as missing, so a client holding its id learns
   * what happened to it. A 404 is a card that does not exist: null.
   */
  private async card(ref: string, cx: CallContext): Promise<Card | null> {
    try {
      const body = await this.call({ method: 'GET', path: this.client.path(`/accounts/${id(ref)}`), operation: 'read', name: 'getAccount' }, cx);
      return mapAccount(body);
    } catch (error) {
      if (isNotFound(error) && error.upstream?.status === 410) return deletedCard(ref);
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /**
   * A transaction by id, through the shared cache. The upstream read is shared by requests
   * with different deadlines, so it runs detached from the first caller's abort signal
   * (bounded by the transport's own timeouts) and each caller stops waiting at its own.
   */
  private transaction(ref: string, cx: CallContext): Promise<Transaction | null> {
    const shared = this.transactionCache.get(ref, this.transactionTtlMs, async () => {
      try {
        const body = await this.call(
          { method: 'GET', path: this.client.path(`/transactions/${id(ref)}`), operation: 'read', name: 'getTransaction' },
          { ...cx, signal: undefined },
        );
        return mapTransaction(body);
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
    return untilAborted(shared, cx.signal);
  }

  private async offsetPage<T>(
    path: string,
    name: string,
    field: 'accounts' | 'transactions',
    map: (raw: unknown) => T,
    page: PageRequest,
    cx: CallContext,
  ): Promise<Page<T>> {
    const offset = offsetFromToken(page.after);
    const body = await this.call({ method: 'GET', path, query: { offset, limit: page.limit }, operation: 'read', name }, cx);
    const { items, total } = listAnswer(body, field);
    const nodes = items.map(map);
    const end = offset + nodes.length;
    return {
      items: nodes.map((node, i) => ({ node, token: String(offset + i + 1) })),
      hasMore: nodes.length > 0 && (total !== null ? end < total : nodes.length >= page.limit),
    };
  }
}

/** `promise`, or UPSTREAM_TIMEOUT as soon as `signal` aborts (the caller's deadline). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  const timeout = () => new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, 'PUSHPULL did not answer in time', { provider: 'pushpull' });
  if (signal.aborted) return Promise.reject(timeout());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timeout());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
