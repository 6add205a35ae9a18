/**
 * The price of an operation (cost, ids looked up: limits.ts) is computed once per document and
 * shape of its variables, not on every request: a client asking for one card by id sends the
 * same document with a different `$id` each time, and walking the document with
 * graphql-query-complexity was 6% of such a request's CPU (issue 14).
 *
 * Only some variables can change a price: those written in a `first` or `ids` argument (the
 * page sizes and ids the estimator reads) or in a directive (`@include(if:)` and `@skip(if:)`
 * decide what is counted). The cache key holds their coerced values; of every other variable
 * it holds only whether it is null, since a null in a non-null argument makes the price
 * computation throw. Variables that do not coerce are never looked up: the price is computed
 * as before and throws the same error.
 *
 * Prices are kept per document object (Apollo hands the same DocumentNode to every request
 * of a query text while it stays in its document cache, so a document it evicts takes its
 * prices with it), at most `MAX_SHAPES_PER_DOCUMENT` shapes each, least recently used first out.
 */
import { getVariableValues, visit, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type ValueNode } from 'graphql';

/** Variable shapes remembered per document (a document asked for with many page sizes). */
export const MAX_SHAPES_PER_DOCUMENT = 64;

/** Arguments whose values a price depends on (limits.ts `costEstimator`). */
const PRICED_ARGUMENTS = new Set(['first', 'ids']);

interface DocumentPrices<Price> {
  /** The variables a price of the document depends on. */
  pricedVariables: ReadonlySet<string>;
  /** Price by operation and variable shape, least recently used first. */
  prices: Map<string, Price>;
}

/** Variables written in priced arguments or directives anywhere in `document`. */
function pricedVariablesOf(document: DocumentNode): Set<string> {
  const names = new Set<string>();
  const collect = (value: ValueNode) =>
    visit(value, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  visit(document, {
    Argument(argument) {
      if (PRICED_ARGUMENTS.has(argument.name.value)) collect(argument.value);
    },
    Directive(directive) {
      for (const argument of directive.arguments ?? []) collect(argument.value);
    },
  });
  return names;
}

/** The cache key of `variables` for an operation whose price depends on `priced`. */
function shapeKey(operation: OperationDefinitionNode, priced: ReadonlySet<string>, coerced: Record<string, unknown>): string {
  const parts: unknown[] = [operation.name?.value ?? ''];
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const value = coerced[name];
    parts.push(priced.has(name) ? (value === undefined ? '!u' : value) : value === null ? '!n' : value === undefined ? '!u' : '!v');
  }
  return JSON.stringify(parts);
}

/**
 * `price(document, operation, variables)` through the cache; `compute` is the uncached price
 * (it throws on invalid variables or arguments, and a throw is not cached).
 */
export function priceCache<Price>(
  compute: (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>) => Price,
): (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>) => Price {
  const byDocument = new WeakMap<DocumentNode, DocumentPrices<Price>>();
  return (schema, document, operation, variables) => {
    const coercion = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    if (coercion.errors) return compute(schema, document, operation, variables);
    let entry = byDocument.get(document);
    if (!entry) {
      entry = { pricedVariables: pricedVariablesOf(document), prices: new Map() };
      byDocument.set(document, entry);
    }
    const key = shapeKey(operation, entry.pricedVariables, coercion.coerced);
    const known = entry.prices.get(key);
    if (known !== undefined) {
      entry.prices.delete(key);
      entry.prices.set(key, known);
      return known;
    }
    const price = compute(schema, document, operation, variables);
    entry.prices.set(key, price);
    if (entry.prices.size > MAX_SHAPES_PER_DOCUMENT) entry.prices.delete(entry.prices.keys().next().value!);
    return price;
  };
}
