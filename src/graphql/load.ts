/**
 * Reading objects by id through the request's loaders. `node` answers null for an id that
 * does not exist; the typed root fields (`card`, `cardholder`, `wallet`) answer NOT_FOUND.
 */
import { notFound } from '../core/errors.js';
import { decodeGlobalId, type NodeType } from '../core/global-id.js';
import type { ProviderKey } from '../core/provider-key.js';
import type { GraphQLContext } from '../context.js';
import { present, type Presented } from './present.js';
import type { Card, Cardholder, NodeBase, Transaction, Wallet } from '../core/model.js';
import type { Operation } from '../core/writes.js';

interface ByType {
  Cardholder: Cardholder;
  Card: Card;
  Wallet: Wallet;
  Transaction: Transaction;
  Operation: Operation;
}

const LOADER: { [N in NodeType]: (ctx: GraphQLContext) => { load(key: { provider: ProviderKey; ref: string }): Promise<ByType[N] | null> } } = {
  Cardholder: (ctx) => ctx.loaders.cardholder,
  Card: (ctx) => ctx.loaders.card,
  Wallet: (ctx) => ctx.loaders.wallet,
  Transaction: (ctx) => ctx.loaders.transaction,
  Operation: (ctx) => ctx.loaders.operation,
};

export async function loadRef<N extends NodeType>(
  ctx: GraphQLContext,
  type: N,
  provider: ProviderKey,
  ref: string | null,
): Promise<Presented<ByType[N] & NodeBase, N> | null> {
  // An object of another tenant's provider answers exactly like one that does not exist.
  if (!ref || !ctx.tenant.registry.has(provider)) return null;
  const node = await LOADER[type](ctx).load({ provider, ref });
  return node ? present(type, node) : null;
}

/** Any node by global id; null when it does not exist. */
export async function loadNode(ctx: GraphQLContext, id: string) {
  const { provider, type, ref } = decodeGlobalId(id);
  return loadRef(ctx, type, provider, ref);
}

/** A node of a known type by global id; NOT_FOUND when it does not exist. */
export async function loadRequired<N extends NodeType>(ctx: GraphQLContext, type: N, id: string) {
  const decoded = decodeGlobalId(id, type);
  const node = await loadRef(ctx, type, decoded.provider, decoded.ref);
  if (!node) throw notFound(`${type} ${id}`, decoded.provider);
  return node;
}
