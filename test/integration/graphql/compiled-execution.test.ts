/**
 * The compiled executor (graphql-jit, the default) against graphql-js's reference executor
 * (GRAPHQL_EXECUTOR=graphql-js): two gateways over identical seeded sandboxes answer every
 * document below — interfaces and fragments, lists with cursors, nesting, aliases and
 * directives, scalars, typed errors, refused arguments and variables, introspection, a
 * mutation — with the same HTTP status, data and errors (request ids aside).
 */
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../../support/gateway.js';

type Answer = GraphQLResponse<Record<string, unknown>>;

/** What must be equal: the status, the data, and each error without its request id. */
function comparable(answer: Answer) {
  return {
    status: answer.status,
    data: answer.data,
    errors: answer.errors?.map(({ extensions: { requestId, ...extensions }, ...error }) => ({ ...error, extensions })),
  };
}

describe('compiled execution answers exactly as graphql-js', () => {
  let compiled: TestGateway;
  let reference: TestGateway;
  let cardIds: string[];
  let cardholderId: string;
  beforeAll(async () => {
    [compiled, reference] = await Promise.all([startTestGateway(), startTestGateway({ GRAPHQL_EXECUTOR: 'graphql-js' })]);
    const page = await reference.query<any>('{ cards(first: 6, filter: { provider: UTGL }) { nodes { id cardholder { id } } } }');
    cardIds = page.data.cards.nodes.map((c: { id: string }) => c.id);
    cardholderId = page.data.cards.nodes[0].cardholder.id;
  });
  afterAll(() => Promise.all([compiled?.close(), reference?.close()]));

  async function both(document: string, variables?: Record<string, unknown>) {
    const [a, b] = await Promise.all([compiled.query(document, variables), reference.query(document, variables)]);
    return { compiled: comparable(a), reference: comparable(b) };
  }

  const CARD_FIELDS = 'id __typename provider providerRef status last4 maskedPan expiryMonth expiryYear createdAt';

  it.each([
    ['one card with its relations', `query($id: ID!) { card(id: $id) { ${CARD_FIELDS} cardholder { id firstName lastName kycStatus } wallet { id } } }`, () => ({ id: cardIds[0] })],
    ['a cross-provider list with cursors', '{ cards(first: 30) { edges { cursor node { id provider status createdAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } failures { provider code } } }', () => ({})],
    ['nested lists', '{ cardholders(first: 4, filter: { provider: UTGL }) { nodes { id firstName cards(first: 3) { nodes { id last4 transactions(first: 3) { edges { cursor node { id status amount { amount currency } createdAt } } } } } } } }', () => ({})],
    ['nodes through the interface, one of them missing', 'query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Card { last4 status } ... on Cardholder { email } } }', () => ({ ids: [...cardIds, cardholderId, 'dXRnbDpDYXJkOm5vcGU'] })],
    ['aliases, fragments and directives', 'query($id: ID!, $yes: Boolean!, $no: Boolean!) { a: card(id: $id) { ...F last4 @include(if: $yes) status @skip(if: $yes) } b: card(id: $id) { id expiryYear @skip(if: $no) } } fragment F on Card { id provider }', () => ({ id: cardIds[1], yes: true, no: false })],
    ['a card that does not exist', '{ card(id: "dXRnbDpDYXJkOm5vcGU") { id } }', () => ({})],
    ['an id that is not one', 'query($id: ID!) { card(id: $id) { id } }', () => ({ id: 'not-an-id' })],
    ['a page larger than allowed', '{ cards(first: 1000) { nodes { id } } }', () => ({})],
    ['a variable of the wrong type', 'query($first: Int) { cards(first: $first) { nodes { id } } }', () => ({ first: 'ten' })],
    ['a required variable missing', 'query($id: ID!) { card(id: $id) { id } }', () => ({})],
    ['an enum variable out of range', 'query($p: Provider) { cards(first: 2, filter: { provider: $p }) { nodes { id } } }', () => ({ p: 'NOPE' })],
    ['introspection', '{ __schema { queryType { name } } __type(name: "Card") { name kind fields { name } } }', () => ({})],
    ['providers and their health', '{ providers { provider capabilities } }', () => ({})],
  ])('%s', async (_name, document, variables) => {
    const { compiled: a, reference: b } = await both(document, variables());
    expect(a).toEqual(b);
    // Not vacuous: each document answers something.
    expect(a.data !== null || (a.errors?.length ?? 0) > 0).toBe(true);
  });

  it('a mutation, on each gateway its own sandbox', async () => {
    const { compiled: a, reference: b } = await both('mutation($id: ID!) { freezeCard(cardId: $id, reason: "lost") { id status last4 } }', { id: cardIds[2] });
    expect(a).toEqual(b);
    expect(a.data).toEqual({ freezeCard: expect.objectContaining({ id: cardIds[2], status: 'FROZEN' }) });
  });
});
