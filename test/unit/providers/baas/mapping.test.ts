import { ErrorCode } from '../../../../src/core/errors.js';
import { CardStatus, CardType, KycStatus, TransactionDirection, TransactionStatus, TransactionType } from '../../../../src/core/model.js';
import { mapCard, mapCardholder, mapTransaction, mapWallet } from '../../../../src/providers/baas/mapping.js';

const card = (overrides: Record<string, unknown> = {}) => ({
  id: 'c1',
  cardholderId: 'h1',
  walletId: 'w1',
  type: 'virtual',
  brand: 'MASTERCARD',
  last4: '4242',
  expiryMonth: 9,
  expiryYear: 2029,
  status: 'active',
  blockReason: null,
  createdAt: '2026-01-02T03:04:05.000Z',
  ...overrides,
});

const transaction = (overrides: Record<string, unknown> = {}) => ({
  id: 't1',
  cardId: 'c1',
  walletId: 'w1',
  kind: 'purchase',
  amount: '12.5',
  currency: 'EUR',
  status: 'settled',
  reference: 'AUTH-1',
  merchantName: 'IKEA',
  createdAt: '2026-01-02T03:04:05.000Z',
  ...overrides,
});

describe('baas card mapping', () => {
  it.each([
    ['active', null, CardStatus.ACTIVE, 'active'],
    ['frozen', null, CardStatus.FROZEN, 'frozen'],
    ['blocked', 'lost', CardStatus.LOST, 'blocked (lost)'],
    ['blocked', 'stolen', CardStatus.STOLEN, 'blocked (stolen)'],
    ['blocked', 'fraud', CardStatus.CLOSED, 'blocked (fraud)'],
    ['blocked', null, CardStatus.CLOSED, 'blocked'],
    ['expired', null, CardStatus.EXPIRED, 'expired'],
    ['shredded', null, CardStatus.UNKNOWN, 'shredded'],
  ])('maps %s (%s) to %s, keeping %s as the provider status', (status, blockReason, expected, providerStatus) => {
    expect(mapCard(card({ status, blockReason }))).toMatchObject({ status: expected, providerStatus });
  });

  it('keeps the card fields and never anything beyond last4', () => {
    expect(mapCard(card({ type: 'physical' }))).toEqual({
      provider: 'baas',
      ref: 'c1',
      cardholderRef: 'h1',
      walletRef: 'w1',
      status: CardStatus.ACTIVE,
      providerStatus: 'active',
      type: CardType.PHYSICAL,
      brand: 'MASTERCARD',
      last4: '4242',
      expiryMonth: 9,
      expiryYear: 2029,
      createdAt: new Date('2026-01-02T03:04:05.000Z'),
    });
  });

  it('reads a value named like an object property (constructor, __proto__) as undocumented: UNKNOWN', () => {
    for (const value of ['constructor', '__proto__', 'toString']) {
      expect(mapCard(card({ status: value, type: value }))).toMatchObject({ status: 'UNKNOWN', type: 'UNKNOWN', providerStatus: value });
      expect(mapCard(card({ status: 'blocked', blockReason: value })).status).toBe('CLOSED');
    }
  });

  it('reports a card without a status as a typed UPSTREAM_ERROR', () => {
    expect(() => mapCard(card({ status: undefined }))).toThrow(expect.objectContaining({ code: ErrorCode.UPSTREAM_ERROR }));
  });
});

describe('baas cardholder mapping', () => {
  it.each([
    ['draft', KycStatus.NOT_STARTED],
    ['submitted', KycStatus.PENDING],
    ['under_review', KycStatus.UNDER_REVIEW],
    ['approved', KycStatus.APPROVED],
    ['rejected', KycStatus.REJECTED],
    ['escalated', KycStatus.UNKNOWN],
  ])('maps complianceStatus %s to %s', (complianceStatus, expected) => {
    const holder = mapCardholder({ id: 'h1', firstName: 'Ada', lastName: 'Lovelace', email: 'a@x.io', phone: '+1555', complianceStatus });
    expect(holder).toMatchObject({ kycStatus: expected, providerKycStatus: complianceStatus, firstName: 'Ada' });
  });
});

describe('baas wallet mapping', () => {
  it('publishes the available balance, exactly, in the wallet currency', () => {
    const wallet = mapWallet({ id: 'w1', cardholderId: 'h1', currency: 'USD', availableBalance: '1520.3', ledgerBalance: '1600.00', createdAt: '2026-01-01T00:00:00Z' });
    expect(wallet).toMatchObject({ ref: 'w1', cardholderRef: 'h1', currency: 'USD', balance: { amount: '1520.30', currency: 'USD' }, name: null });
  });

  it('refuses a balance that is not a decimal string', () => {
    expect(() => mapWallet({ id: 'w1', currency: 'USD', availableBalance: 1520.3 })).toThrow(expect.objectContaining({ code: ErrorCode.UPSTREAM_ERROR }));
  });
});

describe('baas transaction mapping', () => {
  it.each([
    ['purchase', TransactionType.PURCHASE, TransactionDirection.DEBIT],
    ['refund', TransactionType.REFUND, TransactionDirection.CREDIT],
    ['deposit', TransactionType.DEPOSIT, TransactionDirection.CREDIT],
    ['transfer_in', TransactionType.TRANSFER, TransactionDirection.CREDIT],
    ['transfer_out', TransactionType.TRANSFER, TransactionDirection.DEBIT],
    ['fee', TransactionType.FEE, TransactionDirection.DEBIT],
    ['chargeback', TransactionType.UNKNOWN, TransactionDirection.CREDIT],
  ])('maps kind %s to %s / %s', (kind, type, direction) => {
    expect(mapTransaction(transaction({ kind }))).toMatchObject({ type, direction, providerType: kind });
  });

  it.each([
    ['pending', TransactionStatus.PENDING],
    ['settled', TransactionStatus.SETTLED],
    ['declined', TransactionStatus.DECLINED],
    ['reversed', TransactionStatus.REVERSED],
    ['held', TransactionStatus.UNKNOWN],
  ])('maps status %s to %s', (status, expected) => {
    expect(mapTransaction(transaction({ status }))).toMatchObject({ status: expected, providerStatus: status });
  });

  it('normalises the amount exactly and carries the merchant name', () => {
    expect(mapTransaction(transaction())).toMatchObject({
      amount: { amount: '12.50', currency: 'EUR' },
      merchant: { name: 'IKEA', mcc: null, country: null },
      cardRef: 'c1',
      walletRef: 'w1',
    });
    expect(mapTransaction(transaction({ merchantName: null })).merchant).toBeNull();
  });

  it('publishes a signed amount as positive, its sign as the direction when the kind is unknown', () => {
    expect(mapTransaction(transaction({ kind: 'adjustment', amount: '-0.01' }))).toMatchObject({
      amount: { amount: '0.01' },
      direction: TransactionDirection.DEBIT,
    });
  });
});
