/**
 * baas's unified operations. Objects are read one per call (the contract has no batch read);
 * lists page by number (`page`/`limit`, newest first, with `meta.total`), so a resume token
 * is an absolute position read through `readOffsetWindow`. A wallet's balance comes with the
 * wallet. Transactions are listed through `GET /cards/transactions`, whole or narrowed to a
 * card or wallet; a card's spending posts to its wallet, so a cardholder's transactions are
 * their wallets' (the default scopes). There is no endpoint to read one transaction by id.
 *
 * The cardholder writes (PATCH, submit) are exposed for the compliance lifecycle; they are
 * not yet GraphQL mutations.
 */
import { nullIfNotFound } from '../../gateway/errors.js';
import type { CallContext } from '../../gateway/call-context.js';
import type { Money } from '../../gateway/money.js';
import type { Card, Cardholder, Transaction, Wallet } from '../../gateway/model.js';
import { offsetFromToken, readOffsetWindow } from '../../gateway/pagination.js';
import type { UpstreamTimeouts } from '../../config.js';
import type { Dispatcher } from 'undici';
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
import { BaasClient } from './client.js';
import { CARDHOLDER_UPDATE_OPERATION } from './errors.js';
import { mapCard, mapCardSecrets, mapCardholder, mapTransaction, mapWallet } from './mapping.js';

export interface BaasProviderOptions extends UpstreamTimeouts {
  baseUrl: string;
  apiKey: string;
  clientCert: string;
  clientKey: string;
  caCert: string;
  /** Injected in tests. */
  dispatcher?: Dispatcher;
}

/** What `PATCH /cardholders/{id}` may change (baas.md: "any cardholder field"). */
export interface BaasCardholderChanges {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  /** YYYY-MM-DD */
  dateOfBirth?: string;
  address?: Partial<{ line1: string; city: string; postalCode: string; country: string }>;
}

type Query = Record<string, string | undefined>;

const id = (ref: string): string => encodeURIComponent(ref);

export class BaasProvider extends BaseProvider {
  readonly key = 'baas' as const;
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
  readonly client: BaasClient;

  constructor(options: BaasProviderOptions) {
    super();
    const { clientCert, clientKey, caCert, ...transport } = options;
    this.client = new BaasClient({ ...transport, tls: { cert: clientCert, key: clientKey, ca: caCert } });
  }

  override getCardholders(refs: readonly string[], cx: CallContext): Promise<Found<Cardholder>> {
    return Promise.all(refs.map((ref) => this.getOne(`/cardholders/${id(ref)}`, 'getCardholder', mapCardholder, cx)));
  }

  override listCardholders(page: PageRequest, cx: CallContext): Promise<Page<Cardholder>> {
    return this.list('/cardholders', {}, page, 'listCardholders', mapCardholder, cx);
  }

  override getCards(refs: readonly string[], cx: CallContext): Promise<Found<Card>> {
    return Promise.all(refs.map((ref) => this.getOne(`/cards/${id(ref)}`, 'getCard', mapCard, cx)));
  }

  override listCards(filter: CardFilter, page: PageRequest, cx: CallContext): Promise<Page<Card>> {
    return this.list('/cards', { cardholderId: filter.cardholderRef, walletId: filter.walletRef }, page, 'listCards', mapCard, cx);
  }

  override getWallets(refs: readonly string[], cx: CallContext): Promise<Found<Wallet>> {
    return Promise.all(refs.map((ref) => this.getOne(`/wallets/${id(ref)}`, 'getWallet', mapWallet, cx)));
  }

  override listWallets(filter: WalletFilter, page: PageRequest, cx: CallContext): Promise<Page<Wallet>> {
    return this.list('/wallets', { cardholderId: filter.cardholderRef }, page, 'listWallets', mapWallet, cx);
  }

  override async getWalletBalances(refs: readonly string[], cx: CallContext): Promise<Found<Money>> {
    const wallets = await this.getWallets(refs, cx);
    return wallets.map((w) => w?.balance ?? null);
  }

  override listTransactions(filter: TransactionFilter, page: PageRequest, cx: CallContext): Promise<Page<Transaction>> {
    const query = { cardId: filter.cardRef, walletId: filter.walletRef };
    return this.list('/cards/transactions', query, page, 'listTransactions', mapTransaction, cx);
  }

  /** `GET /cards/{cardId}/secure-details`, read afresh every time (never cached or memoised). */
  override async revealCard(ref: string, cx: CallContext): Promise<CardSecrets | null> {
    if (!ref) return null;
    return this.getOne(`/cards/${id(ref)}/secure-details`, 'revealCard', mapCardSecrets, cx);
  }

  /**
   * Changes cardholder fields. While the cardholder is under review or approved, changing
   * firstName, lastName or dateOfBirth is baas's 409: COMPLIANCE_LOCKED.
   */
  async updateCardholder(ref: string, changes: BaasCardholderChanges, cx: CallContext): Promise<Cardholder> {
    const body = await this.client.data(
      { method: 'PATCH', path: `/cardholders/${id(ref)}`, body: changes, operation: 'write', name: CARDHOLDER_UPDATE_OPERATION },
      cx,
    );
    return mapCardholder(body);
  }

  /** Submits a draft cardholder for compliance review (draft → submitted). */
  async submitCardholder(ref: string, cx: CallContext): Promise<Cardholder> {
    const body = await this.client.data(
      { method: 'POST', path: `/cardholders/${id(ref)}/submit`, operation: 'write', name: 'submitCardholder' },
      cx,
    );
    return mapCardholder(body);
  }


  /** One object; null when baas has no such id in this Program (its 404). */
  private getOne<T>(path: string, name: string, map: (raw: unknown) => T, cx: CallContext): Promise<T | null> {
    return nullIfNotFound(this.client.data({ method: 'GET', path, operation: 'read', name }, cx).then(map));
  }

  private list<T>(path: string, query: Query, page: PageRequest, name: string, map: (raw: unknown) => T, cx: CallContext): Promise<Page<T>> {
    return readOffsetWindow(offsetFromToken(page.after), page.limit, async (pageNumber, size) => {
      const answer = await this.client.page({ method: 'GET', path, query: { ...query, page: pageNumber, limit: size }, operation: 'read', name }, cx);
      return { items: answer.items.map(map), total: answer.total };
    });
  }
}
