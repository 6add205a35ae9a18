import { GraphQLError, Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { operationPrice, type OperationPrice } from '../../../src/graphql/limits.js';
import { MAX_SHAPES_PER_DOCUMENT, priceCache } from '../../../src/graphql/price-cache.js';
import { buildGatewaySchema } from '../../../src/graphql/schema.js';

const schema = buildGatewaySchema();

function operationOf(document: DocumentNode): OperationDefinitionNode {
  return document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
}

/** A cached pricer that counts how often it really prices. */
function countingPrice() {
  const computed: Array<Record<string, unknown>> = [];
  const price = priceCache((s, document, operation, variables): OperationPrice => {
    computed.push(variables);
    return operationPrice(s, document, operation, variables);
  });
  return { computed, price: (document: DocumentNode, variables: Record<string, unknown> = {}) => price(schema, document, operationOf(document), variables) };
}

describe('operation prices, once per document and variables shape', () => {
  it('prices a document asked for with a different id each time once', () => {
    const { computed, price } = countingPrice();
    const document = parse('query Card($id: ID!) { card(id: $id) { id status cardholder { id } } }');
    const prices = ['a', 'b', 'c'].map((id) => price(document, { id }));
    expect(computed).toHaveLength(1);
    expect(new Set(prices.map((p) => p.cost)).size).toBe(1);
  });

  it('prices again when a page size, an id list or an @include condition changes, and gives what pricing gives', () => {
    const { computed, price } = countingPrice();
    const document = parse(
      'query P($n: Int, $ids: [ID!]!, $more: Boolean!) { cards(first: $n) { nodes { id cardholder @include(if: $more) { id } } } nodes(ids: $ids) { id } }',
    );
    const shapes = [
      { n: 5, ids: ['x'], more: false },
      { n: 50, ids: ['x'], more: false },
      { n: 50, ids: ['x', 'y'], more: false },
      { n: 50, ids: ['x', 'y'], more: true },
      { n: 5, ids: ['x'], more: false },
    ];
    const prices = shapes.map((variables) => price(document, variables));
    expect(computed).toHaveLength(4);
    shapes.forEach((variables, i) => expect(prices[i]).toEqual(operationPrice(schema, document, operationOf(document), variables)));
    expect(prices[1]!.cost).toBeGreaterThan(prices[0]!.cost);
    expect(prices[2]!.ids).toBe(2);
    expect(prices[3]!.cost).toBeGreaterThan(prices[2]!.cost);
  });

  it('prices variables that do not coerce every time, throwing what pricing throws', () => {
    const { computed, price } = countingPrice();
    const document = parse('query Page($n: Int) { cards(first: $n) { nodes { id } } }');
    for (let i = 0; i < 2; i += 1) {
      expect(() => price(document, { n: 'many' })).toThrow(GraphQLError);
      expect(() => price(document, { n: 'many' })).toThrow(/Variable "\$n" got invalid value "many"/);
    }
    expect(computed).toHaveLength(4);
  });

  it('tells a null from a value for variables it does not price (a null can make pricing throw)', () => {
    const { computed, price } = countingPrice();
    const document = parse('query Card($id: ID = "x") { card(id: $id) { id } }');
    price(document, { id: 'a' });
    price(document, { id: 'b' });
    expect(computed).toHaveLength(1);
    expect(() => price(document, { id: null })).toThrow(GraphQLError);
    expect(computed).toHaveLength(2);
  });

  it('keeps at most MAX_SHAPES_PER_DOCUMENT shapes of a document, the least recently used out first', () => {
    const { computed, price } = countingPrice();
    const document = parse('query Page($n: Int) { cards(first: $n) { nodes { id } } }');
    for (let n = 1; n <= MAX_SHAPES_PER_DOCUMENT; n += 1) price(document, { n });
    price(document, { n: 1 }); // recently used again
    price(document, { n: MAX_SHAPES_PER_DOCUMENT + 1 }); // evicts n = 2
    expect(computed).toHaveLength(MAX_SHAPES_PER_DOCUMENT + 1);
    price(document, { n: 1 });
    expect(computed).toHaveLength(MAX_SHAPES_PER_DOCUMENT + 1);
    price(document, { n: 2 });
    expect(computed).toHaveLength(MAX_SHAPES_PER_DOCUMENT + 2);
  });
});
