/**
 * Every enum the schema publishes, registered once with its descriptions.
 */
import { registerEnumType } from 'type-graphql';
import { ERROR_CODE_DESCRIPTIONS, ErrorCode } from '../core/errors.js';
import { CardStatus, CardType, KycStatus, TransactionDirection, TransactionStatus, TransactionType } from '../core/model.js';
import { Capability } from '../providers/provider.js';
import { PROVIDER_CATALOG } from '../providers/catalog.js';
import { PROVIDER_KEYS, type ProviderKey } from '../core/provider-key.js';
import { OperationKind, OperationStatus } from '../core/writes.js';

/** GraphQL names (UTGL…) over the configuration keys (utgl…) the gateway uses inside. */
export const Provider = Object.fromEntries(PROVIDER_KEYS.map((key) => [key.toUpperCase(), key])) as { readonly [K in ProviderKey as Uppercase<K>]: K };
export type Provider = ProviderKey;

const describe = <T extends Record<string, string>>(descriptions: T) =>
  Object.fromEntries(Object.entries(descriptions).map(([k, description]) => [k, { description }]));

registerEnumType(Provider, {
  name: 'Provider',
  description: 'The card-issuing provider that holds an object.',
  valuesConfig: Object.fromEntries(PROVIDER_KEYS.map((key) => [key.toUpperCase(), { description: PROVIDER_CATALOG[key].description }])),
});

registerEnumType(CardStatus, {
  name: 'CardStatus',
  description: "A card's state, unified across providers; `Card.providerStatus` keeps the provider's own value.",
  valuesConfig: describe({
    PENDING: 'Ordered or issued, not yet usable.',
    ACTIVE: 'Usable.',
    FROZEN: 'Temporarily blocked; can be unfrozen.',
    LOST: 'Reported lost; permanently blocked.',
    STOLEN: 'Reported stolen; permanently blocked.',
    EXPIRED: 'Past its expiry date.',
    CLOSED: 'Closed for good.',
    RESTRICTED: 'Restricted by the issuer (e.g. refer to issuer, capture).',
    UNKNOWN: 'A provider status the gateway does not recognise; see `providerStatus`.',
  }),
});

registerEnumType(CardType, {
  name: 'CardType',
  description: 'The form of a card.',
  valuesConfig: describe({ VIRTUAL: 'A virtual card.', PHYSICAL: 'A plastic card.', UNKNOWN: 'The provider does not say.' }),
});

registerEnumType(KycStatus, {
  name: 'KycStatus',
  description: "A cardholder's identity verification state; `Cardholder.providerKycStatus` keeps the provider's value.",
  valuesConfig: describe({
    NOT_STARTED: 'Nothing submitted yet (e.g. a draft).',
    PENDING: 'Submitted or awaiting documents.',
    UNDER_REVIEW: 'Being reviewed by the provider.',
    APPROVED: 'Verified.',
    REJECTED: 'Verification failed.',
    UNKNOWN: 'A provider value the gateway does not recognise.',
  }),
});

registerEnumType(TransactionStatus, {
  name: 'TransactionStatus',
  description: "A transaction's state; `Transaction.providerStatus` keeps the provider's value.",
  valuesConfig: describe({
    PENDING: 'Authorised or in progress, not final.',
    SETTLED: 'Posted / completed.',
    DECLINED: 'Refused.',
    REVERSED: 'Reversed after authorisation or posting.',
    FAILED: 'Failed during processing.',
    UNKNOWN: 'The state is unknown or not recognised.',
  }),
});

registerEnumType(TransactionType, {
  name: 'TransactionType',
  description: "What a transaction is; `Transaction.providerType` keeps the provider's value.",
  valuesConfig: describe({
    PURCHASE: 'A card payment to a merchant.',
    REFUND: 'A merchant refund to the card.',
    TRANSFER: 'A movement between accounts or wallets.',
    DEPOSIT: 'Money paid in (e.g. a bank deposit).',
    TOP_UP: 'A card top-up.',
    FEE: 'A fee charged by the provider.',
    PUSH: 'A push payment credited to a card.',
    PULL: 'A pull payment debited from a card.',
    UNKNOWN: 'A type the gateway does not recognise.',
  }),
});

registerEnumType(TransactionDirection, {
  name: 'TransactionDirection',
  description: 'Whether a transaction takes money out of (DEBIT) or puts money into (CREDIT) the card or wallet.',
  valuesConfig: describe({ DEBIT: 'Money out.', CREDIT: 'Money in.' }),
});

registerEnumType(OperationKind, {
  name: 'OperationKind',
  description: 'What a write operation does.',
  valuesConfig: describe({
    CARD_ISSUE: 'Issuing a card (an order, where the provider issues asynchronously).',
    TOP_UP: 'Topping up a card.',
    TRANSFER: 'Moving money between wallets, or from a wallet to a card.',
    PUSH: 'Pushing money to a card.',
    PULL: 'Pulling money from a card.',
  }),
});

registerEnumType(OperationStatus, {
  name: 'OperationStatus',
  description: "Where a write stands at the provider; `Operation.providerStatus` keeps the provider's value.",
  valuesConfig: describe({
    PENDING: 'Accepted, not final yet: follow it with the `operationUpdated` subscription (or `node(id)`).',
    PROCESSING: 'The provider has started on it; not final yet.',
    COMPLETED: 'Done.',
    FAILED: 'Failed; nothing moved.',
    UNKNOWN: 'The provider itself does not know yet: neither success nor failure.',
  }),
});

registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description: 'The closed set of `extensions.code` values of every error, and of `ProviderFailure.code`.',
  valuesConfig: describe(ERROR_CODE_DESCRIPTIONS),
});

registerEnumType(Capability, {
  name: 'Capability',
  description: 'An operation a provider supports; asking a provider for anything else is UNSUPPORTED_BY_PROVIDER.',
  valuesConfig: describe({
    CARDHOLDER_READ: 'Read a cardholder by id.',
    CARDHOLDER_LIST: 'List cardholders.',
    CARD_READ: 'Read a card by id.',
    CARD_LIST: 'List cards.',
    WALLET_READ: 'Read a wallet by id.',
    WALLET_LIST: 'List wallets.',
    TRANSACTION_READ: 'Read a transaction by id.',
    TRANSACTION_LIST: 'List all transactions, not narrowed to a card or wallet.',
    TRANSACTION_LIST_BY_CARD: "List a card's transactions.",
    TRANSACTION_LIST_BY_WALLET: "List a wallet's (and so a cardholder's) transactions.",
    CARD_REVEAL: "Reveal a card's number and CVV through the audited reveal path.",
    CARDHOLDER_CREATE: 'Create cardholders.',
    CARD_ISSUE: 'Issue cards.',
    CARD_FREEZE: 'Freeze and unfreeze cards.',
    CARD_REPORT: 'Report cards lost or stolen.',
    CARD_CLOSE: 'Close cards.',
    CARD_TOP_UP: 'Top up cards.',
    FUNDS_TRANSFER: 'Transfer funds between wallets, or from a wallet to a card.',
    CARD_PUSH_PULL: 'Push money to or pull money from a card.',
  }),
});
