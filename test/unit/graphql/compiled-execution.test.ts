import * as graphql from 'graphql';
import { compileQuery } from 'graphql-jit';
import { GraphQLError, GraphQLID, GraphQLInt, GraphQLInterfaceType, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import type { GatewayExecutor, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { compiledExecution } from '../../../src/graphql/compiled-execution.js';
import { ErrorCode, GatewayError } from '../../../src/core/errors.js';
import { Scope } from '../../../src/core/viewer.js';

// Counted, not replaced: which executor ran, and how often a document was compiled.
jest.mock('graphql', () => {
  const actual = jest.requireActual<typeof import('graphql')>('graphql');
  return { ...actual, execute: jest.fn(actual.execute) };
});
jest.mock('graphql-jit', () => {
  const actual = jest.requireActual<typeof import('graphql-jit')>('graphql-jit');
  return { ...actual, compileQuery: jest.fn(actual.compileQuery) };
});
const interpretedRuns = graphql.execute as jest.MockedFunction<typeof graphql.execute>;
const compilations = compileQuery as jest.MockedFunction<typeof compileQuery>;

beforeEach(() => {
  interpretedRuns.mockClear();
  compilations.mockClear();
});

/** A small schema with what the gateway's has: an interface, lists, arguments, a resolver that fails with a GatewayError. */
function testSchema(calls: { items: number }) {
  const node = new GraphQLInterfaceType({ name: 'Node', fields: { id: { type: new GraphQLNonNull(GraphQLID) } }, resolveType: (value: { __typename: string }) => value.__typename });
  const item = new GraphQLObjectType({
    name: 'Item',
    interfaces: [node],
    fields: {
      id: { type: new GraphQLNonNull(GraphQLID) },
      label: { type: GraphQLString },
      broken: {
        type: GraphQLString,
        resolve: () => {
          throw new GatewayError(ErrorCode.NOT_FOUND, 'Item part was not found', { provider: 'utgl' });
        },
      },
    },
  });
  const items = Array.from({ length: 5 }, (_, i) => ({ __typename: 'Item', id: `i${i}`, label: `item ${i}` }));
  return new GraphQLSchema({
    types: [item],
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        items: {
          type: new GraphQLList(node),
          args: { first: { type: new GraphQLNonNull(GraphQLInt) } },
          resolve: async (_root, args: { first: number }) => {
            calls.items += 1;
            return items.slice(0, args.first);
          },
        },
      },
    }),
  });
}

async function executorFor(guarded: GraphQLSchema, fullReaders = guarded): Promise<GatewayExecutor> {
  const { executor } = await compiledExecution({ guarded, fullReaders }).load({ apollo: {} });
  return executor!;
}

/** A request's context as the executor reads it: the viewer's scopes. */
const viewerWith = (...scopes: Scope[]) => ({ viewer: { scopes: new Set(scopes) } });

/** The part of Apollo's request context the executor reads. */
function request(document: graphql.DocumentNode, variables: Record<string, unknown>, context: object = viewerWith()) {
  return { document, request: { variables }, context, operationName: null } as unknown as GatewayGraphQLRequestContext;
}

describe('compiledExecution', () => {
  const QUERY = parse('query($first: Int!) { items(first: $first) { __typename id ... on Item { label broken } } }');

  it('answers as graphql-js does, data and errors alike, without running graphql-js', async () => {
    const calls = { items: 0 };
    const schema = testSchema(calls);
    const execute = await executorFor(schema);
    const compiled = await execute(request(QUERY, { first: 2 }));
    expect(interpretedRuns).not.toHaveBeenCalled();
    const reference = await graphql.execute({ schema, document: QUERY, variableValues: { first: 2 } });
    expect(JSON.parse(JSON.stringify(compiled))).toEqual(JSON.parse(JSON.stringify(reference)));
    expect(compiled.data).toEqual({ items: [{ __typename: 'Item', id: 'i0', label: 'item 0', broken: null }, { __typename: 'Item', id: 'i1', label: 'item 1', broken: null }] });
  });

  it("gives graphql-js's own errors: constructed by GraphQLError, the typed cause kept for the error plugin", async () => {
    const schema = testSchema({ items: 0 });
    const execute = await executorFor(schema);
    const { errors } = await execute(request(QUERY, { first: 1 }));
    const reference = await graphql.execute({ schema, document: QUERY, variableValues: { first: 1 } });
    expect(errors).toHaveLength(1);
    const [error] = errors!;
    expect(error!.constructor).toBe(GraphQLError);
    expect(error!.message).toBe('Item part was not found');
    expect(error!.path).toEqual(['items', 0, 'broken']);
    expect(error!.locations).toEqual(reference.errors![0]!.locations);
    expect(error!.locations).toHaveLength(1);
    expect(error!.originalError).toBeInstanceOf(GatewayError);
    expect((error!.originalError as GatewayError).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('refuses variables that do not coerce with the messages and nodes of graphql-js, before any resolver runs', async () => {
    const calls = { items: 0 };
    const schema = testSchema(calls);
    const execute = await executorFor(schema);
    for (const variables of [{ first: 'two' }, {}, { first: null }, { first: 2 ** 40 }]) {
      const compiled = await execute(request(QUERY, variables));
      const reference = await graphql.execute({ schema, document: QUERY, variableValues: variables });
      expect(compiled.data).toBeUndefined();
      expect(compiled.errors!.map((e) => e.message)).toEqual(reference.errors!.map((e) => e.message));
      // Apollo tells a variable's coercion failure (BAD_USER_INPUT) by its single VariableDefinition node.
      expect(compiled.errors!.map((e) => e.nodes?.map((n) => n.kind))).toEqual([[graphql.Kind.VARIABLE_DEFINITION]]);
    }
    expect(calls.items).toBe(0);
  });

  it('compiles a document once and runs it for every request', async () => {
    const calls = { items: 0 };
    const execute = await executorFor(testSchema(calls));
    const answers = await Promise.all([1, 2, 3].map((first) => execute(request(QUERY, { first }))));
    expect(answers.map((a) => (a.data!.items as unknown[]).length)).toEqual([1, 2, 3]);
    expect(calls.items).toBe(3);
    expect(compilations).toHaveBeenCalledTimes(1);
    expect(interpretedRuns).not.toHaveBeenCalled();
  });

  it('runs the operations of a viewer holding every read scope on the schema for full readers, anyone else on the guarded one, each compiled once', async () => {
    const guarded = testSchema({ items: 0 });
    const fullReaders = testSchema({ items: 0 });
    // Told apart by what they answer: the guarded schema's label is withheld.
    const item = guarded.getType('Item') as GraphQLObjectType;
    item.getFields().label!.resolve = () => null;
    const execute = await executorFor(guarded, fullReaders);
    const labels = async (context: object) => ((await execute(request(QUERY, { first: 1 }, context))).data!.items as Array<{ label: string | null }>)[0]!.label;

    expect(await labels(viewerWith(Scope.CARDS_READ, Scope.CARDHOLDERS_READ))).toBe('item 0');
    expect(await labels(viewerWith(Scope.CARDS_READ, Scope.CARDHOLDERS_READ, Scope.FUNDS_WRITE, Scope.CARDS_REVEAL))).toBe('item 0');
    // One read scope short: the checks must run.
    expect(await labels(viewerWith(Scope.CARDS_READ, Scope.FUNDS_WRITE))).toBeNull();
    expect(await labels(viewerWith(Scope.CARDHOLDERS_READ))).toBeNull();
    expect(await labels(viewerWith())).toBeNull();
    expect(await labels(viewerWith(Scope.CARDHOLDERS_READ, Scope.CARDS_READ))).toBe('item 0');
    expect(compilations).toHaveBeenCalledTimes(2);
    expect(compilations.mock.calls.map(([schema]) => schema)).toEqual([fullReaders, guarded]);
  });

  it('serves the guarded schema to Apollo', () => {
    const schema = testSchema({ items: 0 });
    const seen: GraphQLSchema[] = [];
    compiledExecution({ guarded: schema, fullReaders: testSchema({ items: 0 }) }).onSchemaLoadOrUpdate(({ apiSchema }) => seen.push(apiSchema));
    expect(seen).toEqual([schema]);
  });
});
