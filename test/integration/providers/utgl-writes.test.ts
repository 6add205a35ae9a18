/**
 * utgl's writes at the provider level, over real HTTP against its simulator: each write does
 * what utgl.md says exactly once (balances move by the exact amount), its documented failures
 * map to the gateway's codes with nothing moved, every POST carries the attempt's
 * Idempotency-Key and the write's reference, and an uncertain outcome is reconciled by
 * reference: found when it happened, absent when it did not, and then resent under a new key.
 */
import { randomUUID } from 'node:crypto';
import { createCallContext, type CallContext } from '../../../src/core/call-context.js';
import { ErrorCode } from '../../../src/core/errors.js';
import { deriveKeys } from '../../../src/gateway/writes/idempotency-keys.js';
import { CardStatus, CardType, KycStatus } from '../../../src/core/model.js';
import { createLogger } from '../../../src/core/logger.js';
import type { CardProvider } from '../../../src/providers/provider.js';
import type { UtglAccount, UtglCard } from '../../../src/providers/utgl/sandbox/store.js';
import type { UtglStore } from '../../../src/providers/utgl/sandbox/index.js';
import { CardAction, OperationKind, OperationStatus, type WriteRequest } from '../../../src/core/writes.js';
import type { RecordedRequest, SandboxServer } from '../../../src/sandbox/server.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';

const silent = createLogger('silent');
const newCx = (): CallContext => createCallContext('utgl-writes', silent);

/** One logical write (one gateway key) at a given attempt, keyed as the gateway derives them. */
function writeRequest(gatewayKey: string, attempt = 0): WriteRequest {
  return { cx: newCx(), gatewayKey, attempt, ...deriveKeys('acme', gatewayKey, 'utgl', attempt) };
}
const usd = (amount: string) => ({ amount, currency: 'USD' });

describe('utgl writes', () => {
  let gw: TestGateway;
  let utgl: CardProvider;
  beforeAll(async () => {
    gw = await startTestGateway();
    utgl = gw.registry.get('utgl');
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  const store = (): UtglStore => gw.sandboxes.stores.utgl!;
  const server = (): SandboxServer => gw.sandboxes.servers.utgl!;
  const posts = (path: string): RecordedRequest[] => server().requests.filter((r) => r.method === 'POST' && r.path === path);
  const bodyOf = (r: RecordedRequest): Record<string, unknown> => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
  const balance = (account: UtglAccount): string => store().accounts.get(account.id)!.balance;

  /** A fresh cardholder with a USD account holding `funds`, so each test owns its balances. */
  function fundedAccount(funds: string): UtglAccount {
    const holder = store().addCardholder({ first_name: 'Test', last_name: 'Holder', email: 'test.holder@example.com', phone: null, reference: `t-${randomUUID()}` });
    return store().addAccount({ name: 'Test USD wallet', currency: 'USD', cardholder_id: holder.id }, undefined, funds);
  }
  function freshCard(account = fundedAccount('0.00')): UtglCard {
    return store().issueCard({ account_id: account.id, cardholder_id: account.cardholder_id!, reference: `t-${randomUUID()}`, type: 'virtual' });
  }
  /** What a money write may change: counted before and after. */
  const counts = () => ({ transfers: store().transfers.size, transactions: store().transactions.size });

  describe('createCardholder', () => {
    it('creates one cardholder under the attempt key, sending the reference and no phone when there is none', async () => {
      const w = writeRequest(randomUUID());
      const before = store().cardholders.size;
      const input = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: null, dateOfBirth: null, address: null };
      const cardholder = await utgl.createCardholder(input, w);

      expect(cardholder).toMatchObject({ provider: 'utgl', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', kycStatus: KycStatus.PENDING });
      expect(store().cardholders.size).toBe(before + 1);
      expect(store().cardholders.get(cardholder.ref)).toMatchObject({ reference: w.reference, phone: null });
      const [sent] = posts('/v1/cardholders');
      expect(sent!.headers['idempotency-key']).toBe(w.attemptKey);
      expect(bodyOf(sent!)).toEqual({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', reference: w.reference });
    });

    it('answers BAD_USER_INPUT for an email utgl refuses, creating nothing', async () => {
      const before = store().cardholders.size;
      const input = { firstName: 'Ada', lastName: 'Lovelace', email: 'not-an-email', phone: '+15550100', dateOfBirth: null, address: null };
      await expect(utgl.createCardholder(input, writeRequest(randomUUID()))).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
        upstream: { status: 400, code: 'INVALID_PARAMETERS' },
      });
      expect(store().cardholders.size).toBe(before);
    });
  });

  describe('issueCard', () => {
    it('issues one card on the account with the reference and the attempt key', async () => {
      const account = fundedAccount('0.00');
      const w = writeRequest(randomUUID());
      const before = store().cards.size;
      const issued = await utgl.issueCard({ cardholderRef: account.cardholder_id!, walletRef: account.id, type: CardType.PHYSICAL }, w);

      expect(issued.operation).toBeNull();
      expect(issued.card).toMatchObject({
        provider: 'utgl',
        cardholderRef: account.cardholder_id,
        walletRef: account.id,
        type: CardType.PHYSICAL,
        status: CardStatus.ACTIVE,
        brand: 'VISA',
      });
      expect(store().cards.size).toBe(before + 1);
      expect(store().cards.get(issued.card!.ref)!.reference).toBe(w.reference);
      const [sent] = posts('/v1/cards');
      expect(sent!.headers['idempotency-key']).toBe(w.attemptKey);
      expect(bodyOf(sent!)).toEqual({ account_id: account.id, cardholder_id: account.cardholder_id, reference: w.reference, type: 'physical' });
    });

    it('requires a wallet, naming walletId, before sending anything', async () => {
      await expect(
        utgl.issueCard({ cardholderRef: 'ch_any', walletRef: null, type: CardType.VIRTUAL }, writeRequest(randomUUID())),
      ).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT, message: expect.stringContaining('walletId') });
      expect(server().count()).toBe(0);
    });

    it('refuses a second card under the same reference with CONFLICT (a resend with a new key)', async () => {
      const account = fundedAccount('0.00');
      const key = randomUUID();
      const input = { cardholderRef: account.cardholder_id!, walletRef: account.id, type: CardType.VIRTUAL };
      await utgl.issueCard(input, writeRequest(key, 0));
      const before = store().cards.size;
      await expect(utgl.issueCard(input, writeRequest(key, 1))).rejects.toMatchObject({
        code: ErrorCode.CONFLICT,
        upstream: { status: 409, code: 'INVALID_PARAMETERS' },
      });
      expect(store().cards.size).toBe(before);
    });

    it('finds an issued card by its reference, and nothing for a reference never used', async () => {
      const account = fundedAccount('0.00');
      const w = writeRequest(randomUUID());
      const issued = await utgl.issueCard({ cardholderRef: account.cardholder_id!, walletRef: account.id, type: CardType.VIRTUAL }, w);

      const found = await utgl.findOperation(OperationKind.CARD_ISSUE, w.reference, w);
      expect(found).toMatchObject({
        provider: 'utgl',
        kind: OperationKind.CARD_ISSUE,
        status: OperationStatus.COMPLETED,
        ref: issued.card!.ref,
        cardRef: issued.card!.ref,
        reference: w.reference,
        amount: null,
      });
      const other = writeRequest(randomUUID());
      await expect(utgl.findOperation(OperationKind.CARD_ISSUE, other.reference, other)).resolves.toBeNull();
      expect(server().requests.filter((r) => r.method === 'GET' && r.path === '/v1/cards').map((r) => r.rawUrl)).toEqual([
        `/v1/cards?reference=${w.reference}`,
        `/v1/cards?reference=${other.reference}`,
      ]);
    });
  });

  describe('changeCardState', () => {
    it('freezes and unfreezes with PATCH, carrying the reason', async () => {
      const card = freshCard();
      const frozen = await utgl.changeCardState(card.id, CardAction.FREEZE, 'travelling', newCx());
      expect(frozen).toMatchObject({ ref: card.id, status: CardStatus.FROZEN, providerStatus: 'frozen' });
      expect(store().cards.get(card.id)!.status).toBe('frozen');
      const active = await utgl.changeCardState(card.id, CardAction.UNFREEZE, null, newCx());
      expect(active.status).toBe(CardStatus.ACTIVE);

      const patches = server().requests.filter((r) => r.method === 'PATCH');
      expect(patches.map((r) => [r.path, bodyOf(r)])).toEqual([
        [`/v1/cards/${card.id}`, { status: 'frozen', reason: 'travelling' }],
        [`/v1/cards/${card.id}`, { status: 'active' }],
      ]);
      expect(patches.every((r) => r.headers['idempotency-key'] === undefined)).toBe(true);
    });

    it.each([
      [CardAction.REPORT_LOST, CardStatus.LOST, 'lost'],
      [CardAction.REPORT_STOLEN, CardStatus.STOLEN, 'stolen'],
      [CardAction.CLOSE, CardStatus.CLOSED, 'closed'],
    ])('%s sets the card %s', async (action, status, upstream) => {
      const card = freshCard();
      await expect(utgl.changeCardState(card.id, action, null, newCx())).resolves.toMatchObject({ status, providerStatus: upstream });
      expect(store().cards.get(card.id)!.status).toBe(upstream);
    });

    it('refuses to unfreeze a lost card with INVALID_STATE, leaving it lost', async () => {
      const card = freshCard();
      await utgl.changeCardState(card.id, CardAction.REPORT_LOST, null, newCx());
      await expect(utgl.changeCardState(card.id, CardAction.UNFREEZE, null, newCx())).rejects.toMatchObject({
        code: ErrorCode.INVALID_STATE,
        provider: 'utgl',
        upstream: { status: 409, code: 'CONFLICT' },
      });
      expect(store().cards.get(card.id)!.status).toBe('lost');
    });

    it('answers NOT_FOUND for a card utgl does not have', async () => {
      await expect(utgl.changeCardState('card_does_not_exist', CardAction.FREEZE, null, newCx())).rejects.toMatchObject({
        code: ErrorCode.NOT_FOUND,
      });
    });
  });

  describe('topUpCard', () => {
    it("moves the exact amount from the funding account to the card's account, once", async () => {
      const funding = fundedAccount('100.00');
      const cardAccount = fundedAccount('5.00');
      const card = freshCard(cardAccount);
      const w = writeRequest(randomUUID());
      const before = counts();

      const op = await utgl.topUpCard({ cardRef: card.id, amount: usd('12.3'), fundingWalletRef: funding.id }, w);

      expect(op).toMatchObject({
        provider: 'utgl',
        kind: OperationKind.TOP_UP,
        status: OperationStatus.COMPLETED,
        providerStatus: 'completed',
        reference: w.reference,
        amount: usd('12.30'),
        cardRef: card.id,
      });
      expect(balance(funding)).toBe('87.70');
      expect(balance(cardAccount)).toBe('17.30');
      expect(counts()).toEqual({ transfers: before.transfers + 1, transactions: before.transactions + 1 });
      const [sent] = posts('/v1/transfers');
      expect(sent!.headers['idempotency-key']).toBe(w.attemptKey);
      // The amount goes in the currency's minor-unit precision.
      expect(bodyOf(sent!)).toEqual({
        source_account_id: funding.id,
        destination_card_id: card.id,
        amount: '12.30',
        currency: 'USD',
        reference: w.reference,
      });
    });

    it('requires a funding wallet, naming fundingWalletId, before sending anything', async () => {
      const card = freshCard();
      await expect(
        utgl.topUpCard({ cardRef: card.id, amount: usd('1.00'), fundingWalletRef: null }, writeRequest(randomUUID())),
      ).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT, message: expect.stringContaining('fundingWalletId') });
      expect(server().count()).toBe(0);
    });

    it('answers INSUFFICIENT_FUNDS when the funding account holds less, moving nothing', async () => {
      const funding = fundedAccount('10.00');
      const cardAccount = fundedAccount('0.00');
      const card = freshCard(cardAccount);
      const before = counts();
      await expect(
        utgl.topUpCard({ cardRef: card.id, amount: usd('10.01'), fundingWalletRef: funding.id }, writeRequest(randomUUID())),
      ).rejects.toMatchObject({ code: ErrorCode.INSUFFICIENT_FUNDS, provider: 'utgl', upstream: { status: 400, code: 'INSUFFICIENT_BALANCE' } });
      expect([balance(funding), balance(cardAccount)]).toEqual(['10.00', '0.00']);
      expect(counts()).toEqual(before);
    });
  });

  describe('transferFunds', () => {
    it('moves the exact amount between two accounts, once', async () => {
      const from = fundedAccount('50.00');
      const to = fundedAccount('1.00');
      const w = writeRequest(randomUUID());
      const before = counts();
      const op = await utgl.transferFunds({ fromWalletRef: from.id, toWalletRef: to.id, toCardRef: null, amount: usd('20.05') }, w);

      expect(op).toMatchObject({ kind: OperationKind.TRANSFER, status: OperationStatus.COMPLETED, amount: usd('20.05'), cardRef: null, reference: w.reference });
      expect([balance(from), balance(to)]).toEqual(['29.95', '21.05']);
      expect(counts()).toEqual({ transfers: before.transfers + 1, transactions: before.transactions + 1 });
      expect(bodyOf(posts('/v1/transfers')[0]!)).toEqual({
        source_account_id: from.id,
        destination_account_id: to.id,
        amount: '20.05',
        currency: 'USD',
        reference: w.reference,
      });
    });

    it("moves money to a card's account when the destination is a card", async () => {
      const from = fundedAccount('50.00');
      const cardAccount = fundedAccount('0.00');
      const card = freshCard(cardAccount);
      const op = await utgl.transferFunds(
        { fromWalletRef: from.id, toWalletRef: null, toCardRef: card.id, amount: usd('7.00') },
        writeRequest(randomUUID()),
      );
      expect(op).toMatchObject({ kind: OperationKind.TRANSFER, cardRef: card.id });
      expect([balance(from), balance(cardAccount)]).toEqual(['43.00', '7.00']);
    });

    it('needs exactly one destination, before sending anything', async () => {
      const w = () => writeRequest(randomUUID());
      await expect(utgl.transferFunds({ fromWalletRef: 'acc_a', toWalletRef: null, toCardRef: null, amount: usd('1.00') }, w())).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
      });
      await expect(utgl.transferFunds({ fromWalletRef: 'acc_a', toWalletRef: 'acc_b', toCardRef: 'card_c', amount: usd('1.00') }, w())).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
      });
      expect(server().count()).toBe(0);
    });

    it('answers INSUFFICIENT_FUNDS above the balance, moving nothing', async () => {
      const from = fundedAccount('3.00');
      const to = fundedAccount('0.00');
      const before = counts();
      await expect(
        utgl.transferFunds({ fromWalletRef: from.id, toWalletRef: to.id, toCardRef: null, amount: usd('3.01') }, writeRequest(randomUUID())),
      ).rejects.toMatchObject({ code: ErrorCode.INSUFFICIENT_FUNDS });
      expect([balance(from), balance(to)]).toEqual(['3.00', '0.00']);
      expect(counts()).toEqual(before);
    });
  });

  describe('reading operations', () => {
    it('reads a transfer by id, and null for an id utgl does not have', async () => {
      const from = fundedAccount('5.00');
      const to = fundedAccount('0.00');
      const op = await utgl.transferFunds({ fromWalletRef: from.id, toWalletRef: to.id, toCardRef: null, amount: usd('1.00') }, writeRequest(randomUUID()));
      await expect(utgl.getOperation(op.ref, newCx())).resolves.toEqual(op);
      await expect(utgl.getOperation('tr_does_not_exist', newCx())).resolves.toBeNull();
    });

    it('has no push or pull to look up', async () => {
      const w = writeRequest(randomUUID());
      await expect(utgl.findOperation(OperationKind.PUSH, w.reference, w)).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_BY_PROVIDER });
    });
  });

  describe('reconciling an uncertain transfer', () => {
    it('finds a transfer that happened although its answer was lost, and money moved once', async () => {
      const from = fundedAccount('100.00');
      const to = fundedAccount('0.00');
      const w = writeRequest(randomUUID());
      const input = { fromWalletRef: from.id, toWalletRef: to.id, toCardRef: null, amount: usd('25.00') };
      server().inject({ method: 'POST', path: '/v1/transfers', dropAfterHandling: true, times: 1 });
      const before = counts();

      await expect(utgl.transferFunds(input, w)).rejects.toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, provider: 'utgl' });
      expect(posts('/v1/transfers')).toHaveLength(1); // never resent by the transport

      const found = await utgl.findOperation(OperationKind.TRANSFER, w.reference, w);
      expect(found).toMatchObject({ kind: OperationKind.TRANSFER, status: OperationStatus.COMPLETED, reference: w.reference, amount: usd('25.00') });
      expect([balance(from), balance(to)]).toEqual(['75.00', '25.00']);
      expect(counts()).toEqual({ transfers: before.transfers + 1, transactions: before.transactions + 1 });

      // A resend anyway (a new key) is refused by the unique reference: still moved once.
      await expect(utgl.transferFunds(input, writeRequest(w.gatewayKey, 1))).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
      expect([balance(from), balance(to)]).toEqual(['75.00', '25.00']);
    });

    it('replays the stored result when the same key is sent again after a lost answer', async () => {
      const from = fundedAccount('100.00');
      const to = fundedAccount('0.00');
      const w = writeRequest(randomUUID());
      const input = { fromWalletRef: from.id, toWalletRef: to.id, toCardRef: null, amount: usd('10.00') };
      server().inject({ method: 'POST', path: '/v1/transfers', dropAfterHandling: true, times: 1 });
      await expect(utgl.transferFunds(input, w)).rejects.toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN });

      const replayed = await utgl.transferFunds(input, writeRequest(w.gatewayKey, 0));
      expect(replayed).toEqual(await utgl.findOperation(OperationKind.TRANSFER, w.reference, w));
      expect([balance(from), balance(to)]).toEqual(['90.00', '10.00']);
    });

    it('after a 5xx before anything happened: not found, then resent under a new key, moving money once', async () => {
      const funding = fundedAccount('100.00');
      const cardAccount = fundedAccount('0.00');
      const card = freshCard(cardAccount);
      const key = randomUUID();
      const input = { cardRef: card.id, amount: usd('30.00'), fundingWalletRef: funding.id };
      server().inject({
        method: 'POST',
        path: '/v1/transfers',
        status: 503,
        body: { code: 'SERVICE_UNAVAILABLE', message: 'Service temporarily unavailable' },
        times: 1,
      });
      const first = writeRequest(key, 0);
      await expect(utgl.topUpCard(input, first)).rejects.toMatchObject({
        code: ErrorCode.OUTCOME_UNKNOWN,
        upstream: { status: 503, code: 'SERVICE_UNAVAILABLE' },
      });
      expect([balance(funding), balance(cardAccount)]).toEqual(['100.00', '0.00']);

      await expect(utgl.findOperation(OperationKind.TOP_UP, first.reference, first)).resolves.toBeNull();
      const second = writeRequest(key, 1);
      const op = await utgl.topUpCard(input, second);

      expect(op).toMatchObject({ kind: OperationKind.TOP_UP, status: OperationStatus.COMPLETED, reference: first.reference });
      expect([balance(funding), balance(cardAccount)]).toEqual(['70.00', '30.00']);
      const sent = posts('/v1/transfers');
      expect(sent.map((r) => r.headers['idempotency-key'])).toEqual([first.attemptKey, second.attemptKey]);
      expect(first.attemptKey).not.toBe(second.attemptKey);
      expect(sent.map((r) => bodyOf(r).reference)).toEqual([first.reference, first.reference]);
    });

    it('needs the new key when utgl stored its own 5xx under the first one', async () => {
      const from = fundedAccount('100.00');
      const to = fundedAccount('0.00');
      const key = randomUUID();
      const input = { fromWalletRef: from.id, toWalletRef: to.id, toCardRef: null, amount: usd('40.00') };
      store().failInternally({ method: 'POST', path: '/v1/transfers', status: 503 });
      const first = writeRequest(key, 0);
      await expect(utgl.transferFunds(input, first)).rejects.toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN });

      // The same key replays the stored 503 without trying again: a resend must use a new one.
      await expect(utgl.transferFunds(input, writeRequest(key, 0))).rejects.toMatchObject({
        code: ErrorCode.OUTCOME_UNKNOWN,
        upstream: { status: 503 },
      });
      await expect(utgl.findOperation(OperationKind.TRANSFER, first.reference, first)).resolves.toBeNull();
      await expect(utgl.transferFunds(input, writeRequest(key, 1))).resolves.toMatchObject({ status: OperationStatus.COMPLETED });
      expect([balance(from), balance(to)]).toEqual(['60.00', '40.00']);
    });

    it('looks a lost card issuance up by reference', async () => {
      const account = fundedAccount('0.00');
      const w = writeRequest(randomUUID());
      server().inject({ method: 'POST', path: '/v1/cards', dropAfterHandling: true, times: 1 });
      const before = store().cards.size;
      await expect(
        utgl.issueCard({ cardholderRef: account.cardholder_id!, walletRef: account.id, type: CardType.VIRTUAL }, w),
      ).rejects.toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN });
      expect(store().cards.size).toBe(before + 1);
      const found = await utgl.findOperation(OperationKind.CARD_ISSUE, w.reference, w);
      expect(found).toMatchObject({ kind: OperationKind.CARD_ISSUE, status: OperationStatus.COMPLETED, cardRef: store().cardByReference(w.reference)!.id });
    });
  });
});
