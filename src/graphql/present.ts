/**
 * Unified-model objects as the schema serves them: tagged with their GraphQL type (for the
 * `Node` interface) and given their global id and `providerRef`.
 */
import { encodeGlobalId, type NodeType } from '../core/global-id.js';
import type { Card, Cardholder, NodeBase, Transaction, Wallet } from '../core/model.js';
import type { Operation } from '../core/writes.js';

export type Presented<T extends NodeBase, N extends NodeType = NodeType> = T & { __typename: N; id: string; providerRef: string };

export function present<T extends NodeBase, N extends NodeType>(type: N, node: T): Presented<T, N> {
  return { ...node, __typename: type, id: encodeGlobalId(node.provider, type, node.ref), providerRef: node.ref };
}

export type PresentedCardholder = Presented<Cardholder, 'Cardholder'>;
export type PresentedCard = Presented<Card, 'Card'>;
export type PresentedWallet = Presented<Wallet, 'Wallet'>;
export type PresentedTransaction = Presented<Transaction, 'Transaction'>;
export type PresentedOperation = Presented<Operation, 'Operation'>;
