/**
 * utgl's unified operations. Reads are plain GETs; cards are fetched in batches through
 * `GET /v1/cards?ids=` (≤100 per call). Lists page with `limit`/`starting_after`, so an item's
 * resume token is simply its id.
 */
import { nullIfNotFound } from '../../gateway/errors.js';
import type { CallContext } from '../../gateway/call-context.js';
import type { Money } from '../../gateway/money.js';
import type { Card, Cardholder, Transaction, Wallet } from '../../gateway/model.js';
import { MAX_PAGE_SIZE } from '../../gateway/pagination.js';
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
import { UtglClient, type UtglClientOptions } from './client.js';
import { mapAccount, mapCard, mapCardSecrets, mapCardholder, mapTransaction } from './mapping.js';

const id = (ref: string): string => encodeURIComponent(ref);

export class UtglProvider extends BaseProvider {
  readonly key = 'utgl' as const;
  readonly capabilities: ReadonlySet<Capability> = new Set([
    Capability.CARDHOLDER_READ,
    Capability.CARDHOLDER_LIST,
    Capability.CARD_READ,
    Capability.CARD_LIST,
    Capability.WALLET_READ,
    Capability.WALLET_LIST,
    Capability.TRANSACTION_LIST,
    Capability.TRANSACTION_LIST_BY_CARD,
    Capability.TRANSACTION_LIST_BY_WALLET,
    Capability.CARD_REVEAL,
  ]);
  readonly client: UtglClient;

  constructor(options: UtglClientOptions) {
    super();
    this.client = new UtglClient(options);
  }

  override getCardholders(refs: readonly string[], cx: CallContext): Promise<Found<Cardholder>> {
    return Promise.all(refs.map((ref) => this.getOne(`/v1/cardholders/${id(ref)}`, 'getCardholder', mapCardholder, cx)));
  }

  override listCardholders(page: PageRequest, cx: CallContext): Promise<Page<Cardholder>> {
    return this.list('/v1/cardholders', {}, page, 'listCardholders', mapCardholder, cx);
  }

  override async getCards(refs: readonly string[], cx: CallContext): Promise<Found<Card>> {
    const found = new Map<string, Card>();
    for (let i = 0; i < refs.length; i += MAX_PAGE_SIZE) {
      const chunk = refs.slice(i, i + MAX_PAGE_SIZE);
      const body = await this.client.request(
        { method: 'GET', path: '/v1/cards', query: { ids: chunk.join(',') }, operation: 'read', name: 'getCards' },
        cx,
      );
      for (const raw of upstreamObject('utgl', 'card list', body).array('data')) {
        const card = mapCard(raw);
        found.set(card.ref, card);
      }
    }
    return refs.map((ref) => found.get(ref) ?? null);
  }

  override listCards(filter: CardFilter, page: PageRequest, cx: CallContext): Promise<Page<Card>> {
    const query = { cardholder_id: filter.cardholderRef, account_id: filter.walletRef };
    return this.list('/v1/cards', query, page, 'listCards', mapCard, cx);
  }

  override getWallets(refs: readonly string[], cx: CallContext): Promise<Found<Wallet>> {
    return Promise.all(refs.map((ref) => this.getOne(`/v1/accounts/${id(ref)}`, 'getAccount', mapAccount, cx)));
  }

  override listWallets(filter: WalletFilter, page: PageRequest, cx: CallContext): Promise<Page<Wallet>> {
    return this.list('/v1/accounts', { cardholder_id: filter.cardholderRef }, page, 'listAccounts', mapAccount, cx);
  }

  override async getWalletBalances(refs: readonly string[], cx: CallContext): Promise<Found<Money>> {
    const wallets = await this.getWallets(refs, cx);
    return wallets.map((w) => w?.balance ?? null);
  }

  override listTransactions(filter: TransactionFilter, page: PageRequest, cx: CallContext): Promise<Page<Transaction>> {
    const query = { card_id: filter.cardRef, account_id: filter.walletRef };
    return this.list('/v1/transactions', query, page, 'listTransactions', mapTransaction, cx);
  }

  /** `GET /v1/cards/{id}/sensitive`, read afresh every time (never cached or memoised). */
  override async revealCard(ref: string, cx: CallContext): Promise<CardSecrets | null> {
    if (!ref) return null;
    return this.getOne(`/v1/cards/${id(ref)}/sensitive`, 'revealCard', mapCardSecrets, cx);
  }

  private getOne<T>(path: string, name: string, map: (raw: unknown) => T, cx: CallContext): Promise<T | null> {
    return nullIfNotFound(this.client.request({ method: 'GET', path, operation: 'read', name }, cx).then(map));
  }

  private async list<T extends { ref: string }>(
    path: string,
    query: Record<string, string | undefined>,
    page: PageRequest,
    name: string,
    map: (raw: unknown) => T,
    cx: CallContext,
  ): Promise<Page<T>> {
    const body = await this.client.request(
      { method: 'GET', path, query: { ...query, limit: page.limit, starting_after: page.after }, operation: 'read', name },
      cx,
    );
    const list = upstreamObject('utgl', 'list', body);
    const items = list.array('data').map((raw) => {
      const node = map(raw);
      return { node, token: node.ref };
    });
    return { items, hasMore: list.optBoolean('has_more') === true && items.length > 0 };
  }
}
