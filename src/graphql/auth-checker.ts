/**
 * type-graphql's `@Authorized(scope…)`: a query, mutation or field runs only when the viewer
 * holds every scope it names; otherwise FORBIDDEN with the missing scopes in `extensions`.
 *
 * type-graphql runs its checker (`scopeChecker`) through an async middleware chain, a promise
 * or two per field, and not at all on plain fields (`simpleResolvers`). So the scopes each
 * field declares are read from type-graphql's metadata once (`declaredScopes`) and checked
 * synchronously before the field resolves, by field-guards.ts (issue 14).
 */
import type { GraphQLResolveInfo } from 'graphql';
import { getMetadataStorage, type AuthChecker } from 'type-graphql';
import { ErrorCode, GatewayError } from '../core/errors.js';
import type { GraphQLContext } from '../context.js';

/** Throws FORBIDDEN, naming the missing ones, unless the viewer holds every `required` scope. */
export function checkScopes(context: GraphQLContext, info: GraphQLResolveInfo, required: readonly string[]): void {
  const missing = required.filter((scope) => !context.viewer.scopes.has(scope as never));
  if (missing.length === 0) return;
  throw new GatewayError(ErrorCode.FORBIDDEN, `${info.parentType.name}.${info.fieldName} needs the scope ${missing.join(', ')}`, {
    details: { missingScopes: missing },
  });
}

/** type-graphql's checker, for the resolvers it still wraps itself (mutations; direct-resolvers.ts calls the others). */
export const scopeChecker: AuthChecker<GraphQLContext> = ({ context, info }, required) => {
  checkScopes(context, info, required);
  return true;
};

/**
 * The scopes every field declares with `@Authorized`, as `Type.field` → scopes, from
 * type-graphql's metadata once the schema is built (which fills in each field's roles).
 */
export function declaredScopes(): Map<string, readonly string[]> {
  const storage = getMetadataStorage();
  const scopes = new Map<string, readonly string[]>();
  const add = (type: string, field: string, roles: readonly unknown[] | undefined) => {
    if (roles && roles.length > 0) scopes.set(`${type}.${field}`, roles as string[]);
  };
  for (const query of storage.queries) add('Query', query.schemaName, query.roles);
  for (const mutation of storage.mutations) add('Mutation', mutation.schemaName, mutation.roles);
  for (const type of [...storage.objectTypes, ...storage.interfaceTypes]) {
    for (const field of type.fields ?? []) add(type.name, field.schemaName, field.roles);
  }
  return scopes;
}
