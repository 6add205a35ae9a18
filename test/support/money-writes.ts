/**
 * The writes the exactly-once tests race and crash, one per provider write path: each picks
 * its targets in the simulators' data, builds the GraphQL mutation, and counts its effects in
 * the simulators (how many such writes the provider holds). Used in-process (settle-window
 * test) and by the sandbox host child of the crash and replica tests.
 */
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
  /** How many effects of such writes the simulator holds. */
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
  'utgl-transfer': {
    provider: 'utgl',
    path: '/v1/transfers',
    field: 'transferFunds',
    query: TRANSFER,
    variables(stores) {
      const usd = [...stores.utgl!.accounts.values()].filter((a) => a.currency === 'USD' && Number(a.balance) > 100);
      return { input: { fromWalletId: gid('utgl', 'Wallet', usd[0]!.id), toWalletId: gid('utgl', 'Wallet', usd[1]!.id), amount: '1.25', currency: 'USD' } };
    },
    effects: (stores) => stores.utgl!.transfers.size,
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
    effects: (stores) => stores.pushpull!.transactions.size,
  },
  'pushpull-pull': {
    provider: 'pushpull',
    path: '/v1/clients/:clientId/transactions',
    field: 'pullFromCard',
    query: PULL,
    variables: (stores) => ({ input: { cardId: gid('pushpull', 'Card', pushpullAccount(stores, 'pull').account_id), amount: '1.25', currency: 'USD' } }),
    effects: (stores) => stores.pushpull!.transactions.size,
  },
} satisfies Record<string, MoneyWrite>;

export type MoneyWriteName = keyof typeof MONEY_WRITES;
