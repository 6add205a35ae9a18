/**
 * The mutations' orchestration: ids decoded and checked against the viewer's tenant, input
 * validated, the provider's capability checked — all before anything is recorded or sent —
 * then creates and money movements run through the exactly-once engine (mutations.ts), and
 * card state changes (idempotent by nature) straight to the provider, audited.
 */
import { Capability, type CardProvider } from '../../providers/provider.js';
import {
  CardAction,
  OperationKind,
  type IssuedCard,
  type NewCardholder,
  type Operation,
  type PushPull,
  type Transfer,
} from '../../core/writes.js';
import { auditBuilder, type AuditTrail } from '../audit.js';
import { badInput, ErrorCode, GatewayError, notFound } from '../../core/errors.js';
import { decodeGlobalId, encodeGlobalId, type NodeType } from '../../core/global-id.js';
import { CardStatus, CardType, reviveDates, type Card, type Cardholder } from '../../core/model.js';
import type { MutationSpec, Mutations } from './mutations.js';
import type { ProviderKey } from '../../core/provider-key.js';
import type { TenantScope } from '../tenant-scope.js';
import * as check from './validation.js';
import type { LiveWrites, Touched } from '../live/live-writes.js';

export type WriteScope = TenantScope;

export interface CreateCardholderArgs {
  provider: ProviderKey;
  firstName: string;
  lastName: string;
  email: string;
  phone?: string | null;
  dateOfBirth?: string | null;
  address?: { line1: string; city: string; postalCode: string; country: string } | null;
}

export interface MoneyArgs {
  amount: string;
  currency: string;
}

/** Dates survive the idempotency store as ISO strings; `createdAt` is the only one. */
const revive = reviveDates;

/** The JSON-safe form a result is stored in. */
export const plain = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

const asOperation = (operation: Operation): Operation => operation;

/**
 * The mutations whose writes can be found again by reference, and their answer from what was
 * found: the reconciliation sweep and `npm run reconcile` settle records with it, knowing only
 * the record's mutation name.
 */
export interface Reconcilable {
  kind: OperationKind;
  fromOperation(operation: Operation): unknown;
}

export const RECONCILABLE = {
  issueCard: { kind: OperationKind.CARD_ISSUE, fromOperation: (operation: Operation): IssuedCard => ({ card: null, operation }) },
  topUpCard: { kind: OperationKind.TOP_UP, fromOperation: asOperation },
  transferFunds: { kind: OperationKind.TRANSFER, fromOperation: asOperation },
  pushToCard: { kind: OperationKind.PUSH, fromOperation: asOperation },
  pullFromCard: { kind: OperationKind.PULL, fromOperation: asOperation },
} satisfies Record<string, Reconcilable>;

/** The look-up of a recorded mutation, by its name; undefined for one that cannot be found again. */
export function reconcilable(mutation: string): Reconcilable | undefined {
  return Object.hasOwn(RECONCILABLE, mutation) ? RECONCILABLE[mutation as keyof typeof RECONCILABLE] : undefined;
}

/** States from which a card can no longer be frozen or unfrozen. */
const TERMINAL = new Set([CardStatus.LOST, CardStatus.STOLEN, CardStatus.CLOSED, CardStatus.EXPIRED]);

const ACTION_CAPABILITY: Record<CardAction, Capability> = {
  FREEZE: Capability.CARD_FREEZE,
  UNFREEZE: Capability.CARD_FREEZE,
  REPORT_LOST: Capability.CARD_REPORT,
  REPORT_STOLEN: Capability.CARD_REPORT,
  CLOSE: Capability.CARD_CLOSE,
};

export class CardWrites {
  constructor(
    private readonly mutations: Mutations,
    private readonly audit: AuditTrail,
    private readonly live: LiveWrites,
  ) {}

  async createCardholder(scope: WriteScope, args: CreateCardholderArgs, key: string): Promise<Cardholder> {
    if (!scope.registry.has(args.provider)) throw badInput(`provider ${args.provider.toUpperCase()} is not available to you`);
    const provider = scope.registry.require(args.provider, Capability.CARDHOLDER_CREATE, 'creating cardholders');
    const input: NewCardholder = {
      firstName: check.text('input.firstName', args.firstName),
      lastName: check.text('input.lastName', args.lastName),
      email: check.email('input.email', args.email),
      phone: check.phone('input.phone', args.phone),
      dateOfBirth: check.pastDate('input.dateOfBirth', args.dateOfBirth),
      address: args.address
        ? {
            line1: check.text('input.address.line1', args.address.line1, 200),
            city: check.text('input.address.city', args.address.city),
            postalCode: check.text('input.address.postalCode', args.address.postalCode, 20),
            country: check.country('input.address.country', args.address.country),
          }
        : null,
    };
    return this.mutations.execute(scope, key, {
      ...this.codec<Cardholder>(),
      name: 'createCardholder',
      provider,
      input,
      target: `provider:${provider.key}`,
      kind: null,
      run: (w) => provider.createCardholder(input, w),
      fromOperation: () => {
        throw new GatewayError(ErrorCode.OUTCOME_UNKNOWN, 'A cardholder cannot be reconciled from an operation', { provider: provider.key });
      },
    });
  }

  async issueCard(scope: WriteScope, args: { cardholderId: string; walletId?: string | null; type: CardType }, key: string): Promise<IssuedCard> {
    const holder = this.ref(scope, args.cardholderId, 'Cardholder');
    const wallet = args.walletId ? this.ref(scope, args.walletId, 'Wallet') : null;
    if (wallet && wallet.provider !== holder.provider) throw badInput('input.walletId belongs to another provider than input.cardholderId');
    const provider = scope.registry.require(holder.provider, Capability.CARD_ISSUE, 'issuing cards');
    const input = { cardholderRef: holder.ref, walletRef: wallet?.ref ?? null, type: args.type };
    const issued = await this.mutations.execute(scope, key, {
      ...this.codec<IssuedCard>(),
      name: 'issueCard',
      provider,
      input,
      target: args.cardholderId,
      ...RECONCILABLE.issueCard,
      run: (w) => provider.issueCard(input, w),
    });
    if (issued.operation) await this.live.operationAnswered(scope, issued.operation, { cards: [], wallets: [input.walletRef] });
    return issued;
  }

  async changeCardState(scope: WriteScope, cardId: string, action: CardAction, reason: string | null | undefined): Promise<Card> {
    const { provider: key, ref } = this.ref(scope, cardId, 'Card');
    const cleanReason = check.optionalText('reason', reason);
    const provider = scope.registry.require(key, ACTION_CAPABILITY[action], `the card action ${action}`);
    const card = await this.existingCard(scope, cardId, { provider: key, ref });
    if ((action === CardAction.FREEZE || action === CardAction.UNFREEZE) && TERMINAL.has(card.status)) {
      throw new GatewayError(ErrorCode.INVALID_STATE, `The card is ${card.status.toLowerCase()}: it can no longer be ${action === CardAction.FREEZE ? 'frozen' : 'unfrozen'}`, { provider: key });
    }
    const entry = auditBuilder(scope, { action: `mutation.${action.toLowerCase()}Card`, target: cardId, provider: key });
    try {
      const updated = await provider.changeCardState(ref, action, cleanReason, scope.cx);
      await this.audit.record(entry('SUCCEEDED'));
      scope.loaders.card.clear({ provider: key, ref });
      await this.live.cardChanged(updated);
      return updated;
    } catch (error) {
      const typed = error instanceof GatewayError ? error : undefined;
      await this.audit.record(entry(typed?.code === ErrorCode.OUTCOME_UNKNOWN ? 'OUTCOME_UNKNOWN' : 'FAILED', { code: typed?.code, upstreamRequestId: typed?.upstream?.requestId }));
      throw error;
    }
  }

  async topUpCard(scope: WriteScope, args: { cardId: string; fundingWalletId?: string | null } & MoneyArgs, key: string): Promise<Operation> {
    const card = this.ref(scope, args.cardId, 'Card');
    const funding = args.fundingWalletId ? this.ref(scope, args.fundingWalletId, 'Wallet') : null;
    if (funding && funding.provider !== card.provider) throw badInput('input.fundingWalletId belongs to another provider than input.cardId');
    const amount = check.money('input', args.amount, args.currency);
    const provider = scope.registry.require(card.provider, Capability.CARD_TOP_UP, 'topping up cards');
    await this.existingCard(scope, args.cardId, card);
    if (funding) await this.walletHolds(scope, 'input.fundingWalletId', args.fundingWalletId!, funding, amount.currency);
    const input = { cardRef: card.ref, amount, fundingWalletRef: funding?.ref ?? null };
    return this.money(scope, key, provider, 'topUpCard', OperationKind.TOP_UP, args.cardId, input, (w) => provider.topUpCard(input, w), {
      cards: [card.ref],
      wallets: [input.fundingWalletRef],
    });
  }

  async transferFunds(scope: WriteScope, args: { fromWalletId: string; toWalletId?: string | null; toCardId?: string | null } & MoneyArgs, key: string): Promise<Operation> {
    if (!args.toWalletId === !args.toCardId) throw badInput('Give exactly one of input.toWalletId and input.toCardId');
    const from = this.ref(scope, args.fromWalletId, 'Wallet');
    const to = args.toWalletId ? this.ref(scope, args.toWalletId, 'Wallet') : this.ref(scope, args.toCardId!, 'Card');
    if (to.provider !== from.provider) throw badInput('Money cannot move between providers: the destination belongs to another provider');
    if (args.toWalletId && to.ref === from.ref) throw badInput('input.toWalletId is the same wallet as input.fromWalletId');
    const amount = check.money('input', args.amount, args.currency);
    const provider = scope.registry.require(from.provider, Capability.FUNDS_TRANSFER, 'transferring funds');
    await this.walletHolds(scope, 'input.fromWalletId', args.fromWalletId, from, amount.currency);
    const input: Transfer = { fromWalletRef: from.ref, toWalletRef: args.toWalletId ? to.ref : null, toCardRef: args.toCardId ? to.ref : null, amount };
    return this.money(scope, key, provider, 'transferFunds', OperationKind.TRANSFER, args.fromWalletId, input, (w) => provider.transferFunds(input, w), {
      cards: [input.toCardRef],
      wallets: [input.fromWalletRef, input.toWalletRef],
    });
  }

  async pushPull(scope: WriteScope, direction: PushPull['direction'], args: { cardId: string } & MoneyArgs, key: string): Promise<Operation> {
    const card = this.ref(scope, args.cardId, 'Card');
    const amount = check.money('input', args.amount, args.currency);
    const provider = scope.registry.require(card.provider, Capability.CARD_PUSH_PULL, `${direction === 'PUSH' ? 'pushing to' : 'pulling from'} cards`);
    // Read first: a card pushpull does not have is NOT_FOUND before anything is recorded, and
    // the read counts towards the request's look-ups that can 404 (aliased writes to unknown
    // cards cannot open pushpull's error-burst guard for everyone).
    await this.existingCard(scope, args.cardId, card);
    const input: PushPull = { cardRef: card.ref, direction, amount };
    const name = direction === 'PUSH' ? 'pushToCard' : 'pullFromCard';
    const kind = direction === 'PUSH' ? OperationKind.PUSH : OperationKind.PULL;
    return this.money(scope, key, provider, name, kind, args.cardId, input, (w) => provider.pushPull(input, w), { cards: [card.ref], wallets: [] });
  }

  private async money(
    scope: WriteScope,
    key: string,
    provider: CardProvider,
    name: string,
    kind: OperationKind,
    target: string,
    input: unknown,
    run: MutationSpec<Operation>['run'],
    touched: Touched,
  ): Promise<Operation> {
    const operation = await this.mutations.execute(scope, key, { ...this.codec<Operation>(), name, provider, input, target, kind, run, fromOperation: asOperation });
    await this.live.operationAnswered(scope, operation, touched);
    return operation;
  }

  /**
   * The card a write names, read through the request's loader before anything is recorded or
   * sent: NOT_FOUND when the provider has no such card for the id's owner (a forged composite
   * id — another user's card under this user's id — answers like a card that does not exist,
   * see loaders.ts), so no write reaches the provider for it.
   */
  private async existingCard(scope: WriteScope, cardId: string, key: { provider: ProviderKey; ref: string }): Promise<Card> {
    const card = await scope.loaders.card.load(key);
    if (!card) throw notFound(`Card ${cardId}`, key.provider);
    return card;
  }

  /**
   * Money moved from a wallet must be in the wallet's currency: refused here, naming the field
   * and the wallet's currency, before anything is recorded or written (the one upstream call is
   * the wallet read, through the request's loader) rather than as the provider's generic
   * validation error after the write was sent.
   */
  private async walletHolds(scope: WriteScope, field: string, walletId: string, wallet: { provider: ProviderKey; ref: string }, currency: string): Promise<void> {
    if (!scope.registry.get(wallet.provider).capabilities.has(Capability.WALLET_READ)) return;
    const found = await scope.loaders.wallet.load(wallet);
    if (!found) throw notFound(`Wallet ${walletId}`, wallet.provider);
    const held = found.currency.toUpperCase();
    if (held !== currency) throw badInput(`input.currency is ${currency} but ${field} is a ${held} wallet: send the amount in ${held}`);
  }

  /** A global id of the viewer's tenant; another tenant's answers like one that does not exist. */
  private ref(scope: WriteScope, id: string, type: NodeType): { provider: ProviderKey; ref: string } {
    const decoded = decodeGlobalId(id, type);
    if (!scope.registry.has(decoded.provider)) throw notFound(`${type} ${encodeGlobalId(decoded.provider, type, decoded.ref)}`, decoded.provider);
    return decoded;
  }

  private codec<T>(): Pick<MutationSpec<T>, 'serialize' | 'deserialize'> {
    return { serialize: plain, deserialize: (stored) => revive<T>(stored) };
  }
}
