/**
 * baas's writes at the provider level, over real HTTP (mutual TLS) against its simulator: each
 * write does what baas.md says exactly once (balances move by the exact amount), its documented
 * failures map to the gateway's codes with nothing moved, and because baas takes no
 * idempotency key, a fund-moving write with an uncertain outcome is reconciled by its
 * reference in `GET /cards/transactions`: found when it happened, absent when it did not.
 */
import { randomUUID } from 'node:crypto';
import { createCallContext, type CallContext } from '../../../src/core/call-context.js';
import { ErrorCode } from '../../../src/core/errors.js';
import { deriveKeys } from '../../../src/gateway/writes/idempotency-keys.js';
import { CardStatus, CardType, KycStatus } from '../../../src/core/model.js';
import { createLogger } from '../../../src/core/logger.js';
import type {
  BaasCard,
  BaasCardholder,
  BaasTransaction,
  BaasWalletRecord,
} from '../../../src/providers/baas/sandbox/store.js';
import type { BaasStore } from '../../../src/providers/baas/sandbox/index.js';
import type { CardProvider } from '../../../src/providers/provider.js';
import { CardAction, OperationKind, OperationStatus, type NewCardholder, type WriteRequest } from '../../../src/core/writes.js';
import type { RecordedRequest, SandboxServer } from '../../../src/sandbox/server.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';

const silent = createLogger('silent');
const newCx = (): CallContext => createCallContext('baas-writes', silent);

function writeRequest(gatewayKey: string, attempt = 0): WriteRequest {
  return { cx: newCx(), gatewayKey, attempt, ...deriveKeys('acme', gatewayKey, 'baas', attempt) };
}
const usd = (amount: string) => ({ amount, currency: 'USD' });

const ADA: NewCardholder = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  phone: '+15551234567',
  dateOfBirth: '1990-12-10',
  address: { line1: '12 Analytical Row', city: 'London', postalCode: 'N1 9GU', country: 'GB' },
};

describe('baas writes', () => {
  let gw: TestGateway;
  let baas: CardProvider;
  beforeAll(async () => {
    gw = await startTestGateway();
    baas = gw.registry.get('baas');
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  const store = (): BaasStore => gw.sandboxes.stores.baas!;
  const server = (): SandboxServer => gw.sandboxes.servers.baas!;
  const sent = (method: string, path: string): RecordedRequest[] => server().requests.filter((r) => r.method === method && r.path === path);
  const bodyOf = (r: RecordedRequest): Record<string, unknown> => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
  const available = (walletId: string): string => store().wallet(walletId)!.availableBalance;
  const withReference = (reference: string): BaasTransaction[] => [...store().transactions.values()].filter((t) => t.reference === reference);

  /** A fresh cardholder in a compliance state, with a USD wallet holding `funds`. */
  function holderWithWallet(funds = '0.00', status: BaasCardholder['complianceStatus'] = 'approved') {
    const s = store();
    const cardholder: BaasCardholder = {
      id: s.newId(),
      ...ADA,
      phone: ADA.phone!,
      dateOfBirth: ADA.dateOfBirth!,
      address: ADA.address!,
      complianceStatus: status,
      createdAt: s.nowIso(),
    };
    s.addCardholder(cardholder);
    const wallet: BaasWalletRecord = { id: s.newId(), cardholderId: cardholder.id, currency: 'USD', createdAt: s.nowIso() };
    s.addWallet(wallet);
    if (funds !== '0.00') {
      s.post({
        id: s.newId(),
        cardId: null,
        walletId: wallet.id,
        kind: 'deposit',
        amount: funds,
        currency: 'USD',
        status: 'settled',
        reference: `SEED-${randomUUID()}`,
        merchantName: null,
        createdAt: s.nowIso(),
      });
    }
    return { cardholder, wallet };
  }
  function freshCard(funds = '0.00'): BaasCard {
    const { cardholder, wallet } = holderWithWallet(funds);
    return store().issueCard(cardholder.id, wallet.id, 'virtual');
  }

  describe('createCardholder', () => {
    it('creates one draft cardholder with every field baas requires', async () => {
      const before = store().cardholders.size;
      const cardholder = await baas.createCardholder(ADA, writeRequest(randomUUID()));

      expect(cardholder).toMatchObject({ provider: 'baas', firstName: 'Ada', lastName: 'Lovelace', kycStatus: KycStatus.NOT_STARTED, providerKycStatus: 'draft' });
      expect(store().cardholders.size).toBe(before + 1);
      expect(store().cardholders.get(cardholder.ref)).toMatchObject({ dateOfBirth: '1990-12-10', address: ADA.address });
      const [request] = sent('POST', '/cardholders');
      expect(bodyOf(request!)).toEqual({ ...ADA });
    });

    it('names every missing field baas requires, before sending anything', async () => {
      const input = { ...ADA, phone: null, dateOfBirth: null, address: null };
      await expect(baas.createCardholder(input, writeRequest(randomUUID()))).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
        message: expect.stringMatching(/phone, dateOfBirth, address/),
        details: { fields: ['phone', 'dateOfBirth', 'address'] },
      });
      const partial = { ...ADA, address: { ...ADA.address!, postalCode: ' ' } };
      await expect(baas.createCardholder(partial, writeRequest(randomUUID()))).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
        details: { fields: ['address.postalCode'] },
      });
      expect(server().count()).toBe(0);
    });
  });

  describe('issueCard', () => {
    it("issues one card on an approved cardholder's wallet", async () => {
      const { cardholder, wallet } = holderWithWallet();
      const before = store().cards.size;
      const issued = await baas.issueCard({ cardholderRef: cardholder.id, walletRef: wallet.id, type: CardType.PHYSICAL }, writeRequest(randomUUID()));

      expect(issued.operation).toBeNull();
      expect(issued.card).toMatchObject({ provider: 'baas', cardholderRef: cardholder.id, walletRef: wallet.id, type: CardType.PHYSICAL, status: CardStatus.ACTIVE });
      expect(store().cards.size).toBe(before + 1);
      expect(bodyOf(sent('POST', '/cards')[0]!)).toEqual({ cardholderId: cardholder.id, walletId: wallet.id, type: 'physical' });
    });

    it('answers INVALID_STATE for a cardholder who is not approved, issuing nothing', async () => {
      const { cardholder, wallet } = holderWithWallet('0.00', 'under_review');
      const before = store().cards.size;
      await expect(
        baas.issueCard({ cardholderRef: cardholder.id, walletRef: wallet.id, type: CardType.VIRTUAL }, writeRequest(randomUUID())),
      ).rejects.toMatchObject({ code: ErrorCode.INVALID_STATE, provider: 'baas', upstream: { status: 403 } });
      expect(store().cards.size).toBe(before);
    });

    it('requires a wallet, naming walletId, before sending anything', async () => {
      await expect(
        baas.issueCard({ cardholderRef: 'any', walletRef: null, type: CardType.VIRTUAL }, writeRequest(randomUUID())),
      ).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT, message: expect.stringContaining('walletId') });
      expect(server().count()).toBe(0);
    });

    it('cannot look an issuance up (baas cards carry no reference), and says so rather than answer null', async () => {
      const w = writeRequest(randomUUID());
      await expect(baas.findOperation(OperationKind.CARD_ISSUE, w.reference, w)).rejects.toMatchObject({
        code: ErrorCode.UNSUPPORTED_BY_PROVIDER,
      });
      await expect(baas.getOperation('any', newCx())).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_BY_PROVIDER });
      expect(server().count()).toBe(0);
    });
  });

  describe('changeCardState', () => {
    it('freezes and unfreezes through their own endpoints', async () => {
      const card = freshCard();
      await expect(baas.changeCardState(card.id, CardAction.FREEZE, 'travelling', newCx())).resolves.toMatchObject({ status: CardStatus.FROZEN });
      expect(store().cards.get(card.id)!.status).toBe('frozen');
      await expect(baas.changeCardState(card.id, CardAction.UNFREEZE, null, newCx())).resolves.toMatchObject({ status: CardStatus.ACTIVE });
      expect(bodyOf(sent('POST', `/cards/${card.id}/freeze`)[0]!)).toEqual({ reason: 'travelling' });
      expect(bodyOf(sent('POST', `/cards/${card.id}/unfreeze`)[0]!)).toEqual({});
    });

    it.each([
      [CardAction.REPORT_LOST, CardStatus.LOST, 'lost'],
      [CardAction.REPORT_STOLEN, CardStatus.STOLEN, 'stolen'],
    ] as const)('%s blocks the card, status %s', async (action, status, reason) => {
      const card = freshCard();
      await expect(baas.changeCardState(card.id, action, 'left on the bus', newCx())).resolves.toMatchObject({ status, providerStatus: `blocked (${reason})` });
      expect(store().cards.get(card.id)).toMatchObject({ status: 'blocked', blockReason: reason });
      expect(bodyOf(sent('POST', `/cards/${card.id}/block`)[0]!)).toEqual({ reason, note: 'left on the bus' });
    });

    it('refuses to unfreeze a lost card with INVALID_STATE, leaving it blocked', async () => {
      const card = freshCard();
      await baas.changeCardState(card.id, CardAction.REPORT_LOST, null, newCx());
      await expect(baas.changeCardState(card.id, CardAction.UNFREEZE, null, newCx())).rejects.toMatchObject({
        code: ErrorCode.INVALID_STATE,
        upstream: { status: 409 },
      });
      expect(store().cards.get(card.id)).toMatchObject({ status: 'blocked', blockReason: 'lost' });
    });

    it('has no CLOSE: UNSUPPORTED_BY_PROVIDER before sending anything', async () => {
      const card = freshCard();
      await expect(baas.changeCardState(card.id, CardAction.CLOSE, null, newCx())).rejects.toMatchObject({
        code: ErrorCode.UNSUPPORTED_BY_PROVIDER,
        provider: 'baas',
      });
      expect(server().count()).toBe(0);
      expect(store().cards.get(card.id)!.status).toBe('active');
    });
  });

  describe('topUpCard', () => {
    it("deposits the exact amount into the card's wallet, once, drawing on the Program's funding", async () => {
      const card = freshCard('5.00');
      const funding = store().programFundingOf('USD');
      const w = writeRequest(randomUUID());
      const op = await baas.topUpCard({ cardRef: card.id, amount: usd('12.3'), fundingWalletRef: null }, w);

      expect(op).toMatchObject({
        provider: 'baas',
        kind: OperationKind.TOP_UP,
        status: OperationStatus.COMPLETED,
        providerStatus: 'settled',
        reference: w.reference,
        amount: usd('12.30'),
        cardRef: card.id,
      });
      expect(available(card.walletId)).toBe('17.30');
      expect(BigInt(funding.replace('.', '')) - BigInt(store().programFundingOf('USD').replace('.', ''))).toBe(1230n);
      expect(withReference(w.reference)).toEqual([expect.objectContaining({ kind: 'deposit', cardId: card.id, amount: '12.30' })]);
      const [request] = sent('POST', `/cards/${card.id}/bank-deposit`);
      expect(bodyOf(request!)).toEqual({ amount: '12.30', currency: 'USD', reference: w.reference });
      expect(request!.headers['idempotency-key']).toBeUndefined();
    });

    it("answers INSUFFICIENT_FUNDS beyond the Program's funding, moving nothing", async () => {
      const card = freshCard('5.00');
      const funding = store().programFundingOf('USD');
      store().setProgramFunding('USD', '10.00');
      try {
        const w = writeRequest(randomUUID());
        await expect(baas.topUpCard({ cardRef: card.id, amount: usd('10.01'), fundingWalletRef: null }, w)).rejects.toMatchObject({
          code: ErrorCode.INSUFFICIENT_FUNDS,
          provider: 'baas',
          upstream: { status: 422, code: 'insufficient_funds' },
        });
        expect(available(card.walletId)).toBe('5.00');
        expect(store().programFundingOf('USD')).toBe('10.00');
        expect(withReference(w.reference)).toEqual([]);
      } finally {
        store().setProgramFunding('USD', funding);
      }
    });

    it('refuses a funding wallet (the Program pays) before sending anything', async () => {
      const card = freshCard();
      await expect(
        baas.topUpCard({ cardRef: card.id, amount: usd('1.00'), fundingWalletRef: card.walletId }, writeRequest(randomUUID())),
      ).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_BY_PROVIDER });
      expect(server().count()).toBe(0);
    });

    it('answers INVALID_STATE for a blocked card', async () => {
      const card = freshCard();
      await baas.changeCardState(card.id, CardAction.REPORT_STOLEN, null, newCx());
      await expect(
        baas.topUpCard({ cardRef: card.id, amount: usd('1.00'), fundingWalletRef: null }, writeRequest(randomUUID())),
      ).rejects.toMatchObject({ code: ErrorCode.INVALID_STATE });
      expect(available(card.walletId)).toBe('0.00');
    });
  });

  describe('transferFunds', () => {
    it('moves the exact amount from wallet to wallet, once', async () => {
      const from = holderWithWallet('50.00').wallet;
      const to = holderWithWallet('1.00').wallet;
      const w = writeRequest(randomUUID());
      const op = await baas.transferFunds({ fromWalletRef: from.id, toWalletRef: to.id, toCardRef: null, amount: usd('20.05') }, w);

      expect(op).toMatchObject({ kind: OperationKind.TRANSFER, status: OperationStatus.COMPLETED, amount: usd('20.05'), reference: w.reference });
      expect([available(from.id), available(to.id)]).toEqual(['29.95', '21.05']);
      expect(withReference(w.reference).map((t) => t.kind).sort()).toEqual(['transfer_in', 'transfer_out']);
      expect(bodyOf(sent('POST', '/wallets/transfer')[0]!)).toEqual({
        fromWalletId: from.id,
        toWalletId: to.id,
        amount: '20.05',
        currency: 'USD',
        reference: w.reference,
      });
    });

    it('answers INSUFFICIENT_FUNDS above the available balance, moving nothing', async () => {
      const from = holderWithWallet('3.00').wallet;
      const to = holderWithWallet().wallet;
      const w = writeRequest(randomUUID());
      await expect(
        baas.transferFunds({ fromWalletRef: from.id, toWalletRef: to.id, toCardRef: null, amount: usd('3.01') }, w),
      ).rejects.toMatchObject({ code: ErrorCode.INSUFFICIENT_FUNDS, upstream: { status: 422 } });
      expect([available(from.id), available(to.id)]).toEqual(['3.00', '0.00']);
      expect(withReference(w.reference)).toEqual([]);
    });

    it('does not transfer to a card: UNSUPPORTED_BY_PROVIDER before sending anything', async () => {
      const from = holderWithWallet('3.00').wallet;
      const card = freshCard();
      await expect(
        baas.transferFunds({ fromWalletRef: from.id, toWalletRef: null, toCardRef: card.id, amount: usd('1.00') }, writeRequest(randomUUID())),
      ).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_BY_PROVIDER });
      expect(server().count()).toBe(0);
    });
  });

  describe('reconciling an uncertain money movement', () => {
    it('finds a deposit that happened although its answer was lost, and money moved once', async () => {
      const card = freshCard();
      const w = writeRequest(randomUUID());
      server().inject({ method: 'POST', path: '/cards/:cardId/bank-deposit', dropAfterHandling: true, times: 1 });

      await expect(baas.topUpCard({ cardRef: card.id, amount: usd('25.00'), fundingWalletRef: null }, w)).rejects.toMatchObject({
        code: ErrorCode.OUTCOME_UNKNOWN,
        provider: 'baas',
      });
      expect(sent('POST', `/cards/${card.id}/bank-deposit`)).toHaveLength(1); // never resent by the transport

      const found = await baas.findOperation(OperationKind.TOP_UP, w.reference, w);
      expect(found).toMatchObject({
        kind: OperationKind.TOP_UP,
        status: OperationStatus.COMPLETED,
        reference: w.reference,
        amount: usd('25.00'),
        cardRef: card.id,
      });
      expect(found!.ref).toBe(withReference(w.reference)[0]!.id);
      expect(available(card.walletId)).toBe('25.00');
      expect(withReference(w.reference)).toHaveLength(1);
      expect(sent('GET', '/cards/transactions').map((r) => new URL(r.rawUrl, 'http://x').searchParams.get('reference'))).toEqual([w.reference]);
    });

    it('after a 5xx before anything happened: not found, then sent again, moving money once', async () => {
      const card = freshCard();
      const key = randomUUID();
      const input = { cardRef: card.id, amount: usd('30.00'), fundingWalletRef: null };
      server().inject({ method: 'POST', path: '/cards/:cardId/bank-deposit', status: 503, body: { status: 'error', message: 'Service unavailable' }, times: 1 });
      const first = writeRequest(key, 0);
      await expect(baas.topUpCard(input, first)).rejects.toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, upstream: { status: 503 } });
      expect(available(card.walletId)).toBe('0.00');

      await expect(baas.findOperation(OperationKind.TOP_UP, first.reference, first)).resolves.toBeNull();
      const op = await baas.topUpCard(input, writeRequest(key, 1));

      expect(op).toMatchObject({ status: OperationStatus.COMPLETED, reference: first.reference });
      expect(available(card.walletId)).toBe('30.00');
      expect(withReference(first.reference)).toHaveLength(1);
      expect(sent('POST', `/cards/${card.id}/bank-deposit`).map((r) => bodyOf(r).reference)).toEqual([first.reference, first.reference]);
    });

    it("finds a transfer by its debit leg although its answer was lost", async () => {
      const from = holderWithWallet('100.00').wallet;
      const to = holderWithWallet().wallet;
      const w = writeRequest(randomUUID());
      server().inject({ method: 'POST', path: '/wallets/transfer', dropAfterHandling: true, times: 1 });
      await expect(
        baas.transferFunds({ fromWalletRef: from.id, toWalletRef: to.id, toCardRef: null, amount: usd('40.00') }, w),
      ).rejects.toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN });

      const found = await baas.findOperation(OperationKind.TRANSFER, w.reference, w);
      const debit = withReference(w.reference).find((t) => t.kind === 'transfer_out')!;
      expect(found).toMatchObject({ kind: OperationKind.TRANSFER, status: OperationStatus.COMPLETED, ref: debit.id, amount: usd('40.00') });
      expect([available(from.id), available(to.id)]).toEqual(['60.00', '40.00']);
      // A deposit under that reference would be another write: a top-up look-up does not take the transfer for one.
      await expect(baas.findOperation(OperationKind.TOP_UP, w.reference, w)).resolves.toBeNull();
    });

    it('does not take a look-up answer that ignored the reference for proof of absence', async () => {
      const w = writeRequest(randomUUID());
      server().inject({
        method: 'GET',
        path: '/cards/transactions',
        status: 200,
        body: {
          status: 'success',
          data: [{ id: 'tx-other', cardId: null, walletId: 'w', kind: 'deposit', amount: '1.00', currency: 'USD', status: 'settled', reference: 'SOMETHING-ELSE', merchantName: null, createdAt: '2026-01-01T00:00:00Z' }],
          meta: { page: 1, limit: 100, total: 1 },
        },
        times: 1,
      });
      await expect(baas.findOperation(OperationKind.TOP_UP, w.reference, w)).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_ERROR });
    });

    it('reads an accepted deposit whose answer is unreadable as OUTCOME_UNKNOWN, not as a failure', async () => {
      const card = freshCard();
      server().inject({ method: 'POST', path: '/cards/:cardId/bank-deposit', status: 200, body: 'not json', times: 1 });
      await expect(
        baas.topUpCard({ cardRef: card.id, amount: usd('1.00'), fundingWalletRef: null }, writeRequest(randomUUID())),
      ).rejects.toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, upstream: { status: 200 } });
    });
  });
});
