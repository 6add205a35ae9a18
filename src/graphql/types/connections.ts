import { CardTypeGql } from './card.type.js';
import { CardholderType } from './cardholder.type.js';
import { connectionType } from './connection.type.js';
import { TransactionTypeGql } from './transaction.type.js';
import { WalletType } from './wallet.type.js';

export const CardholderConnection = connectionType('Cardholder', CardholderType, 'cardholder');
export const CardConnection = connectionType('Card', CardTypeGql, 'card');
export const WalletConnection = connectionType('Wallet', WalletType, 'wallet');
export const TransactionConnection = connectionType('Transaction', TransactionTypeGql, 'transaction');
