/**
 * Every operation in schema/examples.graphql runs against the gateway and its sandboxes
 * without errors (the typed documents are generated from that file by `npm run codegen`):
 * queries and mutations over HTTP, subscriptions over graphql-ws.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST } from 'graphql';
import { subscribe, subscriptionClient } from '../support/subscriptions.js';
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
      CardUpdated: { id: gid('Card', active.id) },
      WalletBalanceChanged: { id: gid('Wallet', from!.id) },
      // A settled transfer: the stream sends its final state and completes.
      OperationUpdated: { id: gid('Operation', [...utgl.transfers.values()].find((t) => t.status === 'completed')!.id) },
    };
  });
  afterAll(() => gw.close());

  const all = Object.entries(documents).filter(([name]) => name.endsWith('Document')) as Array<[string, TypedDocumentNode]>;
  const isSubscription = ([, document]: [string, TypedDocumentNode]) => getOperationAST(document)?.operation === 'subscription';
  const operations = all.filter((entry) => !isSubscription(entry));
  const subscriptions = all.filter(isSubscription);

  it('has operations and subscriptions to run', () => {
    expect(operations.length).toBeGreaterThanOrEqual(8);
    expect(subscriptions.length).toBe(3);
  });

  it.each(operations)('%s runs without errors', async (name, document) => {
    const res = await gw.query(document, variables[name.replace(/Document$/, '')] ?? {});
    expect(res.errors).toBeUndefined();
    expect(res.data).not.toBeNull();
  });

  it.each(subscriptions)('%s sends the current state over graphql-ws without errors', async (name, document) => {
    const client = subscriptionClient(gw.url, await gw.token());
    try {
      const sub = subscribe(client, document, variables[name.replace(/Document$/, '')] ?? {});
      const [first] = await sub.received(1);
      expect(first!.errors).toBeUndefined();
      expect(first!.data).not.toBeNull();
      sub.unsubscribe();
    } finally {
      await client.dispose();
    }
  });
});
