/**
 * The interface every provider implements: the unified operations over its upstream API.
 * `BaseProvider` answers every operation with UNSUPPORTED_BY_PROVIDER; a provider overrides
 * what its contract supports and lists it in `capabilities` (a conformance test checks the
 * two agree, so `providers` never advertises what a provider cannot do).
 */
import { unsupported } from '../core/errors.js';
import type { Money } from '../core/money.js';
import type { Card, Cardholder, CardSecrets, Transaction, Wallet } from '../core/model.js';
import type { ProviderKey } from '../core/provider-key.js';
import type { CallContext } from '../core/call-context.js';
import type { ProviderHttpClient, TransportHealth } from './transport/http.js';
import type { CardAction, IssuedCard, NewCard, NewCardholder, Operation, OperationKind, PushPull, TopUp, Transfer, WriteRequest } from '../core/writes.js';
import type { CardFilter, Found, ListKind, Page, PageRequest, TransactionFilter, WalletFilter } from '../core/page.js';

export enum Capability {
  CARDHOLDER_READ = 'CARDHOLDER_READ',
  CARDHOLDER_LIST = 'CARDHOLDER_LIST',
  CARD_READ = 'CARD_READ',
  CARD_LIST = 'CARD_LIST',
  WALLET_READ = 'WALLET_READ',
  WALLET_LIST = 'WALLET_LIST',
  TRANSACTION_READ = 'TRANSACTION_READ',
  /** Transactions across the whole account, not narrowed to a card or wallet. */
  TRANSACTION_LIST = 'TRANSACTION_LIST',
  TRANSACTION_LIST_BY_CARD = 'TRANSACTION_LIST_BY_CARD',
  TRANSACTION_LIST_BY_WALLET = 'TRANSACTION_LIST_BY_WALLET',
  /** Read a card's PAN, CVV and expiry (the audited reveal path). */
  CARD_REVEAL = 'CARD_REVEAL',
  CARDHOLDER_CREATE = 'CARDHOLDER_CREATE',
  CARD_ISSUE = 'CARD_ISSUE',
  /** Freeze / unfreeze. */
  CARD_FREEZE = 'CARD_FREEZE',
  /** Report lost / stolen. */
  CARD_REPORT = 'CARD_REPORT',
  CARD_CLOSE = 'CARD_CLOSE',
  CARD_TOP_UP = 'CARD_TOP_UP',
  FUNDS_TRANSFER = 'FUNDS_TRANSFER',
  /** Push to / pull from a card. */
  CARD_PUSH_PULL = 'CARD_PUSH_PULL',
}


export interface CardProvider {
  readonly key: ProviderKey;
  readonly capabilities: ReadonlySet<Capability>;
  /** Lists whose items carry no creation time: they merge after every dated item. */
  readonly undatedLists: ReadonlySet<ListKind>;
  /** Requests with no answer to the batch endpoint are per-id; see each provider. */
  getCardholders(refs: readonly string[], cx: CallContext): Promise<Found<Cardholder>>;
  listCardholders(page: PageRequest, cx: CallContext): Promise<Page<Cardholder>>;
  getCards(refs: readonly string[], cx: CallContext): Promise<Found<Card>>;
  listCards(filter: CardFilter, page: PageRequest, cx: CallContext): Promise<Page<Card>>;
  getWallets(refs: readonly string[], cx: CallContext): Promise<Found<Wallet>>;
  listWallets(filter: WalletFilter, page: PageRequest, cx: CallContext): Promise<Page<Wallet>>;
  getWalletBalances(refs: readonly string[], cx: CallContext): Promise<Found<Money>>;
  getTransactions(refs: readonly string[], cx: CallContext): Promise<Found<Transaction>>;
  listTransactions(filter: TransactionFilter, page: PageRequest, cx: CallContext): Promise<Page<Transaction>>;
  /** The card's PAN, CVV and expiry (the reveal path only); null when there is no such card. */
  revealCard(ref: string, cx: CallContext): Promise<CardSecrets | null>;

  // Writes (see writes.ts). Each answers UNSUPPORTED_BY_PROVIDER unless overridden.
  createCardholder(input: NewCardholder, w: WriteRequest): Promise<Cardholder>;
  issueCard(input: NewCard, w: WriteRequest): Promise<IssuedCard>;
  /** State changes are idempotent by nature (setting a state), so they carry no key. */
  changeCardState(cardRef: string, action: CardAction, reason: string | null, cx: CallContext): Promise<Card>;
  topUpCard(input: TopUp, w: WriteRequest): Promise<Operation>;
  transferFunds(input: Transfer, w: WriteRequest): Promise<Operation>;
  pushPull(input: PushPull, w: WriteRequest): Promise<Operation>;
  /** An operation by its provider id (to follow a pending one); null when unknown. */
  getOperation(ref: string, cx: CallContext): Promise<Operation | null>;
  /**
   * Looks a write up by the reference it was sent with, after an uncertain outcome: the
   * operation if the provider has it, null if it certainly does not.
   */
  findOperation(kind: OperationKind, reference: string, w: WriteRequest): Promise<Operation | null>;
  /**
   * The card/wallet scopes whose transactions together are a cardholder's, each listed once.
   * By default: the cardholder's wallets (where card spending posts).
   */
  cardholderTransactionScopes(cardholderRef: string, cx: CallContext): Promise<TransactionFilter[]>;
  /** Circuit, recent errors and latency of its transport. */
  health(): TransportHealth;
  /** Closes the circuit and forgets recent failures. */
  resetHealth(): void;
  /** Releases connections. */
  close(): Promise<void>;
}

/**
 * Every operation a provider does not override answers UNSUPPORTED_BY_PROVIDER as a rejected
 * promise (never a synchronous throw), before any request is sent.
 */
export abstract class BaseProvider implements CardProvider {
  abstract readonly key: ProviderKey;
  abstract readonly capabilities: ReadonlySet<Capability>;
  /** The provider's client on the shared transport. */
  abstract readonly client: ProviderHttpClient;
  readonly undatedLists: ReadonlySet<ListKind> = new Set();

  health(): TransportHealth {
    return this.client.health();
  }

  resetHealth(): void {
    this.client.resetHealth();
  }

  getCardholders(_refs: readonly string[], _cx: CallContext): Promise<Found<Cardholder>> {
    return Promise.reject(unsupported(this.key, 'reading cardholders'));
  }
  listCardholders(_page: PageRequest, _cx: CallContext): Promise<Page<Cardholder>> {
    return Promise.reject(unsupported(this.key, 'listing cardholders'));
  }
  getCards(_refs: readonly string[], _cx: CallContext): Promise<Found<Card>> {
    return Promise.reject(unsupported(this.key, 'reading cards'));
  }
  listCards(_filter: CardFilter, _page: PageRequest, _cx: CallContext): Promise<Page<Card>> {
    return Promise.reject(unsupported(this.key, 'listing cards'));
  }
  getWallets(_refs: readonly string[], _cx: CallContext): Promise<Found<Wallet>> {
    return Promise.reject(unsupported(this.key, 'reading wallets'));
  }
  listWallets(_filter: WalletFilter, _page: PageRequest, _cx: CallContext): Promise<Page<Wallet>> {
    return Promise.reject(unsupported(this.key, 'listing wallets'));
  }
  getWalletBalances(_refs: readonly string[], _cx: CallContext): Promise<Found<Money>> {
    return Promise.reject(unsupported(this.key, 'reading wallet balances'));
  }
  getTransactions(_refs: readonly string[], _cx: CallContext): Promise<Found<Transaction>> {
    return Promise.reject(unsupported(this.key, 'reading a transaction by id'));
  }
  listTransactions(_filter: TransactionFilter, _page: PageRequest, _cx: CallContext): Promise<Page<Transaction>> {
    return Promise.reject(unsupported(this.key, 'listing transactions'));
  }
  revealCard(_ref: string, _cx: CallContext): Promise<CardSecrets | null> {
    return Promise.reject(unsupported(this.key, "revealing a card's number and CVV"));
  }
  createCardholder(_input: NewCardholder, _w: WriteRequest): Promise<Cardholder> {
    return Promise.reject(unsupported(this.key, 'creating cardholders'));
  }
  issueCard(_input: NewCard, _w: WriteRequest): Promise<IssuedCard> {
    return Promise.reject(unsupported(this.key, 'issuing cards'));
  }
  changeCardState(_cardRef: string, action: CardAction, _reason: string | null, _cx: CallContext): Promise<Card> {
    return Promise.reject(unsupported(this.key, `the card action ${action}`));
  }
  topUpCard(_input: TopUp, _w: WriteRequest): Promise<Operation> {
    return Promise.reject(unsupported(this.key, 'topping up cards'));
  }
  transferFunds(_input: Transfer, _w: WriteRequest): Promise<Operation> {
    return Promise.reject(unsupported(this.key, 'transferring funds'));
  }
  pushPull(input: PushPull, _w: WriteRequest): Promise<Operation> {
    return Promise.reject(unsupported(this.key, `${input.direction === 'PUSH' ? 'pushing to' : 'pulling from'} cards`));
  }
  getOperation(_ref: string, _cx: CallContext): Promise<Operation | null> {
    return Promise.reject(unsupported(this.key, 'reading operations'));
  }
  findOperation(kind: OperationKind, _reference: string, _w: WriteRequest): Promise<Operation | null> {
    return Promise.reject(unsupported(this.key, `looking up a ${kind} by reference`));
  }
  async cardholderTransactionScopes(cardholderRef: string, cx: CallContext): Promise<TransactionFilter[]> {
    const wallets = await this.everyItem((page) => this.listWallets({ cardholderRef }, page, cx));
    return wallets.map((w) => ({ walletRef: w.ref }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * Every item of a list, walking it to its end, bounded: a list longer than
   * `MAX_SCOPE_PAGES` pages of 100 (a cardholder with over 1,000 wallets or cards) is not
   * expanded further.
   */
  protected async everyItem<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
    const items: T[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < MAX_SCOPE_PAGES; pages += 1) {
      const page = await list({ after, limit: 100 });
      items.push(...page.items.map((i) => i.node));
      if (!page.hasMore || page.items.length === 0) break;
      after = page.items[page.items.length - 1]!.token;
    }
    return items;
  }
}

const MAX_SCOPE_PAGES = 10;
