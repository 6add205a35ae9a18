/**
 * Every operation in schema/examples.graphql runs against the gateway and its sandboxes
 * without errors (the typed documents are generated from that file by `npm run codegen`).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import * as documents from '../generated/graphql.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { globalIdsOf } from '../support/global-id.js';

describe('schema/examples.graphql', () => {
  let gw: TestGateway;
  let variables: Record<string, Record<string, unknown>>;
  beforeAll(async () => {
    gw = await startTestGateway();
    const utgl = gw.sandboxes.stores.utgl!;
    const card = [...utgl.cards.values()][0]!;
    const active = [...utgl.cards.values()].find((c) => c.status === 'active')!;
    const [from, to] = [...utgl.accounts.values()].filter((a) => a.currency === 'USD' && Number(a.balance) > 10);
    const gid = globalIdsOf('utgl');
    variables = {
      CardDetail: { id: gid('Card', card.id) },
      WalletDetail: { id: gid('Wallet', card.account_id) },
      NodeById: { id: gid('Cardholder', card.cardholder_id) },
      CardsPage: { first: 10 },
      TransactionsPage: { first: 10, filter: { cardholderId: gid('Cardholder', card.cardholder_id) } },
      WalletsPage: { first: 10 },
      TransferFunds: { key: 'example-transfer-1', input: { fromWalletId: gid('Wallet', from!.id), toWalletId: gid('Wallet', to!.id), amount: '1.00', currency: 'USD' } },
      FreezeCard: { cardId: gid('Card', active.id), reason: 'example' },
      RevealCard: { cardId: gid('Card', active.id) },
    };
  });
  afterAll(() => gw.close());

  const operations = Object.entries(documents).filter(([name]) => name.endsWith('Document')) as Array<[string, TypedDocumentNode]>;

  it('has operations to run', () => {
    expect(operations.length).toBeGreaterThanOrEqual(8);
  });

  it.each(operations)('%s runs without errors', async (name, document) => {
    const res = await gw.query(document, variables[name.replace(/Document$/, '')] ?? {});
    expect(res.errors).toBeUndefined();
    expect(res.data).not.toBeNull();
  });
});
