/**
 * Read scopes guard the data, not only the entry points: a field of a Card, Wallet,
 * Transaction, Operation or Cardholder resolves only for a viewer holding a read scope for that
 * type, whichever path reached it. The one exception is a mutation's own result: a write-only
 * token sees the fields of the object its mutation returned (the card it froze, the operation
 * it started, the cardholder it created, an issued card or its order) and FORBIDDEN, with
 * `missingScopes`, for anything reached from there (`topUpCard { card { wallet … } }`).
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { ErrorCode, GatewayError } from '../core/errors.js';
import { Scope } from '../core/viewer.js';
import type { GraphQLContext } from '../context.js';

/** For each guarded type, the read scopes of which any one lets its fields resolve. */
const READ_SCOPES: Readonly<Record<string, readonly Scope[]>> = {
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

export const dataScopes: MiddlewareFn<GraphQLContext> = ({ context, info }, next) => {
  const anyOf = READ_SCOPES[info.parentType.name];
  if (!anyOf || anyOf.some((scope) => context.viewer.scopes.has(scope)) || isMutationsOwnResult(info)) return next();
  throw new GatewayError(ErrorCode.FORBIDDEN, `${info.parentType.name}.${info.fieldName} needs the scope ${anyOf.join(' or ')}`, {
    details: { missingScopes: [anyOf[0]!] },
  });
};
