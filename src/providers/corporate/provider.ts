/**
 * corporate's unified operations (reads; the order and top-up calls are exposed for the
 * mutations to come). Every call is an encrypted POST (client.ts).
 *
 * - Cardholders are users (`/users/get`, `/users/list`), each completed with its KYC state
 *   from `/cardholders/get`: the provider has no cardholder list, so a page of N users costs
 *   N further reads (run a few at a time, and shared within a request through `cx.memo`).
 * - Cards are read by user and id (`/cards/get`), listed per user or for the account
 *   (`/cards/list`); their transactions are listed per card (`/cards/transactions`).
 * - The master wallet is the one wallet; its balance is `/master-wallet/balance`.
 * Lists page by number (`page`, `per_page` ≤ 100): positions are the resume tokens.
 */
import { isNotFound, notFound, nullIfNotFound, unsupported } from '../../gateway/errors.js';
import type { CallContext } from '../../gateway/call-context.js';
import type { Money } from '../../gateway/money.js';
import type { Card, Cardholder, Transaction, Wallet } from '../../gateway/model.js';
import { offsetFromToken, readOffsetWindow } from '../../gateway/pagination.js';
import { upstreamObject } from '../../gateway/upstream-shape.js';
import {
  BaseProvider,
  Capability,
  type CardFilter,
  type CardSecrets,
  type Found,
  type Page,
  type PageRequest,
  type TransactionFilter,
  type WalletFilter,
} from '../provider.js';
import { CorporateClient, type CorporateCall, type CorporateClientOptions } from './client.js';
import {
  MASTER_WALLET_REF,
  listAnswer,
  mapCard,
  mapCardSecrets,
  mapCardholder,
  mapMasterBalance,
  mapMasterWallet,
  mapOrder,
  mapTransaction,
  parseCardRef,
  type CardAddress,
  type CorporateOrderView,
} from './mapping.js';

export type CorporateProviderOptions = CorporateClientOptions;

/** Upstream reads one operation may have in flight at once (per-user lookups). */
const LOOKUP_CONCURRENCY = 8;
/** A user with more than 1,000 cards is not expanded further into transaction scopes. */
const MAX_SCOPE_PAGES = 10;


const EMPTY: Page<never> = { items: [], hasMore: false };

export class CorporateProvider extends BaseProvider {
  readonly key = 'corporate' as const;
  /**
   * No TRANSACTION_READ (no endpoint reads a transaction by id), no TRANSACTION_LIST (only a
   * card's transactions can be listed) and no TRANSACTION_LIST_BY_WALLET (the master wallet's
   * movements are not listed by the API).
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
  ]);
  readonly client: CorporateClient;

  constructor(options: CorporateProviderOptions) {
    super();
    this.client = new CorporateClient(options);
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
        return mapCard(await this.call({ path: '/cards/get', payload: cardPayload(address), operation: 'read', name: 'getCard' }, cx));
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
      this.call({ path: '/cards/sensitive', payload: cardPayload(address), operation: 'read', name: 'revealCard' }, cx).then(mapCardSecrets),
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
    const scopes: TransactionFilter[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < MAX_SCOPE_PAGES; pages += 1) {
      const page = await this.listCards({ cardholderRef }, { after, limit: 100 }, cx);
      scopes.push(...page.items.map((i) => ({ cardRef: i.node.ref })));
      if (!page.hasMore || page.items.length === 0) break;
      after = page.items[page.items.length - 1]!.token;
    }
    return scopes;
  }

  // --- orders and card changes (for the mutations to come; not in the schema yet) ---

  /**
   * Orders a card. `idempotencyKey` must be generated once per logical request and reused on
   * any resend: the provider then returns the original order instead of issuing twice.
   */
  async createCardOrder(
    input: { externalUserId: string; productId: string; initialAmount?: string },
    idempotencyKey: string,
    cx: CallContext,
  ): Promise<CorporateOrderView> {
    const payload: Record<string, unknown> = { external_user_id: input.externalUserId, product_id: input.productId };
    if (input.initialAmount !== undefined) payload.initial_amount = input.initialAmount;
    return mapOrder(await this.call({ path: '/cards/create', payload, operation: 'write', name: 'createCardOrder', idempotencyKey }, cx));
  }

  /** Orders a top-up of a card from the master wallet (same idempotency rule as `issueCard`). */
  async createTopUpOrder(cardRef: string, amount: string, idempotencyKey: string, cx: CallContext): Promise<CorporateOrderView> {
    const payload = { ...cardPayload(this.address(cardRef)), amount };
    return mapOrder(await this.call({ path: '/cards/topup', payload, operation: 'write', name: 'topupCard', idempotencyKey }, cx));
  }

  /** An order's current state (a read: safe to repeat while polling). */
  async getOrder(orderId: string, cx: CallContext): Promise<CorporateOrderView> {
    return mapOrder(await this.call({ path: '/orders/get', payload: { order_id: orderId }, operation: 'read', name: 'getOrder' }, cx));
  }

  async freezeCard(cardRef: string, cx: CallContext): Promise<Card> {
    const payload = cardPayload(this.address(cardRef));
    return mapCard(await this.call({ path: '/cards/freeze', payload, operation: 'write', name: 'freezeCard' }, cx));
  }

  async unfreezeCard(cardRef: string, cx: CallContext): Promise<Card> {
    const payload = cardPayload(this.address(cardRef));
    return mapCard(await this.call({ path: '/cards/unfreeze', payload, operation: 'write', name: 'unfreezeCard' }, cx));
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
    const body = await this.call({ path, payload: { ...filter, page, per_page: perPage }, operation: 'read', name }, cx);
    return listAnswer(body, what);
  }

  /** A user, once per request; null when the provider does not know it. */
  private user(externalUserId: string, cx: CallContext): Promise<unknown | null> {
    return cx.memo(`corporate:user:${externalUserId}`, () =>
      this.orNull(this.call({ path: '/users/get', payload: { external_user_id: externalUserId }, operation: 'read', name: 'getUser' }, cx)),
    );
  }

  /** A user's cardholder record (KYC), once per request; null when there is none. */
  private cardholderRecord(externalUserId: string, cx: CallContext): Promise<unknown | null> {
    return cx.memo(`corporate:cardholder:${externalUserId}`, () =>
      this.orNull(this.call({ path: '/cardholders/get', payload: { external_user_id: externalUserId }, operation: 'read', name: 'getCardholder' }, cx)),
    );
  }

  private masterBalance(cx: CallContext): Promise<Money> {
    return cx.memo('corporate:master-balance', async () =>
      mapMasterBalance(await this.call({ path: '/master-wallet/balance', operation: 'read', name: 'getMasterBalance' }, cx)),
    );
  }

  private masterWallet(cx: CallContext): Promise<Wallet> {
    return cx.memo('corporate:master-wallet', async () => {
      const [address, balance] = await Promise.all([
        this.call({ path: '/master-wallet/deposit-address', operation: 'read', name: 'getMasterDepositAddress' }, cx),
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
