/**
 * Refusing is cheap: a document over the field or selection caps is refused by the linear
 * scan before graphql validates it. graphql's `validate` is wrapped in a counting spy for the
 * whole gateway (Apollo Server calls it through the module), so the tests see whether
 * validation ran at all.
 */
jest.mock('graphql', () => {
  const actual = jest.requireActual('graphql');
  return { ...actual, validate: jest.fn(actual.validate) };
});

import { validate } from 'graphql';
import { resetSandboxes, startTestGateway, type TestGateway, upstreamCalls } from '../../support/gateway.js';

const validations = validate as unknown as jest.Mock;


describe('refusing an abusive document', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    resetSandboxes(gw);
    validations.mockClear();
  });

  it('validates an ordinary document (the spy sees validation when it runs)', async () => {
    const res = await gw.query('{ providers { provider } }');
    expect(res.errors).toBeUndefined();
    expect(validations).toHaveBeenCalledTimes(1);
  });

  it('refuses one field repeated 499 times before validation is reached', async () => {
    const res = await gw.query(`{ cards(first: 1) { nodes { ${'id '.repeat(499)}} } }`);
    expect(res.status).toBe(400);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false, limit: 'fields', max: 150, actual: 501, requestId: res.headers['x-request-id'] });
    expect(validations).not.toHaveBeenCalled();
    expect(upstreamCalls(gw)).toBe(0);
  });

  it('refuses a fragment-spread flood before validation is reached', async () => {
    const res = await gw.query(`{ cards(first: 1) { nodes { ${'...F '.repeat(300)}} } } fragment F on Card { id }`);
    expect(res.status).toBe(400);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'selections' });
    expect(validations).not.toHaveBeenCalled();
  });

  it('refuses an aliased field flood sent as a GET before validation is reached', async () => {
    const query = `{ ${Array.from({ length: 160 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const res = await fetch(`${gw.url}/graphql?query=${encodeURIComponent(query)}`, {
      headers: { authorization: `Bearer ${await gw.token()}`, 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions).toMatchObject({ limit: 'fields', actual: 160 });
    expect(validations).not.toHaveBeenCalled();
  });
});
