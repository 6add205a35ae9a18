/**
 * pushpull's unified operations. Cards are the client's card accounts; a card's
 * transactions are its account's; lists page by `offset`/`limit`, so an item's resume token
 * is its absolute position. pushpull has no cardholders and no wallets: those operations are
 * not in `capabilities`, and the base class answers them UNSUPPORTED_BY_PROVIDER.
 *
 * Writes: push to and pull from a card (`CreateTransaction`), with the write's reference as
 * `reference_id`. pushpull refuses a reused `reference_id` (409), so a resend of the same
 * write can never create a second transaction; after an uncertain outcome the gateway finds
 * the transaction by that reference (`RetrieveByReference`) before anything is resent.
 *
 * Two protections the contract asks for:
 * - "Do not poll" (more than 5 reads of one transaction in 10 s is a 429): a transaction read
 *   by id goes through a TTL cache shared by every request, with in-flight de-duplication, so
 *   one transaction is read upstream at most once per `transactionTtlMs` (3 s: ≤ 4 reads in
 *   any 10 s) however many clients ask for it. "Not found" is cached too (as null): a client
 *   asking again and again for a missing transaction must not turn into a stream of 404s.
 *   The cache holds the upstream object, so a transaction read (`getTransactions`) and an
 *   operation followed by a client (`getOperation`) share one read. It is primed with what a
 *   write or a look-up by reference answered, which is as fresh as a read would be.
 * - Volume spikes of errors get the caller's IP blocked: every upstream call goes through the
 *   client's error-burst guard (client.ts), which stops calling pushpull for a cool-down while
 *   it answers mostly errors (and for the Retry-After of a 429).
 */
import { deriveCallContext, type CallContext } from '../../core/call-context.js';
import type { CircuitBreaker } from '../transport/circuit-breaker.js';
import { ErrorCode, GatewayError, isNotFound, unsupported } from '../../core/errors.js';
import type { Card, Transaction } from '../../core/model.js';
import { offsetFromToken } from '../transport/offset-paging.js';
import { TtlCache } from '../transport/ttl-cache.js';
import { parseJsonBody, type RequestSpec, type UpstreamResponse } from '../transport/http.js';
import { BaseProvider, Capability } from '../provider.js';
import { type CardFilter, type Found, type Page, type PageRequest, type TransactionFilter } from '../../core/page.js';
import { acceptedWrite } from '../transport/accepted-write.js';
import { OperationKind, OperationStatus, type Operation, type PushPull, type WriteRequest } from '../../core/writes.js';
import { PushpullClient, type PushpullClientOptions } from './client.js';
import { deletedCard, listAnswer, mapAccount, mapTransaction, mapTransactionOperation, toMinorUnits } from './mapping.js';

/**
 * Look-ups by id that may 404 at pushpull, per request: a card (`getCards`: node, nodes, card,
 * a transaction's or operation's card, a reveal's card check), a transaction or an operation
 * not already cached (`getTransactions`, `getOperation`), and the transactions of a card this
 * request has not seen pushpull answer (`listTransactions`: an unknown account is a 404). Each
 * 404 counts towards pushpull's automatic IP block (the simulator's: 20 errors in 60 s) and the
 * gateway's own error-burst guard (10): one request of unknown ids must neither trip the block
 * nor open the guard on every other viewer. Past it, a ref is answered with a typed
 * LIMIT_EXCEEDED without calling pushpull. A constant, not a setting: it must stay below the
 * guard's threshold, which stays below pushpull's block.
 */
export const PUSHPULL_LOOKUPS_PER_REQUEST = 5;

/** Below the contract's polling limit with margin: 5 reads in 10 s is allowed, this gives ≤ 4. */
const TRANSACTION_CACHE_TTL_MS = 3_000;

export interface PushpullProviderOptions extends PushpullClientOptions {
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
    Capability.CARD_PUSH_PULL,
  ]);
  readonly client: PushpullClient;
  /** The client's error-burst guard, which every upstream call passes (exposed for tests). */
  readonly guard: CircuitBreaker;
  /** Transactions by id (the upstream object, null for "not found"), shared across requests. */
  readonly transactionCache: TtlCache<unknown>;
  private readonly transactionTtlMs: number;

  constructor(options: PushpullProviderOptions) {
    super();
    this.client = new PushpullClient(options);
    this.guard = this.client.errorBurstGuard;
    this.transactionTtlMs = options.transactionTtlMs ?? TRANSACTION_CACHE_TTL_MS;
    this.transactionCache = new TtlCache({ now: options.now });
  }

  override getCards(refs: readonly string[], cx: CallContext): Promise<Found<Card>> {
    return Promise.all(refs.map((ref) => this.withinLookupBudget(cx, () => this.card(ref, cx), this.lookups(cx).known.has(ref))));
  }

  override async listCards(filter: CardFilter, page: PageRequest, cx: CallContext): Promise<Page<Card>> {
    if (filter.cardholderRef || filter.walletRef) {
      throw unsupported('pushpull', 'listing cards by cardholder or wallet (its cards belong to the client, not to cardholders or wallets)');
    }
    const cards = await this.offsetPage(this.client.path('/accounts'), 'listAccounts', 'accounts', mapAccount, page, cx);
    for (const { node } of cards.items) this.lookups(cx).known.add(node.ref);
    return cards;
  }

  override getTransactions(refs: readonly string[], cx: CallContext): Promise<Found<Transaction>> {
    return Promise.all(
      refs.map((ref) =>
        this.withinLookupBudget(
          cx,
          async () => {
            const raw = await this.transaction(ref, cx);
            return raw === null ? null : mapTransaction(raw);
          },
          this.transactionCache.holds(ref),
        ),
      ),
    );
  }

  /**
   * Each request's look-ups (keyed by its call context): what it has left of
   * PUSHPULL_LOOKUPS_PER_REQUEST, and the cards pushpull answered it (listed or found), which
   * cannot 404 again within the request and are looked into for free.
   */
  private readonly requestLookups = new WeakMap<CallContext, { left: number; known: Set<string> }>();

  private lookups(cx: CallContext): { left: number; known: Set<string> } {
    let lookups = this.requestLookups.get(cx);
    if (!lookups) this.requestLookups.set(cx, (lookups = { left: PUSHPULL_LOOKUPS_PER_REQUEST, known: new Set() }));
    return lookups;
  }

  /**
   * Runs a look-up that may 404 upstream if the request has budget left (a cached answer, or a
   * card already answered to this request, is free); otherwise answers LIMIT_EXCEEDED for this
   * ref alone, without calling pushpull.
   */
  private async withinLookupBudget<T>(cx: CallContext, lookUp: () => Promise<T>, free = false): Promise<T | GatewayError> {
    if (!free) {
      const budget = this.lookups(cx);
      if (budget.left <= 0) {
        return new GatewayError(
          ErrorCode.LIMIT_EXCEEDED,
          `At most ${PUSHPULL_LOOKUPS_PER_REQUEST} PUSHPULL objects are looked up by id per request (pushpull blocks callers on bursts of not-found answers): ask for this one in another request`,
          { provider: 'pushpull', retryable: true },
        );
      }
      budget.left -= 1;
    }
    return lookUp();
  }

  /** `withinLookupBudget` for a single look-up whose refusal is thrown rather than answered. */
  private async budgeted<T>(cx: CallContext, lookUp: () => Promise<T>, free: boolean): Promise<T> {
    const answer = await this.withinLookupBudget(cx, lookUp, free);
    if (answer instanceof GatewayError) throw answer;
    return answer;
  }

  override async listTransactions(filter: TransactionFilter, page: PageRequest, cx: CallContext): Promise<Page<Transaction>> {
    if (!filter.cardRef || filter.walletRef) {
      throw unsupported('pushpull', 'listing transactions that are not narrowed to a card (it has no wallets)');
    }
    const path = this.client.path(`/accounts/${id(filter.cardRef)}/transactions`);
    // An account pushpull does not have is a 404: a card this request has not seen answered
    // spends a look-up, one it has (a card's transactions under `cards`) does not.
    const cardRef = filter.cardRef;
    return this.budgeted(cx, () => this.offsetPage(path, 'listTransactions', 'transactions', mapTransaction, page, cx), this.lookups(cx).known.has(cardRef));
  }

  // --- writes ---

  /**
   * `CreateTransaction`: `reference_id` is the write's reference, the amount an integer of the
   * currency's minor units (converted exactly; more decimals than the currency has are
   * BAD_USER_INPUT). 200 is a completed transaction, 201 a pending (batch) one; a 207 is
   * OUTCOME_UNKNOWN (client.ts), and the transaction it left — status `unknown` — is what a
   * look-up by reference finds. 409 (reference reused) is CONFLICT, 422 a limit or a
   * disabled direction, 423 a locked client (errors.ts). Never resent here.
   */
  override async pushPull(input: PushPull, w: WriteRequest): Promise<Operation> {
    const amount = toMinorUnits(input.amount);
    const push = input.direction === 'PUSH';
    const spec: RequestSpec = {
      method: 'POST',
      path: this.client.path('/transactions'),
      body: { reference_id: w.reference, account_id: input.cardRef, type: push ? 'push' : 'pull', amount, currency: input.amount.currency.toUpperCase() },
      kind: 'write',
      name: push ? 'pushToCard' : 'pullFromCard',
    };
    const { response, body, operation } = await acceptedWrite(
      () => this.client.send(spec, w.cx),
      (raw) => {
        const answer = raw as UpstreamResponse;
        const parsed = parseJsonBody('pushpull', answer, spec);
        return { response: answer, body: parsed, operation: mapTransactionOperation(parsed) };
      },
    );
    this.prime(operation.ref, body);
    if (operation.status !== OperationStatus.UNKNOWN || operation.providerStatus === 'unknown') return operation;
    // A status the contract does not list: the documented HTTP status says what happened.
    const byStatus = response.status === 200 ? OperationStatus.COMPLETED : response.status === 201 ? OperationStatus.PENDING : OperationStatus.UNKNOWN;
    return { ...operation, status: byStatus };
  }

  /**
   * A push/pull transaction by id (`RetrieveTransaction`), through the shared cache: a client
   * following a pending transaction sees its state at most `transactionTtlMs` (3 s) old, and
   * pushpull is read at most once per that interval however often it is asked. That is the
   * freshness "do not poll" allows (5 reads in 10 s), and a batch settles in minutes, not
   * seconds.
   */
  override async getOperation(ref: string, cx: CallContext): Promise<Operation | null> {
    const raw = await this.budgeted(cx, () => this.transaction(ref, cx), this.transactionCache.holds(ref));
    return raw === null ? null : mapTransactionOperation(raw);
  }

  /**
   * `RetrieveByReference` (`GET /transactions?reference_id=`), never cached: a look-up must see
   * what pushpull holds now. Found: the transaction, whatever its status (an `unknown` one
   * stays UNKNOWN). 404: pushpull certainly has no transaction with the reference (null). 421
   * ("too late to retrieve by ReferenceID", after 24 h): the transaction may exist but can no
   * longer be found by the reference, so the outcome stays unknown — OUTCOME_UNKNOWN, not null,
   * since null would have the gateway send the write again.
   */
  override async findOperation(kind: OperationKind, reference: string, w: WriteRequest): Promise<Operation | null> {
    if (kind !== OperationKind.PUSH && kind !== OperationKind.PULL) throw unsupported('pushpull', `looking up a ${kind} by reference`);
    let body: unknown;
    try {
      body = await this.client.request(
        { method: 'GET', path: this.client.path('/transactions'), query: { reference_id: reference }, kind: 'read', name: 'findTransactionByReference' },
        w.cx,
      );
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      if (error.upstream?.status === 421) {
        throw new GatewayError(
          ErrorCode.OUTCOME_UNKNOWN,
          `PUSHPULL can no longer look the ${kind.toLowerCase()} up by its reference (references are searchable for 24 hours): it cannot be reconciled automatically; check the card's transactions for reference ${reference} before trying again`,
          { provider: 'pushpull', retryable: false, upstream: error.upstream, cause: error },
        );
      }
      if (isNotFound(error) && error.upstream?.status === 404) return null;
      throw error;
    }
    const operation = mapTransactionOperation(body);
    this.prime(operation.ref, body);
    return operation;
  }

  /** Holds what a write or a look-up answered as the transaction's cached state. */
  private prime(transactionId: string, body: unknown): void {
    this.transactionCache.delete(transactionId);
    void this.transactionCache.get(transactionId, this.transactionTtlMs, () => Promise.resolve(body));
  }

  override resetHealth(): void {
    super.resetHealth();
    this.transactionCache.clear();
  }

  /**
   * A card account. A 410 means the account existed and was deleted: the card is answered as
   * CLOSED (with only its id known) rather than as missing, so a client holding its id learns
   * what happened to it. A 404 is a card that does not exist: null.
   */
  private async card(ref: string, cx: CallContext): Promise<Card | null> {
    try {
      const body = await this.client.request({ method: 'GET', path: this.client.path(`/accounts/${id(ref)}`), kind: 'read', name: 'getAccount' }, cx);
      this.lookups(cx).known.add(ref);
      return mapAccount(body);
    } catch (error) {
      if (isNotFound(error) && error.upstream?.status === 410) return deletedCard(ref);
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /**
   * A transaction by id, as pushpull sent it (null when it has none), through the shared
   * cache. The upstream read is shared by requests with different deadlines, so it runs
   * detached from the first caller's abort signal (bounded by the transport's own timeouts)
   * and each caller stops waiting at its own.
   */
  private transaction(ref: string, cx: CallContext): Promise<unknown> {
    const shared = this.transactionCache.get(ref, this.transactionTtlMs, async () => {
      try {
        return await this.client.request<unknown>(
          { method: 'GET', path: this.client.path(`/transactions/${id(ref)}`), kind: 'read', name: 'getTransaction' },
          deriveCallContext(cx, { signal: undefined }),
        );
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
    const body = await this.client.request({ method: 'GET', path, query: { offset, limit: page.limit }, kind: 'read', name }, cx);
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
