/**
 * baas's unified operations. Objects are read one per call (the contract has no batch read);
 * lists page by number (`page`/`limit`, newest first, with `meta.total`), so a resume token
 * is an absolute position read through `readOffsetWindow`. A wallet's balance comes with the
 * wallet. Transactions are listed through `GET /cards/transactions`, whole or narrowed to a
 * card or wallet; a card's spending posts to its wallet, so a cardholder's transactions are
 * their wallets' (the default scopes). There is no endpoint to read one transaction by id.
 *
 * The cardholder writes (PATCH, submit) serve the compliance lifecycle at the provider level;
 * no GraphQL mutation calls them.
 *
 * Writes (baas.md): baas accepts no idempotency key and does not refuse a reused reference,
 * so nothing upstream stops a second copy of a write. A fund-moving write (bank deposit,
 * wallet transfer) is therefore never resent by the transport; after a 5xx or a lost answer
 * it is OUTCOME_UNKNOWN and `findOperation` looks it up by its `reference` in
 * `GET /cards/transactions` before the gateway decides to send it again. Cards and
 * cardholders carry no reference, so their look-up cannot prove absence (see findOperation).
 */
import { ErrorCode, GatewayError, nullIfNotFound, unsupported } from '../../core/errors.js';
import type { CallContext } from '../../core/call-context.js';
import { toDecimalAmount, type Money } from '../../core/money.js';
import { CardType, type Card, type Cardholder, type Transaction, type Wallet } from '../../core/model.js';
import { offsetFromToken, readOffsetWindow } from '../transport/offset-paging.js';
import { upstreamObject } from '../transport/upstream-shape.js';
import type { UpstreamTimeouts } from '../transport/http.js';
import type { Dispatcher } from 'undici';
import { BaseProvider, Capability } from '../provider.js';
import { type CardFilter, type Found, type Page, type PageRequest, type TransactionFilter, type WalletFilter } from '../../core/page.js';
import { type CardSecrets } from '../../core/model.js';
import { acceptedWrite } from '../transport/accepted-write.js';
import type { RequestSpec } from '../transport/http.js';
import {
  CardAction,
  OperationKind,
  type IssuedCard,
  type NewCard,
  type NewCardholder,
  type Operation,
  type TopUp,
  type Transfer,
  type WriteRequest,
} from '../../core/writes.js';
import { BaasClient } from './client.js';
import { CARD_ISSUANCE_OPERATION, CARDHOLDER_UPDATE_OPERATION } from './errors.js';
import type { BaasCardType, BaasTransactionKind } from './contract.js';
import { mapCard, mapCardSecrets, mapCardholder, mapMoneyOperation, mapTransaction, mapWallet } from './mapping.js';

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

const CARD_TYPE = { [CardType.VIRTUAL]: 'virtual', [CardType.PHYSICAL]: 'physical' } as const satisfies Partial<Record<CardType, BaasCardType>>;

/** How each action is asked of baas: an endpoint and its body, or not at all (CLOSE). */
type ActionRequest = { path: 'freeze' | 'unfreeze' | 'block'; body: Record<string, string | undefined> } | null;
const ACTIONS = {
  [CardAction.FREEZE]: (reason) => ({ path: 'freeze', body: { reason } }),
  [CardAction.UNFREEZE]: (reason) => ({ path: 'unfreeze', body: { reason } }),
  // A block's reason is baas's enum; the caller's words go in its note.
  [CardAction.REPORT_LOST]: (note) => ({ path: 'block', body: { reason: 'lost', note } }),
  [CardAction.REPORT_STOLEN]: (note) => ({ path: 'block', body: { reason: 'stolen', note } }),
  // baas has no close: a card ends blocked (lost, stolen, fraud) or expired.
  [CardAction.CLOSE]: () => null,
} satisfies Record<CardAction, (reason: string | undefined) => ActionRequest>;

/** Input the caller must fix, naming each field (before anything is sent). */
function badFields(fields: string[], message: string): GatewayError {
  return new GatewayError(ErrorCode.BAD_USER_INPUT, message, { provider: 'baas', details: { fields } });
}

/** The transaction kind that records each fund-moving write (its reference is the write's). */
const RECORDING_KIND = { [OperationKind.TOP_UP]: 'deposit', [OperationKind.TRANSFER]: 'transfer_out' } as const satisfies Partial<Record<OperationKind, BaasTransactionKind>>;

/** A look-up by reference reads one page this long: far more than copies of one write. */
const REFERENCE_PAGE = 100;

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
    Capability.CARDHOLDER_CREATE,
    Capability.CARD_ISSUE,
    Capability.CARD_FREEZE,
    Capability.CARD_REPORT,
    Capability.CARD_TOP_UP,
    Capability.FUNDS_TRANSFER,
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
    return wallets.map((w) => (w instanceof GatewayError ? w : (w?.balance ?? null)));
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
      { method: 'PATCH', path: `/cardholders/${id(ref)}`, body: changes, kind: 'write', name: CARDHOLDER_UPDATE_OPERATION },
      cx,
    );
    return mapCardholder(body);
  }

  /** Submits a draft cardholder for compliance review (draft → submitted). */
  async submitCardholder(ref: string, cx: CallContext): Promise<Cardholder> {
    const body = await this.client.data(
      { method: 'POST', path: `/cardholders/${id(ref)}/submit`, kind: 'write', name: 'submitCardholder' },
      cx,
    );
    return mapCardholder(body);
  }

  /**
   * `POST /cardholders`: baas requires every field (phone, date of birth, address included), so
   * what is missing is refused here, all of it named, before any call. The new cardholder is a
   * compliance draft. baas has no reference on cardholders: a lost answer cannot be looked up.
   */
  override async createCardholder(input: NewCardholder, w: WriteRequest): Promise<Cardholder> {
    const blank = (value: string | null): boolean => value === null || value.trim() === '';
    const { address } = input;
    const fields: string[] = (['firstName', 'lastName', 'email', 'phone', 'dateOfBirth'] as const).filter((f) => blank(input[f]));
    if (address === null) fields.push('address');
    else fields.push(...(['line1', 'city', 'postalCode', 'country'] as const).filter((f) => blank(address[f])).map((f) => `address.${f}`));
    if (fields.length > 0 || address === null) {
      throw badFields(fields, `BAAS requires ${fields.join(', ')} to create a cardholder`);
    }
    const body = {
      firstName: input.firstName,
      lastName: input.lastName,
      email: input.email,
      phone: input.phone,
      dateOfBirth: input.dateOfBirth,
      address: { line1: address.line1, city: address.city, postalCode: address.postalCode, country: address.country },
    };
    return this.post('/cardholders', body, 'createCardholder', w, mapCardholder);
  }

  /** `POST /cards` on one of the cardholder's wallets; baas's 403 for a cardholder not approved is INVALID_STATE. */
  override async issueCard(input: NewCard, w: WriteRequest): Promise<IssuedCard> {
    if (!input.walletRef) throw badFields(['walletId'], 'BAAS issues every card on a wallet: walletId is required');
    if (input.type === CardType.UNKNOWN) throw badFields(['type'], 'type must be VIRTUAL or PHYSICAL');
    const body = { cardholderId: input.cardholderRef, walletId: input.walletRef, type: CARD_TYPE[input.type] };
    const card = await this.post('/cards', body, CARD_ISSUANCE_OPERATION, w, mapCard);
    return { card, operation: null };
  }

  /**
   * Freeze and unfreeze are their own endpoints; reporting lost or stolen is a block, which is
   * terminal (baas's 409 for any later change: INVALID_STATE). CLOSE is not a baas action.
   */
  override async changeCardState(cardRef: string, action: CardAction, reason: string | null, cx: CallContext): Promise<Card> {
    const request = ACTIONS[action]?.(reason || undefined);
    if (request === undefined) throw badFields(['action'], `Unknown card action ${String(action)}`);
    if (request === null) throw unsupported(this.key, `the card action ${action} (a BAAS card can only be blocked as lost or stolen)`);
    const raw = await this.client.data(
      { method: 'POST', path: `/cards/${id(cardRef)}/${request.path}`, body: request.body, kind: 'write', name: `${request.path}Card` },
      cx,
    );
    return mapCard(raw);
  }

  /**
   * `POST /cards/{cardId}/bank-deposit`: the Program's funding pays, never a wallet, so a
   * funding wallet is refused rather than ignored (money would come from elsewhere than asked).
   */
  override async topUpCard(input: TopUp, w: WriteRequest): Promise<Operation> {
    if (input.fundingWalletRef !== null) {
      throw unsupported(this.key, 'funding a top-up from a wallet (a BAAS bank deposit is funded by the Program)');
    }
    const body = { amount: toDecimalAmount(input.amount), currency: input.amount.currency.toUpperCase(), reference: w.reference };
    return this.post(`/cards/${id(input.cardRef)}/bank-deposit`, body, 'depositToCard', w, (raw) =>
      mapMoneyOperation(raw, OperationKind.TOP_UP, 'deposit'),
    );
  }

  /** `POST /wallets/transfer`: wallet to wallet only. */
  override async transferFunds(input: Transfer, w: WriteRequest): Promise<Operation> {
    if ((input.toWalletRef === null) === (input.toCardRef === null)) {
      throw badFields(['toWalletId', 'toCardId'], 'A transfer goes to exactly one of toWalletId or toCardId');
    }
    if (input.toWalletRef === null) throw unsupported(this.key, 'transferring funds to a card (BAAS transfers go wallet to wallet)');
    const body = {
      fromWalletId: input.fromWalletRef,
      toWalletId: input.toWalletRef,
      amount: toDecimalAmount(input.amount),
      currency: input.amount.currency.toUpperCase(),
      reference: w.reference,
    };
    return this.post('/wallets/transfer', body, 'transferFunds', w, (raw) => mapMoneyOperation(raw, OperationKind.TRANSFER, 'transfer'));
  }

  /**
   * A fund-moving write by its reference, in `GET /cards/transactions?reference=`: a top-up is
   * the `deposit` it posted, a transfer its `transfer_out` leg. No such transaction under that
   * reference is baas saying the write did not happen (null). An answer holding only other
   * references (a filter the server ignored) proves nothing and is an error, not a null.
   *
   * CARD_ISSUE: a baas card has no reference, and a card found on the cardholder's wallet may
   * be any earlier card, so absence can never be proven: UNSUPPORTED_BY_PROVIDER, and the
   * gateway must leave the issuance OUTCOME_UNKNOWN rather than resend it. PUSH/PULL: no such
   * writes on baas.
   */
  override async findOperation(kind: OperationKind, reference: string, w: WriteRequest): Promise<Operation | null> {
    if (kind !== OperationKind.TOP_UP && kind !== OperationKind.TRANSFER) {
      throw unsupported(
        this.key,
        kind === OperationKind.CARD_ISSUE ? 'looking up an issued card (BAAS cards carry no reference)' : `looking up a ${kind} by reference`,
      );
    }
    const answer = await this.client.page(
      { method: 'GET', path: '/cards/transactions', query: { reference, page: 1, limit: REFERENCE_PAGE }, kind: 'read', name: 'findTransactions' },
      w.cx,
    );
    const withReference = answer.items.filter((raw) => upstreamObject('baas', 'transaction', raw).optString('reference') === reference);
    if (withReference.length === 0 && answer.items.length > 0) {
      throw new GatewayError(
        ErrorCode.UPSTREAM_ERROR,
        'BAAS answered a look-up by reference with other references only; whether the write exists is not known',
        { provider: 'baas' },
      );
    }
    const recorded = withReference.filter((raw) => upstreamObject('baas', 'transaction', raw).optString('kind') === RECORDING_KIND[kind]);
    if (recorded.length === 0) return null;
    if (recorded.length > 1) {
      // Nothing upstream refuses a second copy; say so loudly, and answer the first.
      w.cx.log.error({ provider: this.key, kind, reference, copies: recorded.length }, 'a write reached BAAS more than once');
    }
    // Newest first: the last is the first copy.
    const first = mapMoneyOperation(recorded[recorded.length - 1], kind, 'transaction');
    return recorded.length > 1 ? { ...first, copies: recorded.length } : first;
  }

  /**
   * A write's POST. Once baas has answered 2xx the write has happened, so an answer that cannot
   * be read (not JSON, no envelope, an error envelope under 2xx, a malformed object) is
   * OUTCOME_UNKNOWN, to reconcile by reference, never a failure.
   */
  private post<T>(path: string, body: object, name: string, w: WriteRequest, map: (raw: unknown) => T): Promise<T> {
    const spec: RequestSpec = { method: 'POST', path, body, kind: 'write', name };
    return acceptedWrite(() => this.client.data(spec, w.cx), map);
  }

  /** One object; null when baas has no such id in this Program (its 404). */
  private getOne<T>(path: string, name: string, map: (raw: unknown) => T, cx: CallContext): Promise<T | null> {
    return nullIfNotFound(this.client.data({ method: 'GET', path, kind: 'read', name }, cx).then(map));
  }

  private list<T>(path: string, query: Query, page: PageRequest, name: string, map: (raw: unknown) => T, cx: CallContext): Promise<Page<T>> {
    return readOffsetWindow(offsetFromToken(page.after), page.limit, async (pageNumber, size) => {
      // Object.assign, not `{ ...query, more }`: V8 (Node 20) builds that on a slow path (issue 14).
      const answer = await this.client.page({ method: 'GET', path, query: Object.assign({}, query, { page: pageNumber, limit: size }), kind: 'read', name }, cx);
      return { items: answer.items.map(map), total: answer.total };
    });
  }
}

