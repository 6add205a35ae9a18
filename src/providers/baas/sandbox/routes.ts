/**
 * baas's HTTP routes, speaking shared/providers/baas.md: the documented envelope, the 400
 * and 422 validation answers, page/limit lists, and the card, wallet, cardholder and OTP
 * endpoints (see index.ts for the choices where the contract is silent).
 */
import { formatCents, toCents } from '../../../sandbox/money.js';
import { AnswerError, answeringErrors, raise, type SyncHandler } from '../../../sandbox/answers.js';
import { readJsonObject, type JsonObject } from '../../../sandbox/body.js';
import { integerParam, newestFirstBy, pageOf } from '../../../sandbox/paging.js';
import type { Route, SandboxRequest, SandboxResponse } from '../../../sandbox/server.js';
import {
  AMOUNT,
  BAAS_DEFAULT_LIMIT,
  BAAS_MAX_LIMIT,
  type BaasAddress,
  type BaasBlockReason,
  type BaasCard,
  type BaasCardholder,
  type BaasCardType,
  type BaasOtpListener,
  BaasStore,
  type BaasTransaction,
  type BaasTransfer,
  type BaasWallet,
  type BaasWalletRecord,
  COMPLIANCE_STATUSES,
  INSUFFICIENT_FUNDS_MESSAGE,
  LOCKED_FIELDS,
  LOCKING_STATUSES,
  MAX_DEPOSIT_CENTS,
  SUPPORTED_CURRENCIES,
} from './store.js';

// ---------------------------------------------------------------------------------------
// Errors: thrown anywhere in a handler, sent as the documented error envelope.

export interface FieldError {
  field: string;
  message: string;
}

class BaasHttpError extends AnswerError {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
  }

  toResponse(): SandboxResponse {
    return { status: this.status, body: errorBody(this.message, this.code, this.errors) };
  }
}

export function errorBody(message: string, code?: string, errors?: FieldError[]): Record<string, unknown> {
  const body: Record<string, unknown> = { status: 'error', message };
  if (code) body.code = code;
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

const notFound = (what: string): BaasHttpError => new BaasHttpError(404, `${what} not found`);
const malformed = (message: string): BaasHttpError => new BaasHttpError(400, message);
const conflict = (message: string): BaasHttpError => new BaasHttpError(409, message);
const insufficientFunds = (): BaasHttpError => new BaasHttpError(422, INSUFFICIENT_FUNDS_MESSAGE, 'insufficient_funds');
const invalidField = (field: string, message: string): BaasHttpError =>
  new BaasHttpError(422, 'Validation failed', 'validation_error', [{ field, message }]);

function ok(data: unknown): SandboxResponse {
  // A copy: later writes to the store must not change an answer already built.
  return { status: 200, body: { status: 'success', data: structuredClone(data) } };
}

// ---------------------------------------------------------------------------------------
// Request bodies: 400 for JSON and type problems, 422 for field constraints (all reported).

type Json = JsonObject;

const BODY_PROBLEMS = {
  empty: 'Request body is required',
  malformed: 'Malformed JSON body',
  'not-object': 'Request body must be a JSON object',
} as const;

function readBody(req: SandboxRequest, optional = false): Json {
  const body = readJsonObject(req);
  if (body === 'empty' && optional) return {};
  if (typeof body === 'string') throw malformed(BODY_PROBLEMS[body]);
  return body;
}

interface StringRule {
  required?: boolean;
  maxLength?: number;
  pattern?: RegExp;
  patternMessage?: string;
  oneOf?: readonly string[];
}

/** Collects 422 field errors; wrong JSON types are 400 at once (the doc's "wrong field types"). */
class Validator {
  readonly errors: FieldError[] = [];

  constructor(private readonly body: Json, private readonly prefix = '') {}

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  string(field: string, rule: StringRule = {}): string | undefined {
    const name = this.prefix + field;
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (rule.required) this.fail(name, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') throw malformed(`Field '${name}' must be a string`);
    const trimmed = value.trim();
    if (trimmed === '') {
      if (rule.required) this.fail(name, 'is required');
      return undefined;
    }
    if (rule.maxLength !== undefined && trimmed.length > rule.maxLength) {
      return this.fail(name, `must be at most ${rule.maxLength} characters`);
    }
    if (rule.oneOf && !rule.oneOf.includes(trimmed)) return this.fail(name, `must be one of ${rule.oneOf.join(', ')}`);
    if (rule.pattern && !rule.pattern.test(trimmed)) return this.fail(name, rule.patternMessage ?? 'has an invalid format');
    return trimmed;
  }

  object(field: string, required: boolean): Json | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (required) this.fail(this.prefix + field, 'is required');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) throw malformed(`Field '${this.prefix + field}' must be an object`);
    return value as Json;
  }

  /** A positive amount with at most two decimals, as a decimal string. */
  amount(field: string): bigint | undefined {
    const value = this.string(field, { required: true, pattern: AMOUNT, patternMessage: 'must be a decimal string with at most 2 decimal places' });
    if (value === undefined) return undefined;
    const cents = toCents(value);
    if (cents <= 0n) return this.fail(field, 'must be greater than 0');
    return cents;
  }

  fail(field: string, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }

  /** Throws the 422 when anything failed. */
  done(): void {
    if (this.errors.length > 0) throw new BaasHttpError(422, 'Validation failed', 'validation_error', this.errors);
  }
}

const NAME = { maxLength: 50 };
const EMAIL = { maxLength: 254, pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, patternMessage: 'must be a valid email address' };
const PHONE = { pattern: /^\+[1-9]\d{6,14}$/, patternMessage: 'must be in E.164 format, e.g. +15551234567' };
const DATE = { pattern: /^\d{4}-\d{2}-\d{2}$/, patternMessage: 'must be a date in YYYY-MM-DD format' };
const REFERENCE = { required: true, maxLength: 64, pattern: /^[A-Za-z0-9._:-]+$/, patternMessage: 'may only contain letters, digits and . _ : -' };
const CURRENCY = { required: true, pattern: /^[A-Z]{3}$/, patternMessage: 'must be an ISO 4217 code such as USD' };
const NOTE = { maxLength: 255 };

function checkBirthDate(v: Validator, value: string | undefined, now: number): void {
  if (value === undefined) return;
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    v.fail('dateOfBirth', 'must be a real calendar date');
    return;
  }
  const eighteen = new Date(ms);
  eighteen.setUTCFullYear(eighteen.getUTCFullYear() + 18);
  if (eighteen.getTime() > now) v.fail('dateOfBirth', 'the cardholder must be at least 18 years old');
}

function readAddress(v: Validator, required: boolean, current?: BaasAddress): BaasAddress | undefined {
  const raw = v.object('address', required);
  if (!raw) return undefined;
  const a = new Validator(raw, 'address.');
  // A PATCH may send part of the address: the rest is kept.
  const need = current === undefined;
  const address = {
    line1: a.string('line1', { required: need, maxLength: 100 }) ?? current?.line1,
    city: a.string('city', { required: need, maxLength: 50 }) ?? current?.city,
    postalCode:
      a.string('postalCode', { required: need, maxLength: 16, pattern: /^[A-Za-z0-9 -]+$/, patternMessage: 'may only contain letters, digits, spaces and -' }) ??
      current?.postalCode,
    country: a.string('country', { required: need, pattern: /^[A-Z]{2}$/, patternMessage: 'must be an ISO 3166-1 alpha-2 code such as US' }) ?? current?.country,
  };
  v.errors.push(...a.errors);
  return a.errors.length === 0 ? (address as BaasAddress) : undefined;
}

// ---------------------------------------------------------------------------------------
// Lists: newest first (createdAt, then id), `page` 1-based, `limit` ≤ 100 (default 25).

interface PageQuery {
  page: number;
  limit: number;
}

function readPage(query: URLSearchParams): PageQuery {
  const v = new Validator({});
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const value = integerParam(query.get(name), fallback, min, max);
    if (value !== undefined) return value;
    v.fail(name, max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`);
    return fallback;
  };
  const page = int('page', 1, 1, Number.MAX_SAFE_INTEGER);
  const limit = int('limit', BAAS_DEFAULT_LIMIT, 1, BAAS_MAX_LIMIT);
  v.done();
  return { page, limit };
}

const newestFirst = newestFirstBy((item: { createdAt: string; id: string }) => ({ at: item.createdAt, id: item.id }));

function listAnswer<T extends { createdAt: string; id: string }>(items: Iterable<T>, query: URLSearchParams): SandboxResponse {
  const { page, limit } = readPage(query);
  const ordered = [...items].sort(newestFirst);
  return {
    status: 200,
    body: { status: 'success', data: structuredClone(pageOf(ordered, page, limit)), meta: { page, limit, total: ordered.length } },
  };
}

function queryFilter(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === '' ? undefined : value;
}

// ---------------------------------------------------------------------------------------
// Routes.

function cardholderRoutes(store: BaasStore): Route[] {
  const find = (id: string): BaasCardholder => store.cardholders.get(id) ?? raise(notFound('Cardholder'));
  return [
    {
      method: 'POST',
      pattern: '/cardholders',
      handler: (req) => {
        const v = new Validator(readBody(req));
        const firstName = v.string('firstName', { required: true, ...NAME });
        const lastName = v.string('lastName', { required: true, ...NAME });
        const email = v.string('email', { required: true, ...EMAIL });
        const phone = v.string('phone', { required: true, ...PHONE });
        const dateOfBirth = v.string('dateOfBirth', { required: true, ...DATE });
        checkBirthDate(v, dateOfBirth, store.now());
        const address = readAddress(v, true);
        v.done();
        const cardholder: BaasCardholder = {
          id: store.newId(),
          firstName: firstName!,
          lastName: lastName!,
          email: email!,
          phone: phone!,
          dateOfBirth: dateOfBirth!,
          address: address!,
          complianceStatus: 'draft',
          createdAt: store.nowIso(),
        };
        store.addCardholder(cardholder);
        return ok(cardholder);
      },
    },
    {
      method: 'GET',
      pattern: '/cardholders',
      handler: (req) => {
        const status = queryFilter(req.query, 'complianceStatus');
        if (status !== undefined && !(COMPLIANCE_STATUSES as readonly string[]).includes(status)) {
          throw invalidField('complianceStatus', `must be one of ${COMPLIANCE_STATUSES.join(', ')}`);
        }
        const items = [...store.cardholders.values()].filter((c) => status === undefined || c.complianceStatus === status);
        return listAnswer(items, req.query);
      },
    },
    { method: 'GET', pattern: '/cardholders/:cardholderId', handler: (req) => ok(find(req.params.cardholderId!)) },
    {
      method: 'PATCH',
      pattern: '/cardholders/:cardholderId',
      handler: (req) => {
        const body = readBody(req);
        const cardholder = find(req.params.cardholderId!);
        const v = new Validator(body);
        const editable = new Set(['firstName', 'lastName', 'email', 'phone', 'dateOfBirth', 'address']);
        for (const key of Object.keys(body)) if (!editable.has(key)) v.fail(key, 'is not a field that can be changed');
        const changes: Partial<BaasCardholder> = {};
        const set = <K extends keyof BaasCardholder>(key: K, value: BaasCardholder[K] | undefined) => {
          if (value !== undefined) changes[key] = value;
        };
        set('firstName', v.string('firstName', NAME));
        set('lastName', v.string('lastName', NAME));
        set('email', v.string('email', EMAIL));
        set('phone', v.string('phone', PHONE));
        const dateOfBirth = v.string('dateOfBirth', DATE);
        checkBirthDate(v, dateOfBirth, store.now());
        set('dateOfBirth', dateOfBirth);
        set('address', readAddress(v, false, cardholder.address));
        v.done();
        if (LOCKING_STATUSES.has(cardholder.complianceStatus)) {
          const locked = LOCKED_FIELDS.filter((f) => changes[f] !== undefined && changes[f] !== cardholder[f]);
          if (locked.length > 0) {
            throw conflict(
              `Cannot change ${locked.join(', ')}: firstName, lastName and dateOfBirth are locked while the cardholder's complianceStatus is ${cardholder.complianceStatus}`,
            );
          }
        }
        Object.assign(cardholder, changes);
        return ok(cardholder);
      },
    },
    {
      method: 'POST',
      pattern: '/cardholders/:cardholderId/submit',
      handler: (req) => {
        const cardholder = find(req.params.cardholderId!);
        if (cardholder.complianceStatus !== 'draft') {
          throw conflict(`Only a draft cardholder can be submitted; this one's complianceStatus is ${cardholder.complianceStatus}`);
        }
        cardholder.complianceStatus = 'submitted';
        return ok(cardholder);
      },
    },
  ];
}

function walletRoutes(store: BaasStore): Route[] {
  const find = (id: string): BaasWallet => store.wallet(id) ?? raise(notFound('Wallet'));
  return [
    {
      method: 'POST',
      pattern: '/wallets',
      handler: (req) => {
        const v = new Validator(readBody(req));
        const cardholderId = v.string('cardholderId', { required: true });
        const currency = v.string('currency', CURRENCY);
        if (currency !== undefined && !(SUPPORTED_CURRENCIES as readonly string[]).includes(currency)) {
          v.fail('currency', `must be one of ${SUPPORTED_CURRENCIES.join(', ')}`);
        }
        v.done();
        if (!store.cardholders.has(cardholderId!)) throw notFound('Cardholder');
        const record: BaasWalletRecord = { id: store.newId(), cardholderId: cardholderId!, currency: currency!, createdAt: store.nowIso() };
        store.addWallet(record);
        return ok(store.wallet(record.id));
      },
    },
    {
      method: 'POST',
      pattern: '/wallets/transfer',
      handler: (req) => {
        const v = new Validator(readBody(req));
        const fromWalletId = v.string('fromWalletId', { required: true });
        const toWalletId = v.string('toWalletId', { required: true });
        const cents = v.amount('amount');
        const currency = v.string('currency', CURRENCY);
        const reference = v.string('reference', REFERENCE);
        if (fromWalletId !== undefined && fromWalletId === toWalletId) v.fail('toWalletId', 'must differ from fromWalletId');
        v.done();
        const from = find(fromWalletId!);
        const to = find(toWalletId!);
        if (from.currency !== currency) throw invalidField('currency', `must be the source wallet's currency (${from.currency})`);
        if (to.currency !== currency) throw invalidField('currency', `must be the destination wallet's currency (${to.currency})`);
        if (store.availableCents(from.id) < cents!) throw insufficientFunds();
        const transfer: BaasTransfer = {
          id: store.newId(),
          fromWalletId: from.id,
          toWalletId: to.id,
          amount: formatCents(cents!),
          currency: currency!,
          reference: reference!,
          status: 'settled',
          createdAt: store.nowIso(),
        };
        store.transfers.set(transfer.id, transfer);
        store.postTransfer(transfer);
        return ok(transfer);
      },
    },
    {
      method: 'GET',
      pattern: '/wallets',
      handler: (req) => {
        const cardholderId = queryFilter(req.query, 'cardholderId');
        const ids = [...store.wallets.values()].filter((w) => cardholderId === undefined || w.cardholderId === cardholderId);
        return listAnswer(ids.map((w) => store.wallet(w.id)!), req.query);
      },
    },
    { method: 'GET', pattern: '/wallets/:walletId', handler: (req) => ok(find(req.params.walletId!)) },
    {
      method: 'POST',
      pattern: '/wallets/:walletId/bank-deposit',
      handler: (req) => {
        const body = readBody(req);
        const wallet = find(req.params.walletId!);
        return ok(deposit(store, body, wallet, null));
      },
    },
  ];
}

/** A bank deposit into a wallet (or, through a card, into the card's wallet). */
function deposit(store: BaasStore, body: Json, wallet: BaasWallet, cardId: string | null): BaasTransaction {
  const v = new Validator(body);
  const cents = v.amount('amount');
  const currency = v.string('currency', CURRENCY);
  const reference = v.string('reference', REFERENCE);
  if (cents !== undefined && cents > MAX_DEPOSIT_CENTS) v.fail('amount', `must be at most ${formatCents(MAX_DEPOSIT_CENTS)}`);
  if (currency !== undefined && currency !== wallet.currency) v.fail('currency', `must be the wallet's currency (${wallet.currency})`);
  v.done();
  if (!store.drawProgramFunding(currency!, cents!)) throw insufficientFunds();
  return store.post({
    id: store.newId(),
    cardId,
    walletId: wallet.id,
    kind: 'deposit',
    amount: formatCents(cents!),
    currency: currency!,
    status: 'settled',
    reference: reference!,
    merchantName: null,
    createdAt: store.nowIso(),
  });
}

function cardRoutes(store: BaasStore): Route[] {
  const find = (id: string): BaasCard => store.cards.get(id) ?? raise(notFound('Card'));
  const optionalReason = (req: SandboxRequest) => {
    const v = new Validator(readBody(req, true));
    v.string('reason', NOTE);
    v.done();
  };
  return [
    {
      method: 'POST',
      pattern: '/cards',
      handler: (req) => {
        const v = new Validator(readBody(req));
        const cardholderId = v.string('cardholderId', { required: true });
        const walletId = v.string('walletId', { required: true });
        const type = v.string('type', { required: true, oneOf: ['virtual', 'physical'] });
        v.done();
        const cardholder = store.cardholders.get(cardholderId!) ?? raise(notFound('Cardholder'));
        const wallet = store.wallets.get(walletId!) ?? raise(notFound('Wallet'));
        if (wallet.cardholderId !== cardholder.id) throw invalidField('walletId', 'must be a wallet of the cardholder');
        if (cardholder.complianceStatus !== 'approved') {
          throw new BaasHttpError(
            403,
            `Compliance restriction: cards can only be issued to approved cardholders (complianceStatus is ${cardholder.complianceStatus})`,
          );
        }
        return ok(store.issueCard(cardholder.id, wallet.id, type as BaasCardType));
      },
    },
    {
      method: 'GET',
      pattern: '/cards',
      handler: (req) => {
        const cardholderId = queryFilter(req.query, 'cardholderId');
        const walletId = queryFilter(req.query, 'walletId');
        const items = [...store.cards.values()].filter(
          (c) => (cardholderId === undefined || c.cardholderId === cardholderId) && (walletId === undefined || c.walletId === walletId),
        );
        return listAnswer(items, req.query);
      },
    },
    // Before `/cards/:cardId`, which would otherwise take "transactions" for an id.
    { method: 'GET', pattern: '/cards/transactions', handler: (req) => listTransactions(store, req.query) },
    { method: 'GET', pattern: '/cards/:cardId', handler: (req) => ok(find(req.params.cardId!)) },
    {
      method: 'POST',
      pattern: '/cards/:cardId/freeze',
      handler: (req) => {
        optionalReason(req);
        const card = find(req.params.cardId!);
        // Freezing a frozen card is a harmless repeat.
        if (card.status !== 'active' && card.status !== 'frozen') throw conflict(`A ${describeCard(card)} card cannot be frozen`);
        card.status = 'frozen';
        return ok(card);
      },
    },
    {
      method: 'POST',
      pattern: '/cards/:cardId/unfreeze',
      handler: (req) => {
        optionalReason(req);
        const card = find(req.params.cardId!);
        if (card.status !== 'active' && card.status !== 'frozen') throw conflict(`A ${describeCard(card)} card cannot be unfrozen`);
        card.status = 'active';
        return ok(card);
      },
    },
    {
      method: 'POST',
      pattern: '/cards/:cardId/block',
      handler: (req) => {
        const v = new Validator(readBody(req));
        const reason = v.string('reason', { required: true, oneOf: ['lost', 'stolen', 'fraud'] });
        v.string('note', NOTE);
        v.done();
        const card = find(req.params.cardId!);
        // Blocking is terminal: a blocked card stays blocked with its first reason.
        if (card.status !== 'active' && card.status !== 'frozen') throw conflict(`A ${describeCard(card)} card cannot be blocked`);
        card.status = 'blocked';
        card.blockReason = reason as BaasBlockReason;
        return ok(card);
      },
    },
    {
      method: 'GET',
      pattern: '/cards/:cardId/secure-details',
      handler: (req) => {
        const card = find(req.params.cardId!);
        const secrets = store.secretsOf(card.id)!;
        return ok({ pan: secrets.pan, cvv: secrets.cvv, expiryMonth: card.expiryMonth, expiryYear: card.expiryYear });
      },
    },
    {
      method: 'POST',
      pattern: '/cards/:cardId/bank-deposit',
      handler: (req) => {
        const body = readBody(req);
        const card = find(req.params.cardId!);
        if (card.status === 'blocked' || card.status === 'expired') throw conflict(`A ${describeCard(card)} card cannot receive deposits`);
        return ok(deposit(store, body, store.wallet(card.walletId)!, card.id));
      },
    },
    {
      method: 'POST',
      pattern: '/cards/:cardId/otp-listeners',
      handler: (req) => {
        const card = find(req.params.cardId!);
        const listener = store.openOtpListener(card.id);
        return ok({ token: listener.token, expiresAt: new Date(listener.expiresAt).toISOString() });
      },
    },
  ];
}

function describeCard(card: BaasCard): string {
  return card.status === 'blocked' ? `blocked (${card.blockReason})` : card.status;
}

function listTransactions(store: BaasStore, query: URLSearchParams): SandboxResponse {
  const v = new Validator({});
  const bound = (name: string): string | undefined => {
    const raw = queryFilter(query, name);
    if (raw === undefined) return undefined;
    const ms = Date.parse(raw);
    if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms)) return v.fail(name, 'must be an ISO 8601 date or date-time');
    return new Date(ms).toISOString();
  };
  const from = bound('from');
  const to = bound('to');
  v.done();
  const cardId = queryFilter(query, 'cardId');
  const walletId = queryFilter(query, 'walletId');
  const reference = queryFilter(query, 'reference');
  const items = [...store.transactions.values()].filter(
    (t) =>
      (cardId === undefined || t.cardId === cardId) &&
      (walletId === undefined || t.walletId === walletId) &&
      (reference === undefined || t.reference === reference) &&
      (from === undefined || t.createdAt >= from) &&
      (to === undefined || t.createdAt <= to),
  );
  return listAnswer(items, query);
}

function otpRoutes(store: BaasStore): Route[] {
  const find = (token: string): BaasOtpListener => store.liveOtpListener(token) ?? raise(notFound('OTP listener (expired or unknown token)'));
  return [
    {
      method: 'GET',
      pattern: '/otp/:token',
      handler: (req) => {
        const listener = find(req.params.token!);
        return ok({ otp: listener.otp, receivedAt: listener.receivedAt });
      },
    },
    {
      method: 'DELETE',
      pattern: '/otp/:token',
      handler: (req) => {
        store.otpListeners.delete(find(req.params.token!).token);
        return ok(null);
      },
    },
  ];
}

/** Every route, answering the errors its handler throws with the documented envelope. */
export function baasRoutes(store: BaasStore): Route[] {
  return [...cardholderRoutes(store), ...walletRoutes(store), ...cardRoutes(store), ...otpRoutes(store)].map((r) => ({
    ...r,
    handler: answeringErrors(r.handler as SyncHandler),
  }));
}

