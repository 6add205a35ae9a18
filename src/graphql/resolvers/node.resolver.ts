import { Authorized, Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { badInput } from '../../core/errors.js';
import { Scope } from '../../core/viewer.js';
import type { GraphQLContext } from '../../context.js';
import { loadNode } from '../load.js';
import { NodeInterface } from '../types/node.type.js';

const MAX_NODES = 100;

@Resolver()
export class NodeResolver {
  @Authorized(Scope.CARDS_READ)
  @Query(() => NodeInterface, { nullable: true, description: 'Any object by its global id; null when it does not exist.' })
  node(@Arg('id', () => ID, { description: 'A global id.' }) id: string, @Ctx() ctx: GraphQLContext) {
    return loadNode(ctx, id);
  }

  @Authorized(Scope.CARDS_READ)
  @Query(() => [NodeInterface], {
    nullable: 'items',
    description: `Up to ${MAX_NODES} objects by global id, in the order asked; null entries for ids that do not exist.`,
  })
  nodes(@Arg('ids', () => [ID], { description: 'Global ids.' }) ids: string[], @Ctx() ctx: GraphQLContext) {
    if (ids.length > MAX_NODES) throw badInput(`ids may hold at most ${MAX_NODES} ids (got ${ids.length})`);
    // One promise per item, not Promise.all: an id refused on its own (e.g. past pushpull's
    // look-ups per request) is a null entry with its error at [nodes, i], not a failed list.
    return ids.map((id) => loadNode(ctx, id));
  }
}
