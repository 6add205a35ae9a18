/**
 * Authorization is on the data: a mutation's payload shows a write-only token the fields of its
 * own result and FORBIDDEN (with missingScopes) for everything reached from there, for every
 * subset of scopes. Money moves once per payload: the same idempotency key replays the first
 * outcome for every later subset, and the payload is resolved afresh each time.
 */
import { ALL_SCOPES } from '../../../src/core/viewer.js';
import { startTestGateway, type TestGateway } from '../../support/gateway.js';
import { globalId as gid } from '../../support/global-id.js';

const SUBSETS: string[][] = Array.from({ length: 2 ** ALL_SCOPES.length }, (_, mask) => ALL_SCOPES.filter((_, i) => mask & (1 << i)));

interface Payload {
  name: string;
  /** The scope the mutation itself needs. */
  write: string;
  mutation: string;
  variables: (gw: TestGateway) => Record<string, unknown>;
  /** Where in the answer the payload's own field and the nested (guarded) object are. */
  own: string;
  nested: string;
  /** A new cardholder has no wallets yet: nothing beyond its own fields exists to withhold. */
  nestedEmpty?: boolean;
}

const PAYLOADS: Payload[] = [
  {
    name: 'unfreezeCard → Card { wallet }',
    write: 'cards:write',
    mutation: 'mutation($id: ID!) { unfreezeCard(cardId: $id) { id status nested: wallet { id } } }',
    variables: (gw) => ({ id: gid('utgl', 'Card', [...gw.sandboxes.stores.utgl!.cards.values()].find((c) => c.status === 'active')!.id) }),
    own: 'status',
    nested: 'nested',
  },
  {
    name: 'topUpCard → Operation { card }',
    write: 'funds:write',
    mutation: 'mutation($input: TopUpCardInput!) { topUpCard(input: $input, idempotencyKey: "scopes-topup-1") { id status nested: card { id } } }',
    variables: (gw) => {
      const card = [...gw.sandboxes.stores.corporate!.cards.values()].find((c) => c.status === 'active')!;
      return { input: { cardId: gid('corporate', 'Card', `${card.external_user_id}/${card.card_id}`), amount: '1.00', currency: 'USD' } };
    },
    own: 'status',
    nested: 'nested',
  },
  {
    name: 'createCardholder → Cardholder { wallets }',
    write: 'cards:write',
    mutation:
      'mutation($input: CreateCardholderInput!) { createCardholder(input: $input, idempotencyKey: "scopes-holder-1") { id kycStatus nested: wallets { nodes { id } } } }',
    variables: () => ({
      input: {
        provider: 'BAAS',
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@example.com',
        phone: '+14155550100',
        dateOfBirth: '1990-12-10',
        address: { line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
      },
    }),
    own: 'kycStatus',
    nested: 'nested',
    nestedEmpty: true,
  },
];

describe('authorization on the data', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  describe.each(PAYLOADS)('$name', (payload) => {
    it.each(SUBSETS.map((s) => [s.join(' ') || '(none)', s] as const))('scopes %s', async (_label, scopes) => {
      const token = await gw.token({ scopes, subject: 'matrix' });
      const res: any = await gw.query(payload.mutation, payload.variables(gw), { authorization: `Bearer ${token}` });
      const field = payload.mutation.match(/\{ (\w+)\(/)![1]!;
      if (!scopes.includes(payload.write)) {
        expect(res.data?.[field] ?? null).toBeNull();
        expect(res.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: [payload.write] });
        return;
      }
      if (!res.data?.[field]) throw new Error(JSON.stringify(res.errors));
      const result = res.data[field];
      // Its own result: always shown to the token that could make the mutation.
      expect(result.id).toEqual(expect.any(String));
      expect(result[payload.own]).toEqual(expect.any(String));
      const forbidden = (res.errors ?? []).filter((e: any) => e.extensions.code === 'FORBIDDEN');
      const canRead = scopes.includes('cards:read');
      if (payload.nestedEmpty) {
        expect(res.errors).toBeUndefined();
        expect(result[payload.nested]).toEqual({ nodes: [] });
      } else if (canRead) {
        expect(res.errors).toBeUndefined();
        expect(result[payload.nested]).not.toBeNull();
      } else {
        // Everything beyond it: FORBIDDEN with the missing read scope, never the data.
        expect(forbidden.length).toBeGreaterThan(0);
        for (const error of forbidden) {
          expect(error.path.slice(0, 2)).toEqual([field, payload.nested]);
          expect(error.extensions.missingScopes).toEqual(['cards:read']);
        }
        expect(JSON.stringify(result[payload.nested] ?? null)).not.toMatch(/"id":"[A-Za-z0-9_-]{8,}"/);
      }
    });
  });
});
