/**
 * The writes the exactly-once tests race and crash, one per provider write path: each picks
 * its targets in the simulators' data, builds the GraphQL mutation, and counts its effects in
 * the simulators (how many such writes the provider holds). Used in-process (settle-window
 * test) and by the sandbox host child of the crash and replica tests.
 */
import { Capability } from '../../src/providers/provider.js';
import type { SandboxStores } from '../../src/providers/sandboxes.js';
import { globalId as gid } from './global-id.js';

export interface MoneyWrite {
  provider: 'utgl' | 'baas' | 'corporate' | 'ledger' | 'pushpull';
  /** The write's route at the simulator (a fault pattern). */
  path: string;
  /** The mutation's field in `data`. */
  field: string;
  query: string;
  variables(stores: SandboxStores): Record<string, unknown>;
  /** How many effects of such writes the simulator holds (counted apart from every other write's). */
  effects(stores: SandboxStores): number;
}

const OPERATION = 'id kind amount { amount currency }';
const TOP_UP = `mutation($input: TopUpCardInput!, $key: String!) { topUpCard(input: $input, idempotencyKey: $key) { ${OPERATION} } }`;
const TRANSFER = `mutation($input: TransferFundsInput!, $key: String!) { transferFunds(input: $input, idempotencyKey: $key) { ${OPERATION} } }`;
const PUSH = `mutation($input: CardPaymentInput!, $key: String!) { pushToCard(input: $input, idempotencyKey: $key) { ${OPERATION} } }`;
const PULL = `mutation($input: CardPaymentInput!, $key: String!) { pullFromCard(input: $input, idempotencyKey: $key) { ${OPERATION} } }`;

const pushpullAccount = (stores: SandboxStores, direction: 'push' | 'pull') =>
  stores.pushpull!.listedAccounts().find((a) => a.status === 'active' && (direction === 'push' ? a.push_enabled : a.pull_enabled))!;

export const MONEY_WRITES = {
  'utgl-top-up': {
    provider: 'utgl',
    path: '/v1/transfers',
    field: 'topUpCard',
    query: TOP_UP,
    variables(stores) {
      const utgl = stores.utgl!;
      const usd = [...utgl.accounts.values()].filter((a) => a.currency === 'USD');
      const funding = usd.sort((a, b) => Number(b.balance) - Number(a.balance))[0]!;
      const card = [...utgl.cards.values()].find((c) => c.status === 'active' && usd.some((a) => a.id === c.account_id))!;
      return { input: { cardId: gid('utgl', 'Card', card.id), fundingWalletId: gid('utgl', 'Wallet', funding.id), amount: '1.25', currency: 'USD' } };
    },
    // A top-up is a transfer to a card; transfers to accounts are the transfer write's.
    effects: (stores) => [...stores.utgl!.transfers.values()].filter((t) => t.destination_card_id !== null).length,
  },
  'utgl-transfer': {
    provider: 'utgl',
    path: '/v1/transfers',
    field: 'transferFunds',
    query: TRANSFER,
    variables(stores) {
      const usd = [...stores.utgl!.accounts.values()].filter((a) => a.currency === 'USD' && Number(a.balance) > 100);
      return { input: { fromWalletId: gid('utgl', 'Wallet', usd[0]!.id), toWalletId: gid('utgl', 'Wallet', usd[1]!.id), amount: '1.25', currency: 'USD' } };
    },
    effects: (stores) => [...stores.utgl!.transfers.values()].filter((t) => t.destination_card_id === null).length,
  },
  'baas-top-up': {
    provider: 'baas',
    path: '/cards/:cardId/bank-deposit',
    field: 'topUpCard',
    query: TOP_UP,
    variables(stores) {
      const card = [...stores.baas!.cards.values()].find((c) => c.status === 'active')!;
      return { input: { cardId: gid('baas', 'Card', card.id), amount: '1.25', currency: 'USD' } };
    },
    effects: (stores) => [...stores.baas!.transactions.values()].filter((t) => t.kind === 'deposit').length,
  },
  'baas-transfer': {
    provider: 'baas',
    path: '/wallets/transfer',
    field: 'transferFunds',
    query: TRANSFER,
    variables(stores) {
      const usd = [...stores.baas!.wallets.values()].filter((w) => w.currency === 'USD');
      const funded = usd.find((w) => stores.baas!.availableCents(w.id) >= 100_00n)!;
      const other = usd.find((w) => w.id !== funded.id)!;
      return { input: { fromWalletId: gid('baas', 'Wallet', funded.id), toWalletId: gid('baas', 'Wallet', other.id), amount: '1.25', currency: 'USD' } };
    },
    effects: (stores) => stores.baas!.transfers.size,
  },
  'corporate-top-up': {
    provider: 'corporate',
    path: '/api/v1/cards/topup',
    field: 'topUpCard',
    query: TOP_UP,
    variables(stores) {
      const card = [...stores.corporate!.cards.values()].find((c) => c.status === 'active')!;
      return { input: { cardId: gid('corporate', 'Card', `${card.external_user_id}/${card.card_id}`), amount: '1.25', currency: 'USD' } };
    },
    effects: (stores) => stores.corporate!.orders.size,
  },
  'ledger-issue-card': {
    provider: 'ledger',
    path: '/cards/request-card',
    field: 'issueCard',
    query: `mutation($input: IssueCardInput!, $key: String!) { issueCard(input: $input, idempotencyKey: $key) { card { id } operation { id } } }`,
    variables(stores) {
      const ledger = stores.ledger!;
      const wallet = ledger.wallets.find((w) => !ledger.cardOf(w))!;
      return {
        input: {
          cardholderId: gid('ledger', 'Cardholder', wallet.customerAccountId),
          walletId: gid('ledger', 'Wallet', `${wallet.customerAccountId}/${wallet.domainNamespace}`),
          type: 'VIRTUAL',
        },
      };
    },
    effects: (stores) => stores.ledger!.cards.length,
  },
  'pushpull-push': {
    provider: 'pushpull',
    path: '/v1/clients/:clientId/transactions',
    field: 'pushToCard',
    query: PUSH,
    variables: (stores) => ({ input: { cardId: gid('pushpull', 'Card', pushpullAccount(stores, 'push').account_id), amount: '1.25', currency: 'USD' } }),
    effects: (stores) => [...stores.pushpull!.transactions.values()].filter((t) => t.type === 'push').length,
  },
  'pushpull-pull': {
    provider: 'pushpull',
    path: '/v1/clients/:clientId/transactions',
    field: 'pullFromCard',
    query: PULL,
    variables: (stores) => ({ input: { cardId: gid('pushpull', 'Card', pushpullAccount(stores, 'pull').account_id), amount: '1.25', currency: 'USD' } }),
    effects: (stores) => [...stores.pushpull!.transactions.values()].filter((t) => t.type === 'pull').length,
  },
} satisfies Record<string, MoneyWrite>;

export type MoneyWriteName = keyof typeof MONEY_WRITES;

/**
 * The writes that move money, for each capability that moves it: what the crash matrix must
 * hold for every provider publishing the capability (`<provider>-<write>` in MONEY_WRITES).
 */
export const MONEY_MOVING: Partial<Record<Capability, readonly string[]>> = {
  [Capability.CARD_TOP_UP]: ['top-up'],
  [Capability.FUNDS_TRANSFER]: ['transfer'],
  [Capability.CARD_PUSH_PULL]: ['push', 'pull'],
};
