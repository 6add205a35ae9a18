/**
 * utgl's unified operations. Reads are plain GETs; cards are fetched in batches through
 * `GET /v1/cards?ids=` (≤100 per call). Lists page with `limit`/`starting_after`, so an item's
 * resume token is simply its id.
 *
 * Writes (utgl.md, "Transport and authentication"): every POST carries the write's
 * `attemptKey` as its Idempotency-Key and its stable `reference`. utgl replays a key's stored
 * *result* (a 5xx included), so a resend after a received 5xx needs a new key, and it may only
 * follow a look-up by reference (`findOperation`) that found nothing: the gateway does both,
 * bumping `attempt` and so the key. Transfers and cards refuse a reused reference (409,
 * CONFLICT), so even a resend racing a slow first copy cannot write twice. The transport never
 * resends a write itself; a 5xx or an unanswered request is OUTCOME_UNKNOWN.
 */
import { ErrorCode, GatewayError, nullIfNotFound, unsupported } from '../../core/errors.js';
import type { CallContext } from '../../core/call-context.js';
import { toDecimalAmount, type Money } from '../../core/money.js';
import { CardType, type Card, type Cardholder, type Transaction, type Wallet } from '../../core/model.js';
import { upstreamObject } from '../transport/upstream-shape.js';
import { BaseProvider, Capability } from '../provider.js';
import { type CardFilter, type Found, type Page, type PageRequest, type TransactionFilter, type WalletFilter } from '../../core/page.js';
import { type CardSecrets } from '../../core/model.js';
import { acceptedWrite } from '../transport/accepted-write.js';
import type { RequestSpec } from '../transport/http.js';
import {
  CardAction,
  completedIssuance,
  OperationKind,
  type IssuedCard,
  type NewCard,
  type NewCardholder,
  type Operation,
  type TopUp,
  type Transfer,
  type WriteRequest,
} from '../../core/writes.js';
import { UtglClient, type UtglClientOptions } from './client.js';
import {
  mapAccount,
  mapCard,
  mapCardSecrets,
  mapCardholder,
  mapTransaction,
  mapTransfer,
  
} from './mapping.js';
import { UTGL_MAX_BATCH_IDS, type UtglCardType, type UtglSettableCardStatus } from './contract.js';

const id = (ref: string): string => encodeURIComponent(ref);

/** The card status each action sets (`PATCH /v1/cards/{id}`). */
const ACTION_STATUS = {
  [CardAction.FREEZE]: 'frozen',
  [CardAction.UNFREEZE]: 'active',
  [CardAction.REPORT_LOST]: 'lost',
  [CardAction.REPORT_STOLEN]: 'stolen',
  [CardAction.CLOSE]: 'closed',
} as const satisfies Record<CardAction, UtglSettableCardStatus>;

const CARD_TYPE = { [CardType.VIRTUAL]: 'virtual', [CardType.PHYSICAL]: 'physical' } as const satisfies Partial<Record<CardType, UtglCardType>>;

/** A request the gateway can fix by changing its input, naming the input field. */
function missingInput(field: string, message: string): GatewayError {
  return new GatewayError(ErrorCode.BAD_USER_INPUT, message, { provider: 'utgl', details: { fields: [field] } });
}

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
    Capability.CARDHOLDER_CREATE,
    Capability.CARD_ISSUE,
    Capability.CARD_FREEZE,
    Capability.CARD_REPORT,
    Capability.CARD_CLOSE,
    Capability.CARD_TOP_UP,
    Capability.FUNDS_TRANSFER,
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
    for (let i = 0; i < refs.length; i += UTGL_MAX_BATCH_IDS) {
      const chunk = refs.slice(i, i + UTGL_MAX_BATCH_IDS);
      const body = await this.client.request(
        { method: 'GET', path: '/v1/cards', query: { ids: chunk.join(',') }, kind: 'read', name: 'getCards' },
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
    return wallets.map((w) => (w instanceof GatewayError ? w : (w?.balance ?? null)));
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

  /** `POST /v1/cardholders`; utgl has no look-up of a cardholder by reference. */
  override createCardholder(input: NewCardholder, w: WriteRequest): Promise<Cardholder> {
    const body = {
      first_name: input.firstName,
      last_name: input.lastName,
      email: input.email,
      phone: input.phone ?? undefined,
      reference: w.reference,
    };
    return this.post('/v1/cardholders', body, 'createCardholder', w, mapCardholder);
  }

  /** `POST /v1/cards`: a utgl card always draws on an account, so the wallet is required. */
  override async issueCard(input: NewCard, w: WriteRequest): Promise<IssuedCard> {
    if (!input.walletRef) throw missingInput('walletId', 'UTGL issues every card on an account: walletId is required');
    if (input.type === CardType.UNKNOWN) throw missingInput('type', 'type must be VIRTUAL or PHYSICAL');
    const body = {
      account_id: input.walletRef,
      cardholder_id: input.cardholderRef,
      reference: w.reference,
      type: CARD_TYPE[input.type],
    };
    const card = await this.post('/v1/cards', body, 'createCard', w, mapCard);
    return { card, operation: null };
  }

  /** `PATCH /v1/cards/{id}`; from a terminal status (lost, stolen, closed, expired) utgl answers 409: INVALID_STATE. */
  override async changeCardState(cardRef: string, action: CardAction, reason: string | null, cx: CallContext): Promise<Card> {
    const status = ACTION_STATUS[action];
    if (!status) throw missingInput('action', `Unknown card action ${String(action)}`);
    const raw = await this.client.request(
      {
        method: 'PATCH',
        path: `/v1/cards/${id(cardRef)}`,
        body: { status, reason: reason || undefined },
        kind: 'write',
        name: 'updateCardStatus',
      },
      cx,
    );
    return mapCard(raw);
  }

  /** `POST /v1/transfers` from the funding account to the card (its account is credited). */
  override async topUpCard(input: TopUp, w: WriteRequest): Promise<Operation> {
    if (!input.fundingWalletRef) {
      throw missingInput('fundingWalletId', 'UTGL funds a card from an account: fundingWalletId is required');
    }
    const body = {
      source_account_id: input.fundingWalletRef,
      destination_card_id: input.cardRef,
      amount: toDecimalAmount(input.amount),
      currency: input.amount.currency.toUpperCase(),
      reference: w.reference,
    };
    return this.post('/v1/transfers', body, 'createTransfer', w, (raw) => mapTransfer(raw, OperationKind.TOP_UP));
  }

  /** `POST /v1/transfers` to an account or to a card (exactly one). */
  override async transferFunds(input: Transfer, w: WriteRequest): Promise<Operation> {
    if ((input.toWalletRef === null) === (input.toCardRef === null)) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'A transfer goes to exactly one of toWalletId or toCardId', {
        provider: 'utgl',
        details: { fields: ['toWalletId', 'toCardId'] },
      });
    }
    const body = {
      source_account_id: input.fromWalletRef,
      ...(input.toWalletRef !== null ? { destination_account_id: input.toWalletRef } : { destination_card_id: input.toCardRef }),
      amount: toDecimalAmount(input.amount),
      currency: input.amount.currency.toUpperCase(),
      reference: w.reference,
    };
    return this.post('/v1/transfers', body, 'createTransfer', w, (raw) => mapTransfer(raw, OperationKind.TRANSFER));
  }

  /** `GET /v1/transfers/{id}`: a top-up or transfer, to follow a pending one. */
  override async getOperation(ref: string, cx: CallContext): Promise<Operation | null> {
    if (!ref) return null;
    return this.getOne(`/v1/transfers/${id(ref)}`, 'getTransfer', (raw) => mapTransfer(raw), cx);
  }

  /**
   * A write by its reference: transfers through `GET /v1/transfers?reference=`, issued cards
   * through `GET /v1/cards?reference=` (each 0 or 1 item). An empty answer is utgl saying it
   * has no such write; an answer holding only other references (a filter the server ignored)
   * proves nothing, and is an error rather than a null that would let the write be resent.
   */
  override async findOperation(kind: OperationKind, reference: string, w: WriteRequest): Promise<Operation | null> {
    switch (kind) {
      case OperationKind.TOP_UP:
      case OperationKind.TRANSFER: {
        const raw = await this.findByReference('/v1/transfers', reference, 'findTransfer', w.cx);
        return raw === null ? null : mapTransfer(raw, kind);
      }
      case OperationKind.CARD_ISSUE: {
        const raw = await this.findByReference('/v1/cards', reference, 'findCard', w.cx);
        return raw === null ? null : completedIssuance(mapCard(raw), reference);
      }
      case OperationKind.PUSH:
      case OperationKind.PULL:
        throw unsupported(this.key, `looking up a ${kind} by reference`);
      default:
        return assertNever(kind);
    }
  }

  /**
   * A POST under the attempt's key. Once utgl has answered 2xx the write has happened, so an
   * answer that cannot be read is OUTCOME_UNKNOWN (to reconcile by reference), not a failure.
   */
  private post<T>(path: string, body: object, name: string, w: WriteRequest, map: (raw: unknown) => T): Promise<T> {
    const spec: RequestSpec = { method: 'POST', path, body, headers: { 'idempotency-key': w.attemptKey }, kind: 'write', name };
    return acceptedWrite(() => this.client.request(spec, w.cx), map);
  }

  private async findByReference(path: string, reference: string, name: string, cx: CallContext): Promise<unknown> {
    const body = await this.client.request({ method: 'GET', path, query: { reference }, kind: 'read', name }, cx);
    const items = upstreamObject('utgl', `${name} answer`, body).array('data');
    const match = items.find((raw) => upstreamObject('utgl', `${name} item`, raw).optString('reference') === reference);
    if (match !== undefined) return match;
    if (items.length === 0) return null;
    throw new GatewayError(
      ErrorCode.UPSTREAM_ERROR,
      `UTGL answered a look-up by reference with other references only; whether the write exists is not known`,
      { provider: 'utgl' },
    );
  }

  private getOne<T>(path: string, name: string, map: (raw: unknown) => T, cx: CallContext): Promise<T | null> {
    return nullIfNotFound(this.client.request({ method: 'GET', path, kind: 'read', name }, cx).then(map));
  }

  private async list<T extends { ref: string }>(
    path: string,
    query: Record<string, string | undefined>,
    page: PageRequest,
    name: string,
    map: (raw: unknown) => T,
    cx: CallContext,
  ): Promise<Page<T>> {
    // Object.assign, not `{ ...query, more }`: V8 (Node 20) builds that on a slow path (issue 14).
    const body = await this.client.request(
      { method: 'GET', path, query: Object.assign({}, query, { limit: page.limit, starting_after: page.after }), kind: 'read', name },
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


function assertNever(value: never): never {
  throw new Error(`Unhandled value: ${String(value)}`);
}
