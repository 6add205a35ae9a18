import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getIntrospectionQuery, Kind, Lexer, parse, print, visit } from 'graphql';
import { documentScanError, documentScanner, PASSED_DOCUMENTS_KEPT, scanDocument } from '../../../src/graphql/document-scan.js';
import { DEFAULT_QUERY_LIMITS } from '../../../src/graphql/limits.js';

const examples = readFileSync(join(__dirname, '..', '..', '..', 'schema', 'examples.graphql'), 'utf8');

/** What the scan should find, counted on the parsed document. */
function astCounts(source: string): { fields: number; selections: number } {
  let fields = 0;
  let selections = 0;
  visit(parse(source), {
    Field() {
      fields += 1;
      selections += 1;
    },
    FragmentSpread() {
      selections += 1;
    },
    InlineFragment() {
      selections += 1;
    },
  });
  return { fields, selections };
}

const TRICKY = [
  // Aliases count once; arguments with object and list values, variables with object defaults.
  'query Q($f: CardFilter = { provider: UTGL, status: ACTIVE }, $n: Int = 3) { a: cards(first: $n, filter: $f) { nodes { id b: status } } }',
  // Directives (with arguments) on fields, spreads and inline fragments; type conditions.
  'query { cards @include(if: true) { nodes { ...F @skip(if: false) ... on Card @include(if: true) { id } ... @skip(if: false) { status } } } } fragment F on Card { last4 on: id }',
  // Strings and block strings holding braces and colons.
  'mutation { createCardholder(input: { firstName: "a: { b }", lastName: """c { d: e }""", email: "x" }) { cardholder { id } } }',
  // A field named like a keyword, and nested object values.
  '{ node(id: "x") { id ... on Card { fragment: id query: status } } }',
];

describe('the document scan (before parsing and validation)', () => {
  it.each([
    ['schema/examples.graphql', examples],
    ['the standard introspection query', getIntrospectionQuery()],
    ...TRICKY.map((q, i) => [`tricky document ${i + 1}`, q] as [string, string]),
  ])('counts the fields and selections of %s exactly as the parsed document has them', (_name, source) => {
    expect(scanDocument(source, 10_000)).toMatchObject(astCounts(source));
  });

  it('stops reading at the token limit', () => {
    expect(scanDocument(`{ ${'a '.repeat(5000)}}`, 2000)!.tokens).toBe(2001);
  });

  it('gives up on a document that does not lex, leaving the parser to report it', () => {
    expect(scanDocument('{ cards { id } } "unterminated', 2000)).toBeNull();
    expect(documentScanError('{ cards { id } } "unterminated', DEFAULT_QUERY_LIMITS)).toBeUndefined();
  });

  it('refuses one field repeated 499 times for its fields, naming the limit and the count', () => {
    const error = documentScanError(`{ cards { nodes { ${'id '.repeat(499)}} } }`, DEFAULT_QUERY_LIMITS)!;
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false, details: { limit: 'fields', max: 150, actual: 501 } });
    expect(error.message).toBe('The document selects 501 fields; the maximum is 150.');
  });

  it('refuses a document spreading fragments more often than the selection limit allows', () => {
    const spreads = '...F '.repeat(199);
    const error = documentScanError(`{ cards { nodes { ${spreads}} } } fragment F on Card { id }`, DEFAULT_QUERY_LIMITS)!;
    expect(error.details).toEqual({ limit: 'selections', max: 200, actual: 202 });
  });

  it('leaves every example operation and the introspection query within half of each limit', () => {
    const fragments = parse(examples).definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
    const operations = parse(examples).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    expect(operations.length).toBeGreaterThan(5);
    for (const source of [...operations.map((o) => print({ kind: Kind.DOCUMENT, definitions: [o, ...fragments] })), getIntrospectionQuery()]) {
      const counts = scanDocument(source, DEFAULT_QUERY_LIMITS.maxTokens)!;
      expect(counts.fields).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxFields / 2);
      expect(counts.selections).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxSelections / 2);
    }
  });
});

describe('documentScanner (the scan with the documents that passed remembered)', () => {
  const limits = { ...DEFAULT_QUERY_LIMITS, maxFields: 3 };

  it('answers a document it passed before without scanning it again, and refuses the same as the scan', () => {
    const scan = documentScanner(limits);
    const lexed = jest.spyOn(Lexer.prototype, 'advance');
    expect(scan('{ a b }')).toBeUndefined();
    const once = lexed.mock.calls.length;
    expect(once).toBeGreaterThan(0);
    expect(scan('{ a b }')).toBeUndefined();
    expect(lexed.mock.calls.length).toBe(once);
    const tooMany = '{ a b c d }';
    expect(scan(tooMany)?.message).toBe(documentScanError(tooMany, limits)?.message);
    // A refusal is not remembered as passing: asked again, it is scanned and refused again.
    expect(scan(tooMany)?.details).toEqual({ limit: 'fields', max: 3, actual: 4 });
    lexed.mockRestore();
  });

  it(`remembers at most ${PASSED_DOCUMENTS_KEPT} documents, the oldest forgotten first`, () => {
    const scan = documentScanner(limits);
    for (let i = 0; i <= PASSED_DOCUMENTS_KEPT; i += 1) scan(`{ f${i} }`);
    const lexed = jest.spyOn(Lexer.prototype, 'advance');
    scan(`{ f${PASSED_DOCUMENTS_KEPT} }`);
    expect(lexed).not.toHaveBeenCalled();
    scan('{ f0 }');
    expect(lexed).toHaveBeenCalled();
    lexed.mockRestore();
  });
});
