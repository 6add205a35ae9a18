/**
 * Every value a provider's contract documents (its contract.ts lists) is read as a value of
 * the unified model, never as UNKNOWN — except the one status a contract itself calls unknown
 * (pushpull's `unknown`, what a 207 leaves). The compiler already refuses a table that
 * misses a listed value; this proves each listed value reaches its table through the mapping
 * function that reads it (spelling, case, the field it is read from).
 */
import { CardStatus, CardType, KycStatus, TransactionStatus, TransactionType } from '../../../src/core/model.js';
import { OperationKind, OperationStatus } from '../../../src/core/writes.js';
import { upstreamObject } from '../../../src/providers/transport/upstream-shape.js';
import * as utgl from '../../../src/providers/utgl/mapping.js';
import * as utglContract from '../../../src/providers/utgl/contract.js';
import * as baas from '../../../src/providers/baas/mapping.js';
import * as baasContract from '../../../src/providers/baas/contract.js';
import * as corporate from '../../../src/providers/corporate/mapping.js';
import * as corporateContract from '../../../src/providers/corporate/contract.js';
import * as ledger from '../../../src/providers/ledger/mapping.js';
import * as ledgerContract from '../../../src/providers/ledger/contract.js';
import * as pushpull from '../../../src/providers/pushpull/mapping.js';
import * as pushpullContract from '../../../src/providers/pushpull/contract.js';

const money = { amount: '1.00', currency: 'USD' };

describe('utgl: every documented value is mapped', () => {
  it.each(utglContract.UTGL_CARD_STATUSES)('card status %s', (status) => {
    expect(utgl.mapCard({ id: 'card_1', status }).status).not.toBe(CardStatus.UNKNOWN);
  });
  it.each(utglContract.UTGL_CARD_TYPES)('card type %s', (type) => {
    expect(utgl.mapCard({ id: 'card_1', status: 'active', type }).type).not.toBe(CardType.UNKNOWN);
  });
  it.each(utglContract.UTGL_KYC_STATUSES)('kyc status %s', (kyc_status) => {
    expect(utgl.mapCardholder({ id: 'ch_1', kyc_status }).kycStatus).not.toBe(KycStatus.UNKNOWN);
  });
  it.each(utglContract.UTGL_TRANSACTION_TYPES)('transaction type %s', (type) => {
    expect(utgl.mapTransaction({ id: 'txn_1', type, status: 'posted', ...money }).type).not.toBe(TransactionType.UNKNOWN);
  });
  it.each(utglContract.UTGL_TRANSACTION_STATUSES)('transaction status %s', (status) => {
    expect(utgl.mapTransaction({ id: 'txn_1', type: 'purchase', status, ...money }).status).not.toBe(TransactionStatus.UNKNOWN);
  });
  it.each(utglContract.UTGL_TRANSFER_STATUSES)('transfer status %s', (status) => {
    expect(utgl.mapTransfer({ id: 'tr_1', status, ...money }).status).not.toBe(OperationStatus.UNKNOWN);
  });
});

describe('baas: every documented value is mapped', () => {
  it.each(baasContract.BAAS_CARD_STATUSES)('card status %s (with no block reason)', (status) => {
    expect(baas.mapCard({ id: 'c1', status }).status).not.toBe(CardStatus.UNKNOWN);
  });
  it.each(baasContract.BAAS_BLOCK_REASONS)('block reason %s', (blockReason) => {
    expect(baas.mapCard({ id: 'c1', status: 'blocked', blockReason }).status).not.toBe(CardStatus.UNKNOWN);
  });
  it.each(baasContract.BAAS_CARD_TYPES)('card type %s', (type) => {
    expect(baas.mapCard({ id: 'c1', status: 'active', type }).type).not.toBe(CardType.UNKNOWN);
  });
  it.each(baasContract.BAAS_COMPLIANCE_STATUSES)('compliance status %s', (complianceStatus) => {
    expect(baas.mapCardholder({ id: 'ch1', complianceStatus }).kycStatus).not.toBe(KycStatus.UNKNOWN);
  });
  it.each(baasContract.BAAS_TRANSACTION_KINDS)('transaction kind %s', (kind) => {
    expect(baas.mapTransaction({ id: 't1', kind, status: 'settled', ...money }).type).not.toBe(TransactionType.UNKNOWN);
  });
  it.each(baasContract.BAAS_TRANSACTION_STATUSES)('transaction status %s, also as an operation', (status) => {
    expect(baas.mapTransaction({ id: 't1', kind: 'deposit', status, ...money }).status).not.toBe(TransactionStatus.UNKNOWN);
    expect(baas.mapMoneyOperation({ id: 't1', status, ...money }, OperationKind.TOP_UP, 'deposit').status).not.toBe(OperationStatus.UNKNOWN);
  });
});

describe('corporate: every documented value is mapped', () => {
  const card = { external_user_id: 'u1', card_id: 'c1' };
  it.each(corporateContract.CORPORATE_CARD_STATUSES)('card status %s', (status) => {
    expect(corporate.mapCard({ ...card, status }).status).not.toBe(CardStatus.UNKNOWN);
  });
  it.each(corporateContract.CORPORATE_KYC_STATUSES)('kyc status %s', (kyc_status) => {
    expect(corporate.mapCardholder({ external_user_id: 'u1' }, { kyc_status }).kycStatus).not.toBe(KycStatus.UNKNOWN);
  });
  it.each(corporateContract.CORPORATE_TRANSACTION_TYPES)('transaction type %s', (type) => {
    const tx = corporate.mapTransaction({ transaction_id: 't1', type, status: 'completed', ...money }, { externalUserId: 'u1', cardId: 'c1' });
    expect(tx.type).not.toBe(TransactionType.UNKNOWN);
  });
  it.each(corporateContract.CORPORATE_TRANSACTION_STATUSES)('transaction status %s', (status) => {
    const tx = corporate.mapTransaction({ transaction_id: 't1', type: 'purchase', status, ...money }, { externalUserId: 'u1', cardId: 'c1' });
    expect(tx.status).not.toBe(TransactionStatus.UNKNOWN);
  });
  it.each(corporateContract.CORPORATE_ORDER_TYPES)('order type %s', (type) => {
    expect(() => corporate.mapOrderOperation({ order_id: 'o1', type, status: 'pending' }, 'u1')).not.toThrow();
  });
  it.each(corporateContract.CORPORATE_ORDER_STATUSES)('order status %s', (status) => {
    expect(corporate.mapOrderOperation({ order_id: 'o1', type: 'topup', status }, 'u1').status).not.toBe(OperationStatus.UNKNOWN);
  });
});

describe('ledger: every documented value is mapped', () => {
  const details = (data: Record<string, unknown>) => ({ data });
  it.each(ledgerContract.LEDGER_CARD_STATUS_CODES)('card status code %i', (statusCode) => {
    expect(ledger.mapCardDetails('c1/ns', details({ status: 'whatever', statusCode })).status).not.toBe(CardStatus.UNKNOWN);
  });
  it.each(ledgerContract.LEDGER_CARD_STATUS_TEXTS)('card status text %s, in the reference\'s capitalisation', (text) => {
    const status = text.charAt(0).toUpperCase() + text.slice(1);
    expect(ledger.mapCardDetails('c1/ns', details({ status })).status).not.toBe(CardStatus.UNKNOWN);
  });
  it.each(ledgerContract.LEDGER_KYC_STATUSES)('kyc status %s', (kycStatus) => {
    expect(ledger.mapCustomer(upstreamObject('ledger', 'customer', { customerAccountId: 'c1', kycStatus })).kycStatus).not.toBe(KycStatus.UNKNOWN);
  });
  it.each(ledgerContract.LEDGER_TRANSACTION_STATUSES)('history status %s', (status) => {
    const item = ledger.mapHistoryItem({ trxId: 'x1', paymentType: 'credit', status, amount: '1' }, 'on-chain', { cardRef: null, walletRef: 'c1/ns' });
    expect(item.status).not.toBe(TransactionStatus.UNKNOWN);
  });
});

describe('pushpull: every documented value is mapped', () => {
  const transaction = { transaction_id: 't1', amount: 100, currency: 'USD' };
  it.each(pushpullContract.PUSHPULL_ACCOUNT_STATUSES)('account status %s', (status) => {
    expect(pushpull.mapAccount({ account_id: 'a1', status }).status).not.toBe(CardStatus.UNKNOWN);
  });
  it.each(pushpullContract.PUSHPULL_TRANSACTION_TYPES)('transaction type %s, also as an operation', (type) => {
    expect(pushpull.mapTransaction({ ...transaction, type, status: 'completed' }).type).not.toBe(TransactionType.UNKNOWN);
    expect(() => pushpull.mapTransactionOperation({ ...transaction, type, status: 'completed' })).not.toThrow();
  });
  it.each(pushpullContract.PUSHPULL_TRANSACTION_STATUSES.filter((s) => s !== 'unknown'))('transaction status %s, also as an operation', (status) => {
    expect(pushpull.mapTransaction({ ...transaction, type: 'push', status }).status).not.toBe(TransactionStatus.UNKNOWN);
    expect(pushpull.mapTransactionOperation({ ...transaction, type: 'push', status }).status).not.toBe(OperationStatus.UNKNOWN);
  });
});
