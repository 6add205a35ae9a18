import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import {
  getIntrospectionQuery,
  GraphQLError,
  Kind,
  Lexer,
  parse,
  Source,
  specifiedRules,
  TokenKind,
  validate,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { formatError } from '../../../src/graphql/error-plugin.js';
import {
  DEFAULT_QUERY_LIMITS,
  PARSE_OPTIONS,
  costPlugin,
  limitParseOptions,
  limitRules,
  operationCost,
  operationPrice,
  selectionDepth,
  type QueryLimits,
} from '../../../src/graphql/limits.js';
import { buildGatewaySchema } from '../../../src/graphql/schema.js';

const schema = buildGatewaySchema();
const examplesText = readFileSync(join(__dirname, '..', '..', '..', 'schema', 'examples.graphql'), 'utf8');

const limits = (overrides: Partial<QueryLimits> = {}): QueryLimits => ({ ...DEFAULT_QUERY_LIMITS, ...overrides });

/** The errors of graphql's own rules and ours. */
function check(query: string, overrides: Partial<QueryLimits> = {}): readonly GraphQLError[] {
  const document = parse(query, limitParseOptions(limits(overrides)));
  return validate(schema, document, [...specifiedRules, ...limitRules(limits(overrides))]);
}

/** Only the limit errors, as `{ limit, max, actual }`. */
function limitErrors(query: string, overrides: Partial<QueryLimits> = {}) {
  return check(query, overrides)
    .filter((e) => e.extensions.limit !== undefined)
    .map((e) => ({ limit: e.extensions.limit, max: e.extensions.max, actual: e.extensions.actual }));
}

function firstOperation(document: DocumentNode): OperationDefinitionNode {
  return document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
}

function costOf(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  return operationCost(schema, document, firstOperation(document), variables);
}

function tokenCount(text: string): number {
  const lexer = new Lexer(new Source(text));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

function depthOf(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f] as const),
  );
  return selectionDepth(operation.selectionSet, (name) => fragments.get(name));
}

function countOf(document: DocumentNode, what: 'aliases' | 'directives'): number {
  let count = 0;
  visit(document, {
    Field(node) {
      if (what === 'aliases' && node.alias) count += 1;
    },
    Directive() {
      if (what === 'directives') count += 1;
    },
  });
  return count;
}

// ---------------------------------------------------------------------------------------

describe('depth', () => {
  it('counts one level per field: at the limit passes, one over fails with the exact depth', () => {
    const query = '{ cards { nodes { wallet { balance { amount } } } } }';
    expect(limitErrors(query, { maxDepth: 5 })).toEqual([]);
    expect(limitErrors(query, { maxDepth: 4 })).toEqual([{ limit: 'depth', max: 4, actual: 5 }]);
  });

  it('counts through fragments and inline fragments, which add no level of their own', () => {
    const query = `
      query Deep($id: ID!) { node(id: $id) { ... on Card { cardholder { ...Holder } } } }
      fragment Holder on Cardholder { cards { nodes { ... on Card { id } } } }`;
    expect(limitErrors(query, { maxDepth: 5 })).toEqual([]);
    const errors = check(query, { maxDepth: 4 });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe('Operation Deep is nested 5 fields deep; the maximum depth is 4.');
    expect(errors[0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false, limit: 'depth', max: 4, actual: 5 });
  });

  it('takes the deepest branch', () => {
    expect(limitErrors('{ providers { provider } cards { nodes { wallet { id } } } }', { maxDepth: 3 })).toEqual([
      { limit: 'depth', max: 3, actual: 4 },
    ]);
  });

  it('terminates on fragment cycles (graphql reports the cycle)', () => {
    const query = `
      { node(id: "x") { ...A } }
      fragment A on Card { cardholder { ...B } }
      fragment B on Cardholder { cards { nodes { ...A } } }`;
    const errors = check(query);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('Cannot spread fragment "A" within itself')]);
    const selfCycle = parse('{ ...S } fragment S on Query { providers { provider } ...S }');
    const fragment = selfCycle.definitions[1] as FragmentDefinitionNode;
    expect(selectionDepth(firstOperation(selfCycle).selectionSet, () => fragment)).toBe(2);
  });

  it('measures a fragment spread exponentially often in linear time', () => {
    const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const query = `{ ...F0 }\n${fragments}\nfragment F40 on Query { providers { provider } }`;
    const started = performance.now();
    const document = parse(query);
    expect(depthOf(document, firstOperation(document))).toBe(2);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('counts introspection as one level (graphql bounds it with MaxIntrospectionDepthRule)', () => {
    expect(limitErrors(getIntrospectionQuery(), { maxDepth: 1 })).toEqual([]);
    expect(limitErrors('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }')).toEqual([]);
    expect(check('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }')).toHaveLength(1);
  });
});

describe('aliases', () => {
  const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;

  it('at the limit passes, one over fails with the exact count', () => {
    expect(limitErrors(aliased(30))).toEqual([]);
    expect(limitErrors(aliased(31))).toEqual([{ limit: 'aliases', max: 30, actual: 31 }]);
    expect(check(aliased(31))[0]!.message).toBe('The document uses 31 aliases; the maximum is 30.');
  });

  it('counts each written alias once, in fragments too, and not plain fields', () => {
    const query = `
      { a: providers { p: provider sandbox } ...F ...F }
      fragment F on Query { b: providers { provider } }`;
    expect(limitErrors(query, { maxAliases: 3 })).toEqual([]);
    expect(limitErrors(query, { maxAliases: 2 })).toEqual([{ limit: 'aliases', max: 2, actual: 3 }]);
  });
});

describe('directives', () => {
  it('at the limit passes, one over fails with the exact count', () => {
    const directed = (n: number) => `{ ${'__typename @include(if: true) '.repeat(n)}}`;
    expect(limitErrors(directed(20))).toEqual([]);
    expect(limitErrors(directed(21))).toEqual([{ limit: 'directives', max: 20, actual: 21 }]);
    expect(check(directed(21))[0]!.message).toBe('The document uses 21 directives; the maximum is 20.');
  });

  it('counts uses on fields, fragment spreads and inline fragments', () => {
    const query = `
      query Q($yes: Boolean = true) {
        providers @include(if: $yes) { provider @skip(if: false) }
        ...F @include(if: $yes)
        ... on Query @skip(if: false) { __typename }
      }
      fragment F on Query { __typename @include(if: true) }`;
    expect(limitErrors(query, { maxDirectives: 5 })).toEqual([]);
    expect(limitErrors(query, { maxDirectives: 4 })).toEqual([{ limit: 'directives', max: 4, actual: 5 }]);
  });
});

describe('tokens', () => {
  const fields = (n: number) => `{ ${'__typename '.repeat(n)}}`;

  it('parses a document of exactly maxTokens tokens and refuses one more', () => {
    expect(tokenCount(fields(1998))).toBe(2000);
    expect(() => parse(fields(1998), PARSE_OPTIONS)).not.toThrow();
    expect(() => parse(fields(1999), PARSE_OPTIONS)).toThrow('Syntax Error: Document contains more that 2000 tokens. Parsing aborted.');
  });

  it('is configurable', () => {
    expect(limitParseOptions({ maxTokens: 10 })).toEqual({ maxLexicalTokens: 10, maxTokens: 10 });
    expect(() => parse(fields(9), limitParseOptions({ maxTokens: 10 }))).toThrow('more that 10 tokens');
  });
});

describe('cost', () => {
  it('is 0 for scalars and 1 for objects', () => {
    expect(costOf('{ providers { provider sandbox capabilities } }')).toBe(1);
    expect(costOf('{ node(id: "x") { id } }')).toBe(1);
    expect(costOf('{ __typename }')).toBe(0);
  });

  it('multiplies a connection by its first argument, 20 when absent', () => {
    // 3 × (connection 1 + nodes (1 + wallet 1)) = 9
    expect(costOf('{ cards(first: 3) { nodes { id wallet { id } } } }')).toBe(9);
    expect(costOf('{ cards { nodes { id wallet { id } } } }')).toBe(60);
    expect(costOf('query Q($n: Int) { cards(first: $n) { nodes { id } } }', { n: 7 })).toBe(14);
    expect(costOf('query Q($n: Int = 4) { cards(first: $n) { nodes { id } } }')).toBe(8);
  });

  it('multiplies nested connections', () => {
    // 2 × (1 + nodes (1 + cards: 3 × (1 + nodes 1)))
    expect(costOf('{ cardholders(first: 2) { nodes { cards(first: 3) { nodes { id } } } } }')).toBe(2 * (1 + (1 + 3 * 2)));
  });

  it('counts a first below 1 as 1, so it cannot lower what surrounds it', () => {
    expect(costOf('{ cards(first: -50) { nodes { wallet { id } } } }')).toBe(3);
  });

  it('takes the most expensive type of an abstract selection', () => {
    const query = `{ node(id: "x") {
      ... on Card { transactions(first: 4) { nodes { id } } }
      ... on Wallet { cardholder { id } }
    } }`;
    expect(costOf(query)).toBe(1 + 4 * 2);
  });

  it('costs a nodes document per id times its selection', () => {
    // 3 ids × (1 + wallet 1)
    expect(costOf('{ nodes(ids: ["a", "b", "c"]) { id ... on Card { wallet { id } } } }')).toBe(3 * 2);
    expect(costOf('query Q($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array.from({ length: 40 }, (_, i) => `x${i}`) })).toBe(40);
    // An empty list still resolves the field once.
    expect(costOf('{ nodes(ids: []) { id } }')).toBe(1);
  });

  it('multiplies by aliases: each aliased nodes field is costed and its ids counted', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `x${i}`);
    const query = `query Q($ids: [ID!]!) { ${Array.from({ length: 30 }, (_, i) => `a${i}: nodes(ids: $ids) { id ... on Card { wallet { id } } }`).join(' ')} }`;
    const document = parse(query);
    expect(operationPrice(schema, document, firstOperation(document), { ids })).toEqual({ cost: 30 * 100 * 2, ids: 3000 });
  });

  it('counts the ids of nodes fields inside fragments each time the fragment is spread', () => {
    const document = parse('{ ...F ...G } fragment F on Query { nodes(ids: ["a", "b"]) { id } } fragment G on Query { x: nodes(ids: ["c"]) { id } ...F }');
    expect(operationPrice(schema, document, firstOperation(document)).ids).toBe(5);
  });

  it('counts repeated fields each time (a duplication bomb costs what it asks)', () => {
    expect(costOf(`{ cards(first: 10) { nodes { ${'wallet { id } '.repeat(50)}} } }`)).toBe(10 * (1 + 1 + 50));
  });
});

// ---------------------------------------------------------------------------------------

describe('schema/examples.graphql', () => {
  const text = examplesText;
  const examples = parse(text);
  const operations = examples.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  /** Each operation as it is sent: its own text. */
  const sent = operations.map((op) => [op.name!.value, text.slice(op.loc!.start, op.loc!.end)] as const);

  function measure(source: string) {
    const document = parse(source, PARSE_OPTIONS);
    const operation = firstOperation(document);
    return {
      depth: depthOf(document, operation),
      aliases: countOf(document, 'aliases'),
      directives: countOf(document, 'directives'),
      tokens: tokenCount(source),
      // Required variables filled in; page sizes left to their defaults.
      cost: operationCost(schema, document, operation, {
        id: 'x',
        cardId: 'x',
        key: 'example-key-1',
        input: { fromWalletId: 'x', toWalletId: 'y', amount: '1.00', currency: 'USD' },
      }),
    };
  }

  it('has the operations the integration tests run', () => {
    expect(sent.length).toBeGreaterThanOrEqual(8);
  });

  it.each(sent)('%s passes every limit with graphql\'s rules', (_name, source) => {
    const document = parse(source, PARSE_OPTIONS);
    expect(validate(schema, document, [...specifiedRules, ...limitRules()])).toEqual([]);
  });

  it.each(sent)('%s uses at most half of each limit', (_name, source) => {
    const used = measure(source);
    expect(used.depth).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxDepth / 2);
    expect(used.aliases).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxAliases / 2);
    expect(used.directives).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxDirectives / 2);
    expect(used.tokens).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxTokens / 2);
    expect(used.cost).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxCost / 2);
  });

  it('measures as documented on DEFAULT_QUERY_LIMITS', () => {
    const all = sent.map(([, source]) => measure(source));
    const max = (key: keyof (typeof all)[number]) => Math.max(...all.map((m) => m[key]));
    expect({ depth: max('depth'), aliases: max('aliases'), directives: max('directives'), tokens: max('tokens'), cost: max('cost') }).toEqual({
      depth: 8,
      aliases: 0,
      directives: 0,
      tokens: 81,
      cost: 3480,
    });
  });

  it('leaves the standard introspection query (Apollo Sandbox, codegen) within every limit', () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    expect(check(query)).toEqual([]);
    expect(tokenCount(query)).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxTokens / 2);
    expect(costOf(query)).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxCost / 2);
  });
});

// ---------------------------------------------------------------------------------------

const bombs = {
  depth: `{ cards(first: 1) { nodes { ${'cardholder { cards(first: 1) { nodes { '.repeat(12)}id${' } } }'.repeat(12)} } } }`,
  aliases: `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
  directives: `{ ${'__typename @include(if: true) '.repeat(100)}}`,
  cost: `{ cards(first: 100) { nodes { ${'wallet { id } '.repeat(300)}} } }`,
};

describe('bombs', () => {
  it('stay under the token limit, so the intended limit is the one that refuses them', () => {
    for (const query of Object.values(bombs)) expect(tokenCount(query)).toBeLessThan(DEFAULT_QUERY_LIMITS.maxTokens);
  });

  it('a depth bomb is refused for its depth', () => {
    expect(limitErrors(bombs.depth)).toEqual([{ limit: 'depth', max: 16, actual: 39 }]);
  });

  it('an alias bomb (500 aliases) is refused for its aliases', () => {
    expect(limitErrors(bombs.aliases)).toEqual([{ limit: 'aliases', max: 30, actual: 500 }]);
  });

  it('a directive bomb is refused for its directives', () => {
    expect(limitErrors(bombs.directives)).toEqual([{ limit: 'directives', max: 20, actual: 100 }]);
  });

  it('a field-duplication bomb passes validation and is refused for its cost', () => {
    expect(check(bombs.cost)).toEqual([]);
    expect(costOf(bombs.cost)).toBe(100 * 302);
  });

  it('a field-duplication bomb past the token limit is refused by the parser', () => {
    expect(() => parse(`{ providers { ${'provider '.repeat(5000)}} }`, PARSE_OPTIONS)).toThrow('2000 tokens');
  });

  it('a fragment-expansion bomb is too large to count: infinite cost', () => {
    const fragments = Array.from({ length: 20 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const query = `{ ...F0 }\n${fragments}\nfragment F20 on Query { providers { provider } }`;
    expect(check(query)).toEqual([]);
    expect(costOf(query)).toBe(Number.POSITIVE_INFINITY);
  });
});

// ---------------------------------------------------------------------------------------

describe('wired into Apollo Server 5', () => {
  let server: ApolloServer;
  const costs: Array<[number, string | null]> = [];
  /** The errors as raised, before formatError. */
  const raw: GraphQLError[] = [];

  beforeAll(async () => {
    server = new ApolloServer({
      schema,
      formatError,
      includeStacktraceInErrorResponses: false,
      parseOptions: PARSE_OPTIONS,
      validationRules: limitRules(DEFAULT_QUERY_LIMITS),
      plugins: [
        costPlugin({ maxCost: DEFAULT_QUERY_LIMITS.maxCost, onCost: (cost, name) => costs.push([cost, name]) }),
        {
          async requestDidStart() {
            return {
              async didEncounterErrors({ errors }) {
                raw.push(...errors);
              },
            };
          },
        },
      ],
    });
    await server.start();
  });
  afterAll(() => server.stop());

  async function run(query: string, variables?: Record<string, unknown>) {
    const response = await server.executeOperation({ query, variables });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return { status: response.http.status, result: response.body.singleResult };
  }

  const refused = { code: 'BAD_USER_INPUT', retryable: false };

  it('answers an operation within the limits', async () => {
    const { status, result } = await run('query Tiny { __typename }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ __typename: 'Query' });
    expect(status).toBeUndefined(); // 200
    expect(costs).toContainEqual([0, 'Tiny']);
  });

  it('answers the standard introspection query', async () => {
    const { result } = await run(getIntrospectionQuery());
    expect(result.errors).toBeUndefined();
  });

  it.each([
    ['a depth', bombs.depth, 'is nested 39 fields deep; the maximum depth is 16.', { limit: 'depth', max: 16, actual: 39 }],
    ['an alias', bombs.aliases, 'The document uses 500 aliases; the maximum is 30.', { limit: 'aliases', max: 30, actual: 500 }],
    ['a directive', bombs.directives, 'The document uses 100 directives; the maximum is 20.', { limit: 'directives', max: 20, actual: 100 }],
    ['a field-duplication', bombs.cost, 'The operation costs 30200; the maximum cost is 10000. Ask for smaller pages (first) or fewer nested connections.', { limit: 'cost', max: 10000, actual: 30200 }],
  ])('refuses %s bomb with BAD_USER_INPUT and HTTP 400, before execution', async (_limit, query, message, details) => {
    const { status, result } = await run(query);
    expect(status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.message).toContain(message);
    // The client learns which limit, its maximum and what the request used.
    expect(result.errors![0]!.extensions).toEqual({ ...refused, ...details });
  });

  it('refuses a document over the token limit with BAD_USER_INPUT and HTTP 400', async () => {
    const { status, result } = await run(`{ ${'__typename '.repeat(2500)}}`);
    expect(status).toBe(400);
    expect(result.errors).toEqual([
      expect.objectContaining({ message: 'Syntax Error: Document contains more that 2000 tokens. Parsing aborted.', extensions: refused }),
    ]);
  });

  it('refuses a fragment-expansion bomb as over the cost limit', async () => {
    const fragments = Array.from({ length: 20 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const { status, result } = await run(`{ ...F0 }\n${fragments}\nfragment F20 on Query { providers { provider } }`);
    expect(status).toBe(400);
    expect(result.errors![0]!.message).toBe(
      'The operation expands to more than 10000 selections (fragments included); its cost is over the maximum of 10000.',
    );
    expect(result.errors![0]!.extensions).toMatchObject({ ...refused, limit: 'cost', max: 10000 });
  });

  it('prices with the request variables: CardholdersWithCards for 100 cardholders is refused', async () => {
    const example = examplesText.slice(examplesText.indexOf('query CardholdersWithCards'), examplesText.indexOf('# A wallet with'));
    // With its defaults it is admitted and executes (its resolvers fail here: no gateway in the context).
    const admitted = await run(example);
    expect(admitted.status).not.toBe(400);
    expect(admitted.result.errors?.every((e) => e.path !== undefined)).not.toBe(false);
    expect(costs).toContainEqual([3480, 'CardholdersWithCards']);
    const { status, result } = await run(example, { first: 100 });
    expect(status).toBe(400);
    expect(result.errors![0]!.message).toBe(
      'Operation CardholdersWithCards costs 17400; the maximum cost is 10000. Ask for smaller pages (first) or fewer nested connections.',
    );
  });

  it('refuses a nodes document whose ids across aliases exceed the cap, naming the limit', async () => {
    const capped = new ApolloServer({ schema, formatError, plugins: [costPlugin({ maxCost: 1_000_000, maxIds: 100 })] });
    await capped.start();
    try {
      const ids = Array.from({ length: 60 }, (_, i) => `x${i}`);
      const response = await capped.executeOperation({ query: 'query Two($ids: [ID!]!) { a: nodes(ids: $ids) { id } b: nodes(ids: $ids) { id } }', variables: { ids } });
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      expect(response.http.status).toBe(400);
      expect(response.body.singleResult.errors![0]!.message).toBe('Operation Two looks up 120 ids by id (nodes(ids:), all aliases together); the maximum is 100.');
      expect(response.body.singleResult.errors![0]!.extensions).toEqual({ ...refused, limit: 'ids', max: 100, actual: 120 });
    } finally {
      await capped.stop();
    }
  });

  it('reports invalid variables as BAD_USER_INPUT, not as an internal error', async () => {
    const { status, result } = await run('query P($first: Int) { cards(first: $first) { nodes { id } } }', { first: 'many' });
    expect(status).toBe(400);
    expect(result.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('Variable "$first" got invalid value "many"'), extensions: refused })]);
  });

  it('raises errors carrying limit, max and actual, which formatError narrows to { code, retryable }', async () => {
    raw.length = 0;
    await run(bombs.aliases);
    await run(bombs.cost);
    expect(raw.map((e) => e.extensions)).toEqual([
      // Apollo re-codes validation errors GRAPHQL_VALIDATION_FAILED (formatError: BAD_USER_INPUT).
      { code: 'GRAPHQL_VALIDATION_FAILED', retryable: false, limit: 'aliases', max: 30, actual: 500, http: expect.anything() },
      { code: 'BAD_USER_INPUT', retryable: false, limit: 'cost', max: 10000, actual: 30200, http: { status: 400 } },
    ]);
  });
});
