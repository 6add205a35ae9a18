/**
 * ledger's unified operations. ledger cannot list its customers, so lists run over the
 * gateway's directory of known customers (LEDGER_CUSTOMER_IDS, the sandbox's seeds, and
 * customers onboarded through the gateway) and over their wallets, in directory order.
 * Positions in those lists are the resume tokens. A card is read per wallet
 * (`/cards/details`), transactions per card (off-chain) or wallet (on-chain) history.
 */
import { isNotFound, nullIfNotFound, unsupported } from '../../gateway/errors.js';
import type { CallContext } from '../../gateway/call-context.js';
import type { Money } from '../../gateway/money.js';
import type { Card, Cardholder, Transaction, Wallet } from '../../gateway/model.js';
import { offsetFromToken, readOffsetWindow } from '../../gateway/pagination.js';
import { upstreamObject, type UpstreamObject } from '../../gateway/upstream-shape.js';
import {
  BaseProvider,
  Capability,
  type CardFilter,
  type CardSecrets,
  type Found,
  type ListKind,
  type Page,
  type PageRequest,
  type TransactionFilter,
  type WalletFilter,
} from '../provider.js';
import { LedgerClient, type LedgerClientOptions } from './client.js';
import {
  customerRecord,
  customerWallets,
  mapBalance,
  mapCardDetails,
  mapCardSecrets,
  mapCustomer,
  mapHistoryItem,
  parseWalletRef,
  type HistoryType,
} from './mapping.js';

export interface LedgerProviderOptions extends LedgerClientOptions {
  /** The customers the gateway knows of, in listing order. */
  customerIds: readonly string[];
}


export class LedgerProvider extends BaseProvider {
  readonly key = 'ledger' as const;
  readonly capabilities: ReadonlySet<Capability> = new Set([
    Capability.CARDHOLDER_READ,
    Capability.CARDHOLDER_LIST,
    Capability.CARD_READ,
    Capability.CARD_LIST,
    Capability.WALLET_READ,
    Capability.WALLET_LIST,
    Capability.TRANSACTION_LIST_BY_CARD,
    Capability.TRANSACTION_LIST_BY_WALLET,
    Capability.CARD_REVEAL,
  ]);
  /** ledger reports no creation time for customers, wallets or cards. */
  override readonly undatedLists: ReadonlySet<ListKind> = new Set<ListKind>(['cardholders', 'cards', 'wallets']);
  readonly client: LedgerClient;
  private readonly directory: string[];

  constructor(options: LedgerProviderOptions) {
    super();
    this.client = new LedgerClient(options);
    this.directory = [...new Set(options.customerIds)];
  }

  /** Adds a customer (e.g. one onboarded through the gateway) to the directory. */
  register(customerId: string): void {
    if (!this.directory.includes(customerId)) this.directory.push(customerId);
  }

  override getCardholders(refs: readonly string[], cx: CallContext): Promise<Found<Cardholder>> {
    return Promise.all(refs.map(async (ref) => {
      const customer = await this.customer(ref, cx);
      return customer ? mapCustomer(customer) : null;
    }));
  }

  override async listCardholders(page: PageRequest, cx: CallContext): Promise<Page<Cardholder>> {
    return this.scan(this.directory, page, async (id) => {
      const customer = await this.customer(id, cx);
      return customer ? mapCustomer(customer) : null;
    });
  }

  override getCards(refs: readonly string[], cx: CallContext): Promise<Found<Card>> {
    return Promise.all(refs.map((ref) => this.card(ref, cx)));
  }

  override async listCards(filter: CardFilter, page: PageRequest, cx: CallContext): Promise<Page<Card>> {
    const wallets = filter.walletRef
      ? (await this.getWallets([filter.walletRef], cx)).filter((w): w is Wallet => w !== null)
      : await this.wallets(filter.cardholderRef, cx);
    return this.scan(wallets, page, (wallet) => this.card(wallet.ref, cx));
  }

  override async getWallets(refs: readonly string[], cx: CallContext): Promise<Found<Wallet>> {
    return Promise.all(refs.map(async (ref) => {
      const parsed = parseWalletRef(ref);
      const customer = parsed && (await this.customer(parsed.customerId, cx));
      return customer ? customerWallets(customer).find((w) => w.ref === ref) ?? null : null;
    }));
  }

  override async listWallets(filter: WalletFilter, page: PageRequest, cx: CallContext): Promise<Page<Wallet>> {
    const wallets = await this.wallets(filter.cardholderRef, cx);
    return this.scan(wallets, page, async (w) => w);
  }

  override getWalletBalances(refs: readonly string[], cx: CallContext): Promise<Found<Money>> {
    return Promise.all(refs.map(async (ref) => {
      const parsed = parseWalletRef(ref);
      if (!parsed) return null;
      try {
        const body = await this.client.request(
          { method: 'GET', path: `/transactions/${encodeURIComponent(parsed.nameSpace)}/balance`, operation: 'read', name: 'getBalance' },
          cx,
        );
        return mapBalance(body);
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    }));
  }

  override listTransactions(filter: TransactionFilter, page: PageRequest, cx: CallContext): Promise<Page<Transaction>> {
    const scopeRef = filter.cardRef ?? filter.walletRef;
    if (!scopeRef) return Promise.reject(unsupported('ledger', 'listing transactions that are not narrowed to a card or wallet'));
    const parsed = parseWalletRef(scopeRef);
    if (!parsed) return Promise.resolve({ items: [], hasMore: false });
    // A card's transactions are its wallet's off-chain history; a wallet's, its on-chain history.
    const type: HistoryType = filter.cardRef ? 'off-chain' : 'on-chain';
    const scope = { cardRef: filter.cardRef ?? null, walletRef: scopeRef };
    return readOffsetWindow(offsetFromToken(page.after), page.limit, async (pageNumber, size) => {
        const body = await this.client.request(
          {
            method: 'GET',
            path: `/transactions/identifier/${encodeURIComponent(parsed.nameSpace)}/type/${type}/history`,
            query: { sort: 'desc', page: pageNumber, offset: size },
            operation: 'read',
            name: 'listHistory',
          },
          cx,
        );
        const data = upstreamObject('ledger', 'history answer', body).array('data');
        return { items: data.map((raw) => mapHistoryItem(raw, type, scope)) };
      });
  }

  /**
   * The card's PAN, CVV and expiry from `GET /cards/details`. Unlike `card()`, this read never
   * goes through the request's memo: the answer is used once and kept nowhere. The ref's
   * customer must own the wallet (ledger reads a card by namespace alone), so a ref pairing
   * one customer with another's namespace reveals nothing.
   */
  override async revealCard(ref: string, cx: CallContext): Promise<CardSecrets | null> {
    const parsed = parseWalletRef(ref);
    if (!parsed) return null;
    const customer = await this.customer(parsed.customerId, cx);
    if (!customer || !customerWallets(customer).some((w) => w.ref === ref)) return null;
    const read = this.client.request(
      { method: 'GET', path: '/cards/details', query: { nameSpace: parsed.nameSpace }, operation: 'read', name: 'revealCard' },
      cx,
    );
    // A wallet without a card is ledger's 400 "Not found".
    return nullIfNotFound(read.then(mapCardSecrets));
  }

  /** ledger keeps a card's (off-chain) and a wallet's (on-chain) histories apart: both count. */
  override async cardholderTransactionScopes(cardholderRef: string, cx: CallContext): Promise<TransactionFilter[]> {
    const wallets = await this.wallets(cardholderRef, cx);
    const cards = await Promise.all(wallets.map((w) => this.card(w.ref, cx)));
    return [
      ...wallets.map((w) => ({ walletRef: w.ref })),
      ...cards.filter((c): c is Card => c !== null).map((c) => ({ cardRef: c.ref })),
    ];
  }


  /** A customer's full details, read once per request; null when ledger does not know it. */
  private customer(id: string, cx: CallContext): Promise<UpstreamObject | null> {
    return cx.memo(`ledger:customer:${id}`, async () => {
      try {
        const body = await this.client.request(
          { method: 'GET', path: `/tenant/customer/customer-full-details/${encodeURIComponent(id)}`, operation: 'read', name: 'getCustomer' },
          cx,
        );
        return customerRecord(body);
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  /** The wallets of one customer, or of every directory customer in directory order. */
  private async wallets(customerId: string | undefined, cx: CallContext): Promise<Wallet[]> {
    const ids = customerId ? [customerId] : this.directory;
    const customers = await Promise.all(ids.map((id) => this.customer(id, cx)));
    return customers.flatMap((c) => (c ? customerWallets(c) : []));
  }

  private async card(ref: string, cx: CallContext): Promise<Card | null> {
    const parsed = parseWalletRef(ref);
    if (!parsed) return null;
    return cx.memo(`ledger:card:${ref}`, async () => {
      try {
        const body = await this.client.request(
          { method: 'GET', path: '/cards/details', query: { nameSpace: parsed.nameSpace }, operation: 'read', name: 'getCardDetails' },
          cx,
        );
        return mapCardDetails(ref, body);
      } catch (error) {
        // A wallet without a card, or an unknown one, is ledger's 400 "Not found".
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  /**
   * Pages over a local list whose entries may resolve to nothing (a wallet without a card, a
   * customer ledger no longer knows): reads windows until the page is full or the list ends.
   */
  private async scan<S, T>(list: readonly S[], page: PageRequest, resolve: (entry: S) => Promise<T | null>): Promise<Page<T>> {
    const items: Page<T>['items'] = [];
    let position = offsetFromToken(page.after);
    while (items.length < page.limit && position < list.length) {
      const window = list.slice(position, position + (page.limit - items.length));
      const resolved = await Promise.all(window.map(resolve));
      resolved.forEach((node, i) => {
        if (node !== null) items.push({ node, token: String(position + i + 1) });
      });
      position += window.length;
    }
    const last = items.length > 0 ? Number(items[items.length - 1]!.token) : position;
    return { items, hasMore: items.length === page.limit && last < list.length };
  }
}
