/**
 * type-graphql's `@Authorized(scope…)`: a field or mutation runs only when the viewer holds
 * every scope it names; otherwise FORBIDDEN with the missing scopes in `extensions`.
 */
import type { AuthChecker } from 'type-graphql';
import { ErrorCode, GatewayError } from '../core/errors.js';
import type { GraphQLContext } from '../context.js';

export const scopeChecker: AuthChecker<GraphQLContext> = ({ context, info }, required) => {
  const missing = required.filter((scope) => !context.viewer.scopes.has(scope as never));
  if (missing.length === 0) return true;
  throw new GatewayError(ErrorCode.FORBIDDEN, `${info.parentType.name}.${info.fieldName} needs the scope ${missing.join(', ')}`, {
    details: { missingScopes: missing },
  });
};
