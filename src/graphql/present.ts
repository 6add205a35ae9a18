/**
 * Unified-model objects as the schema serves them: tagged with their GraphQL type (for the
 * `Node` interface) and given their global id and `providerRef`.
 */
import { encodeGlobalId, type NodeType } from '../core/global-id.js';
import type { Card, Cardholder, NodeBase, Transaction, Wallet } from '../core/model.js';
import type { Operation } from '../core/writes.js';

export type Presented<T extends NodeBase, N extends NodeType = NodeType> = T & { __typename: N; id: string; providerRef: string };

export function present<T extends NodeBase, N extends NodeType>(type: N, node: T): Presented<T, N> {
  // A copy, then three properties set: `{ ...node, __typename, … }` takes V8's slow path for an
  // object this size (6 µs against 0.3 µs; 5% of a 50-card list's CPU, issue 14).
  const presented = Object.assign({}, node) as Presented<T, N>;
  presented.__typename = type;
  presented.id = encodeGlobalId(node.provider, type, node.ref);
  presented.providerRef = node.ref;
  return presented;
}

export type PresentedCardholder = Presented<Cardholder, 'Cardholder'>;
export type PresentedCard = Presented<Card, 'Card'>;
export type PresentedWallet = Presented<Wallet, 'Wallet'>;
export type PresentedTransaction = Presented<Transaction, 'Transaction'>;
export type PresentedOperation = Presented<Operation, 'Operation'>;
