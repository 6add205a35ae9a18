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
 * `dataScopes: false` leaves the read-scope checks out: for the schema only viewers holding
 * every read scope are served by (schema.ts), for whom each of them would proceed.
 */
import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../context.js';
import { checkScopes, declaredScopes } from './auth-checker.js';
import { dataScopeCheck, PROCEED } from './data-scopes.js';

/** Wraps, in place, the resolver of every field of `schema` that declares or needs a scope. */
export function guardFields(schema: GraphQLSchema, { dataScopes = true } = {}): void {
  const declared = declaredScopes();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const required = declared.get(`${type.name}.${field.name}`);
      const dataScope = dataScopes ? dataScopeCheck(type.name, field.type) : undefined;
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
