/**
 * A merged page as a Relay connection. Each provider that failed inside it is reported twice,
 * by design: in the connection's `failures` (for UIs) and in the response's `errors` with the
 * connection's path and the usual extensions (for generic error handling). A provider a
 * fan-out list skipped because it cannot serve that list at all is named in `failures` only.
 */
import { GraphQLError, responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { extensionsOf } from '../core/errors.js';
import type { NodeBase } from '../core/model.js';
import type { NodeType } from '../core/global-id.js';
import type { Edge, MergedPage } from '../gateway/pagination.js';
import type { GraphQLContext } from '../context.js';
import { present, type Presented } from './present.js';
import type { ConnectionShape } from './types/connection.type.js';

/** An edge as the schema serves it: its node presented, its cursor the merged edge's, encoded when read. */
class PresentedEdge<N> {
  constructor(
    readonly node: N,
    private readonly merged: Edge<unknown>,
  ) {}

  get cursor(): string {
    return this.merged.cursor;
  }
}

export function toConnection<T extends NodeBase, N extends NodeType>(
  type: N,
  page: MergedPage<T>,
  ctx: GraphQLContext,
  info: GraphQLResolveInfo,
): ConnectionShape<Presented<T, N>> {
  const nodes = page.edges.map((e) => present(type, e.node));
  let path: ReturnType<typeof responsePathAsArray> | undefined;
  for (const failure of page.failures) {
    if (failure.skipped) continue;
    ctx.cx.log.warn({ provider: failure.provider, code: failure.error.code }, 'provider failed inside a list');
    ctx.partialErrors.push(
      new GraphQLError(failure.error.message, { path: (path ??= responsePathAsArray(info.path)), extensions: { ...extensionsOf(failure.error, ctx.requestId) } }),
    );
  }
  const failures = page.failures.map((f) => ({
    provider: f.provider,
    code: f.error.code,
    message: f.error.message,
    retryable: f.error.retryable,
    retryAfterSeconds: f.error.retryAfterSeconds ?? null,
  }));
  return new PresentedConnection(page, nodes, failures);
}

/* Classes, their lazy fields getters on the prototype: no getter literals on a request's path (ARCHITECTURE.md, Per-request objects). */

/** A merged page as the schema serves it; edges and cursors are made only when asked for. */
class PresentedConnection<N> implements ConnectionShape<N> {
  readonly pageInfo: MergedPageInfo;
  private edgeList: Array<PresentedEdge<N>> | undefined;

  constructor(
    private readonly page: MergedPage<unknown>,
    readonly nodes: N[],
    readonly failures: ConnectionShape<N>['failures'],
  ) {
    this.pageInfo = new MergedPageInfo(page);
  }

  // Made when asked for: a client asking for `nodes` only (each level of a nested query) pays
  // for no edge objects.
  get edges(): Array<PresentedEdge<N>> {
    return (this.edgeList ??= this.page.edges.map((e, i) => new PresentedEdge(this.nodes[i]!, e)));
  }
}

/** Where a merged page ends; its cursors are encoded only when asked for (see pagination.ts). */
class MergedPageInfo {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage = false;

  constructor(private readonly page: MergedPage<unknown>) {
    this.hasNextPage = page.hasNextPage;
  }

  get startCursor(): string | null {
    return this.page.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.page.endCursor;
  }
}
