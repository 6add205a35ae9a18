/**
 * The checks that run before a field resolves, as one synchronous wrapper per guarded field of
 * the built schema: the scopes it declares with `@Authorized` first (auth-checker.ts), then
 * the read scopes of the data it belongs to or reaches (data-scopes.ts), in the order
 * type-graphql's middlewares ran them. A refusal is thrown where the field would resolve, so
 * it is that field's error, with its path, as from any resolver.
 *
 * Why not type-graphql's own `authChecker` and a global middleware: they wrap every field of
 * every object answered in an async middleware chain (issue 14). Fields with neither check
 * keep their resolver as it is; plain fields have none (`simpleResolvers`) and graphql reads
 * the property.
 *
 * `forFullReaders` leaves out every check only a read scope could fail — the read-scope check
 * of guarded data, and a declared `@Authorized` naming read scopes only (a cardholder's name):
 * for the schema that serves only viewers holding every read scope (schema.ts), for whom each
 * of those checks would proceed. Checks naming a write scope stay.
 */
import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../context.js';
import { checkScopes, declaredScopes } from './auth-checker.js';
import { dataScopeCheck, PROCEED } from './data-scopes.js';
import { READ_ONLY_SCOPES } from '../core/viewer.js';

const isReadOnlyScope = (scope: string) => (READ_ONLY_SCOPES as readonly string[]).includes(scope);

/** Wraps, in place, the resolver of every field of `schema` that declares or needs a scope. */
export function guardFields(schema: GraphQLSchema, { forFullReaders = false } = {}): void {
  const declared = declaredScopes();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const declaredHere = declared.get(`${type.name}.${field.name}`);
      const required = forFullReaders && declaredHere?.every(isReadOnlyScope) ? undefined : declaredHere;
      const dataScope = forFullReaders ? undefined : dataScopeCheck(type.name, field.type);
      if (!required && !dataScope) continue;
      const resolve: GraphQLFieldResolver<unknown, GraphQLContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: GraphQLContext, info) => {
        if (required) checkScopes(context, info, required);
        if (dataScope) {
          const answer = dataScope(context, info);
          if (answer !== PROCEED) return answer;
        }
        return resolve(source, args, context, info);
      };
    }
  }
}
