/**
 * Read scopes guard the data, not only the entry points: a field of a Card, Wallet,
 * Transaction, Operation or Cardholder resolves only for a viewer holding a read scope for that
 * type, whichever path reached it. The one exception is a mutation's own result: a write-only
 * token sees the fields of the object its mutation returned (the card it froze, the operation
 * it started, the cardholder it created, an issued card or its order) and FORBIDDEN, with
 * `missingScopes`, for anything reached from there (`topUpCard { card { wallet … } }`).
 *
 * Data the viewer may not read is withheld at the edge that reaches it (`Card.wallet`,
 * `Card.transactions`), before anything is read for it: a nullable edge answers null, a
 * connection answers empty, each with its FORBIDDEN error in `errors`. Refused deeper — at the
 * first field of each withheld transaction — a non-null chain would carry the null up and erase
 * the object the viewer may see, down to the mutation's own result.
 */
import { getNamedType, GraphQLError, isNonNullType, isObjectType, responsePathAsArray, type GraphQLOutputType, type GraphQLResolveInfo } from 'graphql';
import { ErrorCode, extensionsOf, GatewayError } from '../core/errors.js';
import { Scope } from '../core/viewer.js';
import type { GraphQLContext } from '../context.js';
import type { ConnectionShape } from './types/connection.type.js';

/** For each guarded type, the read scopes of which any one lets its fields resolve. */
export const READ_SCOPES: Readonly<Record<string, readonly Scope[]>> = {
  Card: [Scope.CARDS_READ],
  Wallet: [Scope.CARDS_READ],
  Transaction: [Scope.CARDS_READ],
  Operation: [Scope.CARDS_READ],
  // Its personal fields need cardholders:read on top (their own @Authorized).
  Cardholder: [Scope.CARDS_READ, Scope.CARDHOLDERS_READ],
};

/**
 * True for a field of the object a mutation returned: no guarded object lies between it and
 * the mutation (a payload wrapper such as IssueCardPayload may).
 */
function isMutationsOwnResult(info: GraphQLResolveInfo): boolean {
  if (info.operation.operation !== 'mutation') return false;
  for (let level = info.path.prev; level; level = level.prev) {
    if (level.typename !== undefined && READ_SCOPES[level.typename]) return false;
  }
  return true;
}

/** The guarded type a field's value holds: the type itself, or a connection's nodes. */
function reachedType(type: GraphQLOutputType): string | undefined {
  const named = getNamedType(type);
  if (READ_SCOPES[named.name]) return named.name;
  const nodes = isObjectType(named) ? named.getFields().nodes : undefined;
  const inner = nodes && getNamedType(nodes.type).name;
  return inner && READ_SCOPES[inner] ? inner : undefined;
}

function forbidden(info: GraphQLResolveInfo, type: string): GatewayError {
  const anyOf = READ_SCOPES[type]!;
  return new GatewayError(ErrorCode.FORBIDDEN, `${info.parentType.name}.${info.fieldName} needs the scope ${anyOf.join(' or ')}`, {
    details: { missingScopes: [anyOf[0]!] },
  });
}

const EMPTY_CONNECTION: ConnectionShape<never> = {
  edges: [],
  nodes: [],
  pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
  failures: [],
};

/** An edge to data the viewer may not read: null or an empty connection, refused in `errors`. */
function withheld(context: GraphQLContext, info: GraphQLResolveInfo, type: string): null | ConnectionShape<never> {
  // A non-null edge to a single object cannot be answered empty: refused, as any field is.
  if (isNonNullType(info.returnType) && READ_SCOPES[getNamedType(info.returnType).name]) throw forbidden(info, type);
  const error = forbidden(info, type);
  context.partialErrors.push(new GraphQLError(error.message, { path: responsePathAsArray(info.path), extensions: { ...extensionsOf(error, context.requestId) } }));
  return isNonNullType(info.returnType) ? EMPTY_CONNECTION : null;
}

const readable = (context: GraphQLContext, type: string) => READ_SCOPES[type]!.some((scope) => context.viewer.scopes.has(scope));

/** The field resolves as it would: the viewer may read what it holds. */
export const PROCEED = Symbol('proceed');

/**
 * The read-scope check of a field of `parentType` whose type is `returnType`, or undefined
 * when the parent type is not guarded. It throws FORBIDDEN for a field the viewer may not see,
 * answers the withheld value (null or an empty connection) for an edge to data it may not
 * read, and PROCEED otherwise. Synchronous: field-guards.ts runs it before the field resolves.
 */
export function dataScopeCheck(
  parentType: string,
  returnType: GraphQLOutputType,
): ((context: GraphQLContext, info: GraphQLResolveInfo) => typeof PROCEED | null | ConnectionShape<never>) | undefined {
  if (!READ_SCOPES[parentType]) return undefined;
  const reached = reachedType(returnType);
  return (context, info) => {
    if (!readable(context, parentType) && !isMutationsOwnResult(info)) throw forbidden(info, parentType);
    if (reached && !readable(context, reached)) return withheld(context, info, reached);
    return PROCEED;
  };
}
