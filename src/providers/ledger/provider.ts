/**
 * ledger's unified operations. ledger cannot list its customers, so lists run over the
 * gateway's directory of known customers (LEDGER_CUSTOMER_IDS, the sandbox's seeds, and
 * customers onboarded through the gateway) and over their wallets, in directory order.
 * Positions in those lists are the resume tokens. A card is read per wallet
 * (`/cards/details`), transactions per card (off-chain) or wallet (on-chain) history.
 *
 * Writes: a debit card is requested for a wallet (one card per wallet, issued at once),
 * frozen and unfrozen (`PATCH /cards/block-unblock`) and reported lost or stolen. ledger takes
 * no idempotency key; a card request is made safe to resend by the one-card-per-wallet rule
 * (see `issueCard` and `findOperation`).
 *
 * Not CARDHOLDER_CREATE: `POST /tenant/customer` (docs/ledger.txt, "Onboard tenant customer")
 * requires, besides what the unified input has, `selfieContent` (a photo of the customer),
 * `bankAccountDetails`, `accountAddress` (the customer's own Ethereum address), `ip_address`
 * and `customerMetaData`. The unified input carries none of them, and the gateway cannot make
 * them up (a generated address would hold money nobody has the key to; a selfie cannot be
 * invented), so every call would be a BAD_USER_INPUT: ledger customers are onboarded outside
 * the gateway and listed in LEDGER_CUSTOMER_IDS (or `register`ed) for it to serve.
 */
import { badInput, ErrorCode, GatewayError, isNotFound, notFound, nullIfNotFound, unsupported } from '../../core/errors.js';
import type { CallContext } from '../../core/call-context.js';
import type { Money } from '../../core/money.js';
import type { Card, Cardholder, Transaction, Wallet } from '../../core/model.js';
import { offsetFromToken, readOffsetWindow } from '../transport/offset-paging.js';
import { upstreamObject, type UpstreamObject } from '../transport/upstream-shape.js';
import { BaseProvider, Capability } from '../provider.js';
import { type CardFilter, type Found, type ListKind, type Page, type PageRequest, type TransactionFilter, type WalletFilter } from '../../core/page.js';
import { type CardSecrets } from '../../core/model.js';
import { acceptedWrite } from '../transport/accepted-write.js';
import { CardAction, completedIssuance, OperationKind, type IssuedCard, type NewCard, type Operation, type WriteRequest } from '../../core/writes.js';
import { LedgerClient, type LedgerClientOptions } from './client.js';
import {
  LEDGER_TOKEN_SYMBOL,
  customerRecord,
  customerWallets,
  mapBalance,
  mapCardDetails,
  mapCardSecrets,
  mapCustomer,
  mapHistoryItem,
  eligibleProductId,
  parseWalletRef,
  withChangedStatus,
  type HistoryType,
  type WalletRef,
} from './mapping.js';

export interface LedgerProviderOptions extends LedgerClientOptions {
  /** The customers the gateway knows of, in listing order. */
  customerIds: readonly string[];
}

/** Card requests remembered by reference (for `findOperation`), the oldest forgotten first. */
const MAX_REMEMBERED_ISSUES = 10_000;

/** ledger requires a reason for every status change; this one when the caller gave none. */
const DEFAULT_REASON: Record<CardAction, string> = {
  [CardAction.FREEZE]: 'Temporary block requested through Cardplane',
  [CardAction.UNFREEZE]: 'Unblock requested through Cardplane',
  [CardAction.REPORT_LOST]: 'Reported lost through Cardplane',
  [CardAction.REPORT_STOLEN]: 'Reported stolen through Cardplane',
  [CardAction.CLOSE]: 'Close requested through Cardplane',
};


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
    Capability.CARD_ISSUE,
    Capability.CARD_FREEZE,
    Capability.CARD_REPORT,
  ]);
  /** ledger reports no creation time for customers, wallets or cards. */
  override readonly undatedLists: ReadonlySet<ListKind> = new Set<ListKind>(['cardholders', 'cards', 'wallets']);
  readonly client: LedgerClient;
  private readonly directory: string[];
  /** The wallet each card request was for, by the write's reference (see `findOperation`). */
  private readonly issues = new Map<string, string>();

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
    return Promise.all(refs.map((ref) => this.ownedWallet(ref, cx)));
  }

  override async listWallets(filter: WalletFilter, page: PageRequest, cx: CallContext): Promise<Page<Wallet>> {
    const wallets = await this.wallets(filter.cardholderRef, cx);
    return this.scan(wallets, page, async (w) => w);
  }

  override getWalletBalances(refs: readonly string[], cx: CallContext): Promise<Found<Money>> {
    return Promise.all(refs.map(async (ref) => {
      const parsed = await this.owned(ref, cx);
      if (!parsed) return null;
      try {
        const body = await this.client.request(
          { method: 'GET', path: `/transactions/${encodeURIComponent(parsed.nameSpace)}/balance`, kind: 'read', name: 'getBalance' },
          cx,
        );
        return mapBalance(body);
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    }));
  }

  override async listTransactions(filter: TransactionFilter, page: PageRequest, cx: CallContext): Promise<Page<Transaction>> {
    const scopeRef = filter.cardRef ?? filter.walletRef;
    if (!scopeRef) throw unsupported('ledger', 'listing transactions that are not narrowed to a card or wallet');
    // Another customer's namespace is no card or wallet of this ref's: NOT_FOUND, like a
    // provider that reads a card's history by its owner and id (corporate's card_user_mismatch).
    const parsed = await this.owned(scopeRef, cx);
    if (!parsed) throw notFound(`${filter.cardRef ? 'Card' : 'Wallet'} ${scopeRef}`, 'ledger');
    // A card's transactions are its wallet's off-chain history; a wallet's, its on-chain history.
    const type: HistoryType = filter.cardRef ? 'off-chain' : 'on-chain';
    const scope = { cardRef: filter.cardRef ?? null, walletRef: scopeRef };
    return readOffsetWindow(offsetFromToken(page.after), page.limit, async (pageNumber, size) => {
        const body = await this.client.request(
          {
            method: 'GET',
            path: `/transactions/identifier/${encodeURIComponent(parsed.nameSpace)}/type/${type}/history`,
            query: { sort: 'desc', page: pageNumber, offset: size },
            kind: 'read',
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
   * goes through the request's memo: the answer is used once and kept nowhere. Like every
   * read by ref, it is checked against the ref's owner first (`owned`).
   */
  override async revealCard(ref: string, cx: CallContext): Promise<CardSecrets | null> {
    const parsed = await this.owned(ref, cx);
    if (!parsed) return null;
    const read = this.client.request(
      { method: 'GET', path: '/cards/details', query: { nameSpace: parsed.nameSpace }, kind: 'read', name: 'revealCard' },
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


  // --- writes ---

  /**
   * `POST /cards/request-card` for the wallet (`walletRef`, which must be the cardholder's):
   * ledger issues one debit card per wallet, at once, so the answer is the card (its ref is
   * the wallet's) and no operation to follow. The product is the first that
   * `GET /cards/eligible-cards` offers the wallet; the token is the tenant's (USBC). The answer
   * carries the full PAN and CVV: only the last four digits are kept (mapCardDetails).
   *
   * The wallet is checked first: a wallet that already has a card is CONFLICT without any
   * request, except on a resend (`attempt > 0`, which the gateway makes only after an
   * uncertain attempt it could not find): then the card on the wallet is the one that attempt
   * issued — the check before it proved the wallet had none — and is answered as issued.
   */
  override async issueCard(input: NewCard, w: WriteRequest): Promise<IssuedCard> {
    const { cx } = w;
    const { walletRef } = input;
    if (walletRef === null) throw badInput('walletRef is required for LEDGER: its debit cards are issued on a wallet, one card per wallet');
    const wallet = await this.owned(walletRef, cx);
    if (!wallet || wallet.customerId !== input.cardholderRef) {
      throw notFound(`Wallet ${walletRef} of cardholder ${input.cardholderRef}`, 'ledger');
    }
    const existing = await this.readCard(walletRef, cx);
    if (existing) {
      if (w.attempt > 0) return { card: existing, operation: null };
      throw new GatewayError(ErrorCode.CONFLICT, `Wallet ${walletRef} already has a debit card (LEDGER issues one card per wallet)`, { provider: 'ledger' });
    }
    const eligible = await this.client.request(
      { method: 'GET', path: '/cards/eligible-cards', query: { nameSpace: wallet.nameSpace }, kind: 'read', name: 'getEligibleCards' },
      cx,
    );
    const cardProductId = eligibleProductId(eligible);
    if (cardProductId === null) {
      throw new GatewayError(ErrorCode.INVALID_STATE, `LEDGER offers no card product to wallet ${walletRef}`, { provider: 'ledger' });
    }
    this.remember(w.reference, walletRef);
    const card = await acceptedWrite(
      () =>
        this.client.request(
          {
            method: 'POST',
            path: '/cards/request-card',
            body: { nameSpace: wallet.nameSpace, cardProductId, tokenSymbol: LEDGER_TOKEN_SYMBOL },
            kind: 'write',
            name: 'requestCard',
          },
          cx,
        ),
      (body) => mapCardDetails(walletRef, body),
    );
    return { card, operation: null };
  }

  /**
   * Freeze / unfreeze (`PATCH /cards/block-unblock`) and report lost / stolen
   * (`POST /cards/report/lost|stolen`, dated today). ledger has no close. The card is read
   * first — through the owner check (`owned`), as ledger acts on the namespace alone — and
   * answered with the status the change returned. A change the card's state forbids
   * (unblocking a lost or stolen card) is ledger's `400 catch`, mapped to INVALID_STATE.
   */
  override async changeCardState(cardRef: string, action: CardAction, reason: string | null, cx: CallContext): Promise<Card> {
    if (action === CardAction.CLOSE) throw unsupported('ledger', `the card action ${action}`);
    const wallet = parseWalletRef(cardRef);
    // readCard checks the ref's owner (`owned`) before anything is sent.
    const card = await this.readCard(cardRef, cx);
    if (!wallet || !card) throw notFound(`Card ${cardRef}`, 'ledger');
    const why = reason?.trim() || DEFAULT_REASON[action];
    const spec =
      action === CardAction.FREEZE || action === CardAction.UNFREEZE
        ? {
            method: 'PATCH' as const,
            path: '/cards/block-unblock',
            body: { block: action === CardAction.FREEZE, reason: why, nameSpace: wallet.nameSpace },
            name: action === CardAction.FREEZE ? 'blockCard' : 'unblockCard',
          }
        : {
            method: 'POST' as const,
            path: action === CardAction.REPORT_LOST ? '/cards/report/lost' : '/cards/report/stolen',
            body: { reason: why, reportDate: new Date().toISOString().slice(0, 10), nameSpace: wallet.nameSpace },
            name: action === CardAction.REPORT_LOST ? 'reportCardLost' : 'reportCardStolen',
          };
    return withChangedStatus(card, await this.client.request({ ...spec, kind: 'write' }, cx));
  }

  /**
   * A card request by the write's reference. ledger keeps no reference and no operation: the
   * one thing a card request leaves is the card on its wallet, so the wallet *is* the
   * operation's identity. The wallet is found from the reference through what `issueCard`
   * recorded before sending (reference → wallet ref); the wallet's card, if it has one, is
   * the request's result (COMPLETED), and "Not found" means it certainly has none (null).
   *
   * A reference this instance never saw (the gateway restarted in between) also answers null:
   * the resend that follows is safe, because `issueCard` checks the wallet before requesting
   * and answers the card an earlier attempt left there, and ledger would refuse a second card
   * on the wallet anyway.
   */
  override async findOperation(kind: OperationKind, reference: string, w: WriteRequest): Promise<Operation | null> {
    if (kind !== OperationKind.CARD_ISSUE) throw unsupported('ledger', `looking up a ${kind} by reference`);
    const walletRef = this.issues.get(reference);
    if (walletRef === undefined) return null;
    const card = await this.readCard(walletRef, w.cx);
    return card ? completedIssuance(card, reference) : null;
  }

  private remember(reference: string, walletRef: string): void {
    this.issues.delete(reference);
    this.issues.set(reference, walletRef);
    if (this.issues.size > MAX_REMEMBERED_ISSUES) this.issues.delete(this.issues.keys().next().value!);
  }

  /**
   * The one owner check of a wallet or card ref (`<customerAccountId>/<nameSpace>`): ledger
   * reads, reveals and changes a card and reads a wallet's balance and history by namespace
   * alone, so a ref pairing one customer with another's namespace would reach that other
   * customer's wallet. The namespace must be among the ref's customer's wallets (the customer's
   * details, read once per request); otherwise the ref names nothing (null), before anything
   * else is sent.
   */
  private async ownedWallet(ref: string, cx: CallContext): Promise<Wallet | null> {
    const parsed = parseWalletRef(ref);
    const customer = parsed && (await this.customer(parsed.customerId, cx));
    return customer ? customerWallets(customer).find((w) => w.ref === ref) ?? null : null;
  }

  /** The ref's customer and namespace when the customer owns the namespace (`ownedWallet`), else null. */
  private async owned(ref: string, cx: CallContext): Promise<WalletRef | null> {
    return (await this.ownedWallet(ref, cx)) ? parseWalletRef(ref) : null;
  }

  /** A customer's full details, read once per request; null when ledger does not know it. */
  private customer(id: string, cx: CallContext): Promise<UpstreamObject | null> {
    return cx.memo(`ledger:customer:${id}`, async () => {
      try {
        const body = await this.client.request(
          { method: 'GET', path: `/tenant/customer/customer-full-details/${encodeURIComponent(id)}`, kind: 'read', name: 'getCustomer' },
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

  /** The card on a wallet, read once per request; null when the wallet has none. */
  private async card(ref: string, cx: CallContext): Promise<Card | null> {
    if (!parseWalletRef(ref)) return null;
    return cx.memo(`ledger:card:${ref}`, () => this.readCard(ref, cx));
  }

  /**
   * The card on a wallet, read afresh (the writes must see its current state); null when the
   * wallet has none or is not the ref's customer's (`owned`).
   */
  private async readCard(ref: string, cx: CallContext): Promise<Card | null> {
    const parsed = await this.owned(ref, cx);
    if (!parsed) return null;
    try {
      const body = await this.client.request(
        { method: 'GET', path: '/cards/details', query: { nameSpace: parsed.nameSpace }, kind: 'read', name: 'getCardDetails' },
        cx,
      );
      return mapCardDetails(ref, body);
    } catch (error) {
      // A wallet without a card, or an unknown one, is ledger's 400 "Not found".
      if (isNotFound(error)) return null;
      throw error;
    }
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
