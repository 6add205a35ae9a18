import 'reflect-metadata';
import { execute, parse, type GraphQLFieldResolver, type GraphQLObjectType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { Arg, Args, Authorized, ArgsType, Ctx, Field, FieldResolver, ID, Info, InputType, Int, ObjectType, Query, Resolver, Root, UseMiddleware, buildSchemaSync, registerEnumType } from 'type-graphql';
import { scopeChecker } from '../../../src/graphql/auth-checker';
import { callResolversDirectly } from '../../../src/graphql/direct-resolvers';
import { guardFields } from '../../../src/graphql/field-guards';

enum Colour {
  RED = 'RED',
  BLUE = 'BLUE',
}
registerEnumType(Colour, { name: 'Colour' });

@ArgsType()
class Page {
  @Field(() => Int, { nullable: true })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@InputType()
class Filter {
  @Field(() => Colour, { nullable: true })
  colour?: Colour | null;

  @Field(() => ID, { nullable: true })
  ownerId?: string | null;
}

@InputType()
class Inner {
  @Field(() => String)
  x!: string;
}

@InputType()
class Outer {
  @Field(() => Inner, { nullable: true })
  inner?: Inner | null;
}

@ObjectType()
class Thing {
  @Field(() => ID)
  id!: string;
}

interface Context {
  tag: string;
  viewer: { scopes: Set<string> };
}

/** What each resolver was called with, in call order. */
const seen: unknown[][] = [];

@Resolver(() => Thing)
class ThingResolver {
  @Query(() => Thing)
  thing(@Arg('id', () => ID) id: string, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    seen.push(['thing', id, ctx.tag, info.fieldName, arguments.length]);
    return { id };
  }

  @Query(() => [Thing])
  things(@Args() page: Page, @Arg('filter', () => Filter, { nullable: true }) filter: Filter | null, @Arg('colours', () => [Colour], { nullable: true }) colours: Colour[] | null, @Ctx('tag') tag: string) {
    seen.push(['things', page, filter, colours, tag, arguments.length]);
    return [{ id: 't1' }];
  }

  @Query(() => Thing)
  failing(@Arg('id', () => ID) id: string): Thing {
    throw new Error(`no thing ${id}`);
  }

  @Authorized('cards:read')
  @Query(() => String)
  guarded(@Arg('id', () => ID) id: string) {
    return id;
  }

  @Query(() => String)
  nested(@Arg('outer', () => Outer) outer: Outer) {
    return outer.inner?.x ?? '';
  }

  @UseMiddleware(async (_data, next) => next())
  @Query(() => String)
  withMiddleware(@Arg('id', () => ID) id: string) {
    return id;
  }

  @FieldResolver(() => String)
  label(@Root() thing: { id: string }, @Arg('prefix', () => String, { nullable: true }) prefix: string | null) {
    return `${prefix ?? ''}${thing.id}`;
  }

  @FieldResolver(() => String)
  kind(@Root() thing: Thing) {
    return thing instanceof Thing ? 'instance' : 'plain';
  }
}

function build(): GraphQLSchema {
  return buildSchemaSync({ resolvers: [ThingResolver], validate: false, authChecker: scopeChecker });
}

function resolvers(schema: GraphQLSchema): Map<string, GraphQLFieldResolver<unknown, unknown> | undefined> {
  const fields = new Map<string, GraphQLFieldResolver<unknown, unknown> | undefined>();
  for (const type of [schema.getQueryType()!, schema.getType('Thing') as GraphQLObjectType]) {
    for (const field of Object.values(type.getFields())) fields.set(`${type.name}.${field.name}`, field.resolve);
  }
  return fields;
}

async function run(schema: GraphQLSchema, query: string, scopes: string[] = ['cards:read']) {
  seen.length = 0;
  const result = await execute({ schema, document: parse(query), contextValue: { tag: 'ctx', viewer: { scopes: new Set(scopes) } } });
  return { result: JSON.parse(JSON.stringify(result)) as unknown, seen: [...seen] };
}

describe('callResolversDirectly', () => {
  const wrapped = build();
  const direct = build();
  const before = resolvers(direct);
  callResolversDirectly(direct, [ThingResolver]);
  const after = resolvers(direct);

  it('replaces the resolvers that need nothing of the wrapper and keeps the others', () => {
    expect([...after].filter(([name, resolve]) => resolve !== before.get(name)).map(([name]) => name).sort()).toEqual([
      'Query.failing',
      'Query.guarded',
      'Query.thing',
      'Query.things',
      'Thing.label',
    ]);
    // A nested input class, a middleware of its own, a @Root() typed with a class: type-graphql's wrapper stays.
    for (const name of ['Query.nested', 'Query.withMiddleware', 'Thing.kind']) expect(after.get(name)).toBe(before.get(name));
  });

  it('calls the method at once, without the wrapper’s promises', () => {
    const info = { fieldName: 'thing' } as GraphQLResolveInfo;
    const context = { tag: 'x', viewer: { scopes: new Set<string>() } };
    const directAnswer = after.get('Query.thing')!(undefined, { id: 'c1' }, context, info);
    const wrappedAnswer = resolvers(wrapped).get('Query.thing')!(undefined, { id: 'c1' }, context, info);
    expect(directAnswer).toEqual({ id: 'c1' });
    expect(wrappedAnswer).toBeInstanceOf(Promise);
  });

  it('hands each resolver the same values as type-graphql: instances of the argument classes holding the fields given', async () => {
    const queries = [
      '{ thing(id: "a1") { id label(prefix: "#") kind } }',
      '{ things(first: 5, filter: { colour: BLUE }, colours: [RED, BLUE]) { id label } }',
      '{ things(after: "c", filter: null) { id } }',
      '{ things { id } }',
      '{ nested(outer: { inner: { x: "deep" } }) withMiddleware(id: "m1") }',
    ];
    for (const query of queries) {
      const expected = await run(wrapped, query);
      const actual = await run(direct, query);
      expect(actual).toEqual(expected);
      // toEqual ignores prototypes and keys holding undefined; the resolver sees both.
      expect(actual.seen.map(describeValues)).toEqual(expected.seen.map(describeValues));
    }
    const { seen: calls } = await run(direct, '{ things(first: 5, filter: { colour: BLUE }) { id } }');
    const [, page, filter, , , argumentCount] = calls[0]!;
    // Exactly the method's four parameters, as type-graphql passes them.
    expect(argumentCount).toBe(4);
    expect(page).toBeInstanceOf(Page);
    expect(Object.keys(page as object)).toEqual(['first']);
    expect(filter).toBeInstanceOf(Filter);
    expect(Object.keys(filter as object)).toEqual(['colour']);
  });

  it('answers a resolver’s error as the same located error', async () => {
    const expected = await run(wrapped, '{ failing(id: "f1") { id } }');
    const actual = await run(direct, '{ failing(id: "f1") { id } }');
    expect(actual.result).toEqual(expected.result);
    expect(actual.result).toMatchObject({ errors: [{ message: 'no thing f1', path: ['failing'] }], data: null });
  });

  it('leaves the scope check to field-guards, which wraps the direct resolver: FORBIDDEN without the scope, as before', async () => {
    const guardedWrapped = build();
    guardFields(guardedWrapped);
    const guardedDirect = build();
    callResolversDirectly(guardedDirect, [ThingResolver]);
    guardFields(guardedDirect);
    for (const scopes of [[], ['cards:read']]) {
      const expected = await run(guardedWrapped, '{ guarded(id: "g1") }', scopes);
      const actual = await run(guardedDirect, '{ guarded(id: "g1") }', scopes);
      expect(actual.result).toEqual(expected.result);
    }
    expect((await run(guardedDirect, '{ guarded(id: "g1") }', [])).result).toMatchObject({ errors: [{ message: 'Query.guarded needs the scope cards:read' }] });
    expect((await run(guardedDirect, '{ guarded(id: "g1") }')).result).toEqual({ data: { guarded: 'g1' } });
  });

  it('leaves the resolvers of classes it is not given alone', () => {
    const other = build();
    const untouched = resolvers(other);
    callResolversDirectly(other, []);
    expect(resolvers(other)).toEqual(untouched);
  });
});

/** Each value with its prototype's name and its own keys, so an instance and a plain object differ. */
function describeValues(values: unknown[]): unknown[] {
  return values.map((value) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? { class: Object.getPrototypeOf(value)?.constructor?.name, keys: Object.keys(value), value } : value,
  );
}
