/**
 * The resolvers of the `@Resolver` classes, called directly. type-graphql calls each through a
 * wrapper (its `createHandlerResolver`) that, on every call, asks its container for the class's
 * instance, runs an async middleware chain holding the `@Authorized` check, sorts and maps the
 * parameters, and passes every argument through an async `validateArg` and `Promise.all`: a
 * resolver with an argument answers through half a dozen promises and several microtask turns
 * (issue 14; a card by id pays it once, the nested shape once per cardholder and card).
 *
 * Here each query and field resolver whose parameters need nothing of that is replaced, once,
 * by a function reading its parameters the way type-graphql would and calling the method:
 * - validation is off for the whole schema (schema.ts: `validate: false`), so `validateArg`
 *   returns each argument as it is; a parameter with a validator of its own keeps the wrapper;
 * - the scopes the resolver declares are checked by field-guards.ts, which wraps the field
 *   after this (type-graphql's middleware only checked them a second time); a resolver with
 *   middlewares of its own keeps the wrapper;
 * - an argument of an input or args class becomes an instance of that class holding the
 *   fields given, as type-graphql's conversion makes it; a class with a nested input class,
 *   a list of them, or a `@Root()` typed with a class (type-graphql would copy the object
 *   into an instance of it) keeps the wrapper;
 * - the resolver classes hold no state (no constructor, no fields), so one instance per class
 *   does what type-graphql's default container does.
 * Mutations keep type-graphql's wrapper: they are not on the hot path, and their inputs nest.
 */
import { GraphQLScalarType, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

type Storage = ReturnType<typeof getMetadataStorage>;
type Resolver = Storage['queries'][number] | Storage['fieldResolvers'][number];
type Param = NonNullable<Resolver['params']>[number];
type Args = Record<string, unknown>;
type ReadParam = (root: unknown, args: Args, context: unknown, info: unknown) => unknown;
type ClassType = new () => object;

/** Types whose values type-graphql passes on unchanged (`convertToType`'s simple types). */
const PASSED_AS_IS = new Set<unknown>([String, Number, Boolean, Date]);

/**
 * Replaces, in place, the resolver of every query and field resolver of `resolverClasses` (the
 * classes `schema` was built from) that can be called directly.
 */
export function callResolversDirectly(schema: GraphQLSchema, resolverClasses: readonly Function[]): void {
  const storage = getMetadataStorage();
  const ours = new Set(resolverClasses);
  const instances = new Map<Function, object>();
  const instanceOf = (target: Function) => {
    let instance = instances.get(target);
    if (!instance) instances.set(target, (instance = new (target as ClassType)()));
    return instance;
  };
  const replace = (typeName: string, resolver: Resolver) => {
    if (!ours.has(resolver.target)) return;
    const type = schema.getType(typeName);
    const field = isObjectType(type) ? type.getFields()[resolver.schemaName] : undefined;
    const direct = field?.resolve && directResolver(storage, resolver, instanceOf);
    if (direct) field.resolve = direct;
  };
  for (const query of storage.queries) replace('Query', query);
  for (const fieldResolver of storage.fieldResolvers) {
    if (fieldResolver.kind !== 'external') continue;
    const objectClass = fieldResolver.getObjectType?.();
    const objectType = storage.objectTypes.find((candidate) => candidate.target === objectClass);
    if (objectType) replace(objectType.name, fieldResolver);
  }
}

function directResolver(storage: Storage, resolver: Resolver, instanceOf: (target: Function) => object): GraphQLFieldResolver<unknown, unknown> | undefined {
  if ((resolver.middlewares?.length ?? 0) > 0) return undefined;
  const method = (resolver.target.prototype as Record<string, unknown>)[resolver.methodName];
  if (typeof method !== 'function') return undefined;
  const readers: ReadParam[] = [];
  // Each reader at its parameter's position; a position no parameter fills keeps the wrapper.
  for (const param of resolver.params ?? []) {
    const read = paramReader(storage, param);
    if (!read) return undefined;
    readers[param.index] = read;
  }
  if (readers.some((read) => read === undefined)) return undefined;
  const instance = instanceOf(resolver.target);
  const [first, second] = readers as [ReadParam, ReadParam];
  // Each passes exactly the method's parameters; the commonest counts build no array per call.
  switch (readers.length) {
    case 0:
      return () => method.call(instance);
    case 1:
      return (root, args, context, info) => method.call(instance, first(root, args as Args, context, info));
    case 2:
      return (root, args, context, info) => method.call(instance, first(root, args as Args, context, info), second(root, args as Args, context, info));
    default:
      return (root, args, context, info) => method.apply(instance, readers.map((read) => read(root, args as Args, context, info)));
  }
}

function paramReader(storage: Storage, param: Param): ReadParam | undefined {
  switch (param.kind) {
    case 'context': {
      const property = param.propertyName;
      return property ? (_root, _args, context) => (context as Record<string, unknown>)[property] : (_root, _args, context) => context;
    }
    case 'info':
      return (_root, _args, _context, info) => info;
    case 'root': {
      const type = param.getType?.();
      if (type !== undefined && type !== Object) return undefined;
      const property = param.propertyName;
      return property ? (root) => (root as Record<string, unknown>)[property] : (root) => root;
    }
    case 'arg': {
      if (param.validateFn || param.validateSettings !== undefined) return undefined;
      const name = param.name;
      const type = param.getType();
      if (isPassedAsIs(type)) return (_root, args) => args[name];
      const fields = flatFields(storage.inputTypes, type);
      if (!fields || param.typeOptions.array) return undefined;
      return (_root, args) => instanceWith(type as ClassType, fields, args[name] as Record<string, unknown> | null | undefined);
    }
    case 'args': {
      if (param.validateFn || param.validateSettings !== undefined) return undefined;
      const type = param.getType();
      const fields = flatFields(storage.argumentTypes, type);
      if (!fields) return undefined;
      return (_root, args) => instanceWith(type as ClassType, fields, args);
    }
    default:
      return undefined;
  }
}

/** A scalar or an enum: type-graphql hands its value (or a list of them) to the resolver as it is. */
function isPassedAsIs(type: unknown): boolean {
  return type instanceof GraphQLScalarType || PASSED_AS_IS.has(type) || (typeof type === 'object' && type !== null);
}

/**
 * The field names of an input or args class registered with type-graphql whose every field is a
 * scalar or an enum (no superclass holding fields of its own); undefined for anything else.
 */
function flatFields(registered: Storage['inputTypes'] | Storage['argumentTypes'], type: unknown): string[] | undefined {
  if (typeof type !== 'function') return undefined;
  const own = registered.find((candidate) => candidate.target === type);
  if (!own || registered.some((candidate) => candidate.target !== type && type.prototype instanceof candidate.target)) return undefined;
  const fields = own.fields ?? [];
  return fields.every((field) => isPassedAsIs(field.getType())) ? fields.map((field) => field.name) : undefined;
}

/**
 * What type-graphql's conversion makes of an input: an instance of the class holding exactly the
 * fields given (its declared fields left undefined are removed), or null/undefined as given.
 */
function instanceWith(type: ClassType, fields: readonly string[], given: Record<string, unknown> | null | undefined): object | null | undefined {
  if (given == null) return given;
  const values: Record<string, unknown> = {};
  for (const name of fields) if (given[name] !== undefined) values[name] = given[name];
  const instance = new type() as Record<string, unknown>;
  for (const key of Object.keys(instance)) if (instance[key] === undefined && !(key in values)) delete instance[key];
  return Object.assign(instance, values);
}
