/**
 * corporate's unified operations. Every call is an encrypted POST (client.ts).
 *
 * - Cardholders are users (`/users/get`, `/users/list`), each completed with its KYC state
 *   from `/cardholders/get`: the provider has no cardholder list, so a page of N users costs
 *   N further reads (run a few at a time, and shared within a request through `cx.memo`).
 * - Cards are read by user and id (`/cards/get`), listed per user or for the account
 *   (`/cards/list`); their transactions are listed per card (`/cards/transactions`).
 * - The master wallet is the one wallet; its balance is `/master-wallet/balance`.
 * Lists page by number (`page`, `per_page` ≤ 100): positions are the resume tokens.
 *
 * Writes: users are created (`createCardholder`), cards are issued and topped up through
 * asynchronous orders (`/cards/create`, `/cards/topup`, followed with `/orders/get`), cards are
 * frozen and unfrozen. Orders carry the write's stable `upstreamKey` as their Idempotency-Key:
 * corporate answers a repeated key with the original order, which is also how an uncertain
 * write is reconciled (`findOperation`).
 */
import { badInput, ErrorCode, GatewayError, isNotFound, notFound, nullIfNotFound, unsupported } from '../../core/errors.js';
import type { CallContext } from '../../core/call-context.js';
import { toDecimalAmount, type Money } from '../../core/money.js';
import { CardType, type Card, type Cardholder, type Transaction, type Wallet } from '../../core/model.js';
import { offsetFromToken, readOffsetWindow } from '../transport/offset-paging.js';
import { upstreamObject } from '../transport/upstream-shape.js';
import { BaseProvider, Capability } from '../provider.js';
import { type CardFilter, type Found, type Page, type PageRequest, type TransactionFilter, type WalletFilter } from '../../core/page.js';
import { type CardSecrets } from '../../core/model.js';
import { acceptedWrite } from '../transport/accepted-write.js';
import { CardAction, OperationKind, type IssuedCard, type NewCard, type NewCardholder, type Operation, type TopUp, type WriteRequest } from '../../core/writes.js';
import { CorporateClient, type CorporateCall, type CorporateClientOptions } from './client.js';
import {
  CARD_CURRENCY,
  MASTER_WALLET_REF,
  listAnswer,
  mapCard,
  mapCardSecrets,
  mapCardholder,
  mapMasterBalance,
  mapMasterWallet,
  mapOrderOperation,
  mapTransaction,
  parseCardRef,
  parseOrderRef,
  type CardAddress,
} from './mapping.js';

export interface CorporateProviderOptions extends CorporateClientOptions {
  /** The card product `issueCard` orders; by default the first of `/card-products/list`. */
  defaultProductId?: string;
}

/** Upstream reads one operation may have in flight at once (per-user lookups). */
const LOOKUP_CONCURRENCY = 8;

const EMPTY: Page<never> = { items: [], hasMore: false };

export class CorporateProvider extends BaseProvider {
  readonly key = 'corporate' as const;
  /**
   * No TRANSACTION_READ (no endpoint reads a transaction by id), no TRANSACTION_LIST (only a
   * card's transactions can be listed) and no TRANSACTION_LIST_BY_WALLET (the master wallet's
   * movements are not listed by the API). No CARD_REPORT or CARD_CLOSE (freeze and unfreeze
   * are its only card state changes), no FUNDS_TRANSFER or CARD_PUSH_PULL.
   */
  readonly capabilities: ReadonlySet<Capability> = new Set([
    Capability.CARDHOLDER_READ,
    Capability.CARDHOLDER_LIST,
    Capability.CARD_READ,
    Capability.CARD_LIST,
    Capability.WALLET_READ,
    Capability.WALLET_LIST,
    Capability.TRANSACTION_LIST_BY_CARD,
    Capability.CARD_REVEAL,
    Capability.CARDHOLDER_CREATE,
    Capability.CARD_ISSUE,
    Capability.CARD_FREEZE,
    Capability.CARD_TOP_UP,
  ]);
  readonly client: CorporateClient;
  private readonly defaultProductId: string | undefined;

  constructor(options: CorporateProviderOptions) {
    super();
    this.client = new CorporateClient(options);
    this.defaultProductId = options.defaultProductId;
  }

  // --- cardholders (users) ---

  override getCardholders(refs: readonly string[], cx: CallContext): Promise<Found<Cardholder>> {
    return mapLimit(refs, LOOKUP_CONCURRENCY, async (ref) => {
      const [user, record] = await Promise.all([this.user(ref, cx), this.cardholderRecord(ref, cx)]);
      return user === null ? null : mapCardholder(user, record);
    });
  }

  override async listCardholders(page: PageRequest, cx: CallContext): Promise<Page<Cardholder>> {
    const users = await readOffsetWindow(offsetFromToken(page.after), page.limit, (pageNumber, size) =>
      this.listPage('/users/list', {}, pageNumber, size, 'listUsers', 'user list', cx),
    );
    // KYC is looked up only for the users this page keeps.
    const nodes = await mapLimit(users.items, LOOKUP_CONCURRENCY, async ({ node }) => {
      const ref = upstreamObject('corporate', 'user', node).string('external_user_id');
      return mapCardholder(node, await this.cardholderRecord(ref, cx));
    });
    return { items: nodes.map((node, i) => ({ node, token: users.items[i]!.token })), hasMore: users.hasMore };
  }

  // --- cards ---

  override getCards(refs: readonly string[], cx: CallContext): Promise<Found<Card>> {
    return mapLimit(refs, LOOKUP_CONCURRENCY, async (ref) => {
      const address = parseCardRef(ref);
      if (!address) return null;
      try {
        return mapCard(await this.call({ path: '/cards/get', payload: cardPayload(address), kind: 'read', name: 'getCard' }, cx));
      } catch (error) {
        // card_not_found, user_not_found, and card_user_mismatch (another user's card).
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  override async listCards(filter: CardFilter, page: PageRequest, cx: CallContext): Promise<Page<Card>> {
    // Corporate cards hold their own balance and spend from no wallet.
    if (filter.walletRef) return EMPTY;
    const owner = filter.cardholderRef ? { external_user_id: filter.cardholderRef } : {};
    try {
      const cards = await readOffsetWindow(offsetFromToken(page.after), page.limit, (pageNumber, size) =>
        this.listPage('/cards/list', owner, pageNumber, size, 'listCards', 'card list', cx),
      );
      return { items: cards.items.map(({ node, token }) => ({ node: mapCard(node), token })), hasMore: cards.hasMore };
    } catch (error) {
      // The cards of a user the provider does not know: none.
      if (filter.cardholderRef && isNotFound(error)) return EMPTY;
      throw error;
    }
  }

  /**
   * `/cards/sensitive`, read afresh every time (never cached or memoised). The provider checks
   * the card is the named user's: another user's card (`card_user_mismatch`) is no card here.
   */
  override async revealCard(ref: string, cx: CallContext): Promise<CardSecrets | null> {
    const address = parseCardRef(ref);
    if (!address) return null;
    return nullIfNotFound(
      this.call({ path: '/cards/sensitive', payload: cardPayload(address), kind: 'read', name: 'revealCard' }, cx).then(mapCardSecrets),
    );
  }

  // --- the master wallet ---

  override getWallets(refs: readonly string[], cx: CallContext): Promise<Found<Wallet>> {
    return Promise.all(refs.map((ref) => (ref === MASTER_WALLET_REF ? this.masterWallet(cx) : null)));
  }

  override async listWallets(filter: WalletFilter, page: PageRequest, cx: CallContext): Promise<Page<Wallet>> {
    // The master wallet is the account's, no cardholder's.
    if (filter.cardholderRef || offsetFromToken(page.after) > 0) return EMPTY;
    return { items: [{ node: await this.masterWallet(cx), token: '1' }], hasMore: false };
  }

  override getWalletBalances(refs: readonly string[], cx: CallContext): Promise<Found<Money>> {
    return Promise.all(refs.map((ref) => (ref === MASTER_WALLET_REF ? this.masterBalance(cx) : null)));
  }

  // --- transactions ---

  override async listTransactions(filter: TransactionFilter, page: PageRequest, cx: CallContext): Promise<Page<Transaction>> {
    if (filter.walletRef) throw unsupported('corporate', "listing the master wallet's transactions");
    if (!filter.cardRef) throw unsupported('corporate', 'listing transactions that are not narrowed to a card');
    const address = parseCardRef(filter.cardRef);
    if (!address) return EMPTY;
    const raw = await readOffsetWindow(offsetFromToken(page.after), page.limit, (pageNumber, size) =>
      this.listPage('/cards/transactions', cardPayload(address), pageNumber, size, 'listCardTransactions', 'transaction list', cx),
    );
    return { items: raw.items.map(({ node, token }) => ({ node: mapTransaction(node, address), token })), hasMore: raw.hasMore };
  }

  /** A user's transactions are those of their cards (the master wallet is nobody's). */
  override async cardholderTransactionScopes(cardholderRef: string, cx: CallContext): Promise<TransactionFilter[]> {
    const cards = await this.everyItem((page) => this.listCards({ cardholderRef }, page, cx));
    return cards.map((card) => ({ cardRef: card.ref }));
  }

  // --- writes ---

  /**
   * `/users/create` only. A corporate user is the gateway's Cardholder, but its cardholder
   * record (`/cardholders/create`) is the KYC submission: a card product and an identity
   * document (`kyc.date_of_birth`, `country`, `id_document_number`) that the unified input
   * does not carry. So the user is created and comes back with kycStatus NOT_STARTED; its
   * KYC is submitted outside this operation, and until then `issueCard` answers INVALID_STATE.
   *
   * `external_user_id` is the write's reference (stable across attempts): a resend after an
   * uncertain outcome meets `external_user_id_exists` and, when the existing user is the one
   * this input describes, answers it as created — the same write, not a second user.
   */
  override async createCardholder(input: NewCardholder, w: WriteRequest): Promise<Cardholder> {
    const externalUserId = w.reference;
    const payload = { external_user_id: externalUserId, email: input.email, first_name: input.firstName, last_name: input.lastName };
    try {
      return await acceptedWrite(
        () => this.call({ path: '/users/create', payload, kind: 'write', name: 'createUser' }, w.cx),
        (user) => mapCardholder(user, null),
      );
    } catch (error) {
      if (!(error instanceof GatewayError) || error.upstream?.code !== 'external_user_id_exists') throw error;
      const user = await this.freshUser(externalUserId, w.cx);
      if (!user || !sameUser(user, payload)) throw error;
      return mapCardholder(user, await this.cardholderRecord(externalUserId, w.cx));
    }
  }

  /**
   * `/cards/create` for the cardholder (a user with a cardholder record): an order, not a
   * card. The card appears when the order completes (follow it with `getOperation`).
   * Corporate issues virtual cards only, funded by top-ups rather than from a wallet.
   */
  override async issueCard(input: NewCard, w: WriteRequest): Promise<IssuedCard> {
    if (input.type === CardType.PHYSICAL) throw unsupported('corporate', 'issuing physical cards (it issues virtual cards only)');
    if (input.walletRef !== null) throw badInput('walletRef must be empty for CORPORATE: its cards hold their own balance and spend from no wallet');
    const productId = await this.productId(w.cx);
    const payload = { external_user_id: input.cardholderRef, product_id: productId };
    try {
      return { card: null, operation: await this.order('/cards/create', payload, input.cardholderRef, 'createCardOrder', w) };
    } catch (error) {
      // The user exists but has no cardholder record: its KYC was never submitted.
      if (error instanceof GatewayError && error.upstream?.code === 'cardholder_not_found') {
        throw new GatewayError(ErrorCode.INVALID_STATE, `CORPORATE issues cards to cardholders only: user ${input.cardholderRef} has not submitted KYC`, {
          provider: 'corporate',
          upstream: error.upstream,
        });
      }
      throw error;
    }
  }

  /** `/cards/topup`: an order moving money from the master wallet (USDT) to the card (USD, 1:1). */
  override async topUpCard(input: TopUp, w: WriteRequest): Promise<Operation> {
    if (input.amount.currency.toUpperCase() !== CARD_CURRENCY) {
      throw badInput(`CORPORATE cards are in ${CARD_CURRENCY}: a top-up in ${input.amount.currency} cannot be credited`);
    }
    if (input.fundingWalletRef !== null && input.fundingWalletRef !== MASTER_WALLET_REF) {
      throw badInput(`CORPORATE tops cards up from its master wallet only (fundingWalletRef "${MASTER_WALLET_REF}" or none)`);
    }
    const amount = toDecimalAmount(input.amount);
    const address = this.address(input.cardRef);
    return this.order('/cards/topup', { ...cardPayload(address), amount }, address.externalUserId, 'topupCard', w);
  }

  /** Freeze and unfreeze (`/cards/freeze`, `/cards/unfreeze`); corporate has no report or close. */
  override async changeCardState(cardRef: string, action: CardAction, _reason: string | null, cx: CallContext): Promise<Card> {
    const path = action === CardAction.FREEZE ? '/cards/freeze' : action === CardAction.UNFREEZE ? '/cards/unfreeze' : null;
    if (path === null) throw unsupported('corporate', `the card action ${action}`);
    const payload = cardPayload(this.address(cardRef));
    return mapCard(await this.call({ path, payload, kind: 'write', name: action === CardAction.FREEZE ? 'freezeCard' : 'unfreezeCard' }, cx));
  }

  /**
   * An order's current state (`/orders/get`, a read: safe to repeat while following it). The
   * ref is `<external_user_id>/<order_id>` as the writes answer it; the order object does not
   * name its user, so the user in the ref is what names its card.
   */
  override async getOperation(ref: string, cx: CallContext): Promise<Operation | null> {
    const parsed = parseOrderRef(ref);
    if (!parsed) return null;
    return nullIfNotFound(
      this.call({ path: '/orders/get', payload: { order_id: parsed.orderId }, kind: 'read', name: 'getOrder' }, cx).then((raw) =>
        mapOrderOperation(raw, parsed.externalUserId),
      ),
    );
  }

  /**
   * Corporate cannot look an order up by anything the gateway sent (there is no search by
   * Idempotency-Key), but it does not need to: a `/cards/create` or `/cards/topup` resent with
   * the same Idempotency-Key returns the original order and never charges twice
   * (corporate.md, "Idempotency"), and every attempt sends the stable `upstreamKey`. So the
   * answer is null — "resend" — and the resend *is* the look-up: it answers the order the
   * uncertain attempt created, if it created one, or creates it once if it did not.
   */
  override async findOperation(kind: OperationKind, _reference: string, _w: WriteRequest): Promise<Operation | null> {
    if (kind !== OperationKind.CARD_ISSUE && kind !== OperationKind.TOP_UP) throw unsupported('corporate', `looking up a ${kind} by reference`);
    return null;
  }

  /**
   * One order-creating call, under the write's stable key: corporate replays the original
   * order for a key it has seen, so every attempt of one write sends the same key.
   */
  private async order(path: string, payload: Record<string, unknown>, externalUserId: string, name: string, w: WriteRequest): Promise<Operation> {
    return acceptedWrite(
      () => this.call({ path, payload, kind: 'write', name, idempotencyKey: w.upstreamKey }, w.cx),
      (raw) => mapOrderOperation(raw, externalUserId),
    );
  }

  /** The configured product, else the first the account offers (`/card-products/list`). */
  private async productId(cx: CallContext): Promise<string> {
    if (this.defaultProductId) return this.defaultProductId;
    const products = await cx.memo('corporate:card-products', () =>
      this.call({ path: '/card-products/list', kind: 'read', name: 'listCardProducts' }, cx),
    );
    if (!Array.isArray(products) || products.length === 0) {
      throw new GatewayError(ErrorCode.INVALID_STATE, 'CORPORATE offers this account no card product to issue', { provider: 'corporate' });
    }
    return upstreamObject('corporate', 'card product', products[0]).string('product_id');
  }

  /** A user read afresh (not through the request's memo: it may have just been created). */
  private freshUser(externalUserId: string, cx: CallContext): Promise<unknown | null> {
    return this.orNull(this.call({ path: '/users/get', payload: { external_user_id: externalUserId }, kind: 'read', name: 'getUser' }, cx));
  }

  // --- helpers ---

  private call(call: CorporateCall, cx: CallContext): Promise<unknown> {
    return this.client.call(call, cx);
  }

  private address(cardRef: string): CardAddress {
    const address = parseCardRef(cardRef);
    if (!address) throw notFound(`Card ${cardRef}`, 'corporate');
    return address;
  }

  private async listPage(
    path: string,
    filter: Record<string, unknown>,
    page: number,
    perPage: number,
    name: string,
    what: string,
    cx: CallContext,
  ): Promise<{ items: unknown[]; total?: number }> {
    // Object.assign, not `{ ...query, more }`: V8 (Node 20) builds that on a slow path (issue 14).
    const body = await this.call({ path, payload: Object.assign({}, filter, { page, per_page: perPage }), kind: 'read', name }, cx);
    return listAnswer(body, what);
  }

  /** A user, once per request; null when the provider does not know it. */
  private user(externalUserId: string, cx: CallContext): Promise<unknown | null> {
    return cx.memo(`corporate:user:${externalUserId}`, () =>
      this.orNull(this.call({ path: '/users/get', payload: { external_user_id: externalUserId }, kind: 'read', name: 'getUser' }, cx)),
    );
  }

  /** A user's cardholder record (KYC), once per request; null when there is none. */
  private cardholderRecord(externalUserId: string, cx: CallContext): Promise<unknown | null> {
    return cx.memo(`corporate:cardholder:${externalUserId}`, () =>
      this.orNull(this.call({ path: '/cardholders/get', payload: { external_user_id: externalUserId }, kind: 'read', name: 'getCardholder' }, cx)),
    );
  }

  private masterBalance(cx: CallContext): Promise<Money> {
    return cx.memo('corporate:master-balance', async () =>
      mapMasterBalance(await this.call({ path: '/master-wallet/balance', kind: 'read', name: 'getMasterBalance' }, cx)),
    );
  }

  private masterWallet(cx: CallContext): Promise<Wallet> {
    return cx.memo('corporate:master-wallet', async () => {
      const [address, balance] = await Promise.all([
        this.call({ path: '/master-wallet/deposit-address', kind: 'read', name: 'getMasterDepositAddress' }, cx),
        this.masterBalance(cx),
      ]);
      return mapMasterWallet(address, balance);
    });
  }

  private async orNull(read: Promise<unknown>): Promise<unknown | null> {
    try {
      return await read;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}


/** The existing user is the one the create asked for (a resend of the same write). */
function sameUser(raw: unknown, asked: { email: string; first_name: string; last_name: string }): boolean {
  const user = upstreamObject('corporate', 'user', raw);
  return (
    user.optString('email')?.toLowerCase() === asked.email.toLowerCase() &&
    user.optString('first_name') === asked.first_name &&
    user.optString('last_name') === asked.last_name
  );
}

function cardPayload(address: CardAddress): Record<string, unknown> {
  return { external_user_id: address.externalUserId, card_id: address.cardId };
}

/** Maps with at most `limit` calls in flight, keeping the input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
