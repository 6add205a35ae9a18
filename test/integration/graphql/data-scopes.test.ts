/**
 * Authorization is on the data: every mutation of the schema × every subset of scopes. The
 * mutations, the fields each payload selects and the scopes each field needs come from the
 * schema itself (and the scopes its resolvers declare), so a new mutation, or a new field on a
 * payload, is covered without touching this file — a new mutation only needs its arguments in
 * FIXTURES, and the test naming it fails until it has them.
 *
 * For each subset: without the mutation's write scope, the mutation is refused (FORBIDDEN,
 * missingScopes) before anything runs; with it, the operation's own result is shown (every field
 * of the object it returned, but those with a scope of their own the token lacks) and everything
 * reached from there is FORBIDDEN with missingScopes unless the token may read it. Writes happen
 * once: money moves replay their first outcome by idempotency key; state changes are repeatable
 * or take a fresh card each time.
 */
import {
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { ALL_SCOPES } from '../../../src/core/viewer.js';
import { READ_SCOPES } from '../../../src/graphql/data-scopes.js';
import { buildGatewaySchema } from '../../../src/graphql/schema.js';
import { startTestGateway, type GraphQLErrorJson, type TestGateway } from '../../support/gateway.js';
import { globalId as gid } from '../../support/global-id.js';

const SUBSETS: string[][] = Array.from({ length: 2 ** ALL_SCOPES.length }, (_, mask) => ALL_SCOPES.filter((_, i) => mask & (1 << i)));
const schema = buildGatewaySchema();
const MUTATIONS = Object.values(schema.getMutationType()!.getFields());

// --- what the schema says ---------------------------------------------------------------

/** The scopes a field's resolver declares (`@Authorized`), all of which a token must hold. */
function declaredScopes(typeName: string, fieldName: string): string[] {
  const storage = getMetadataStorage();
  const targets = new Set<Function>(
    typeName === 'Mutation' ? storage.resolverClasses.map((r) => r.target) : storage.objectTypes.filter((o) => o.name === typeName).map((o) => o.target),
  );
  return storage.authorizedFields.filter((a) => targets.has(a.target) && a.fieldName === fieldName).flatMap((a) => a.roles as string[]);
}

const guarded = (type: GraphQLOutputType): boolean => READ_SCOPES[getNamedType(type).name] !== undefined;
/** The guarded type a field reaches: its own type, or the nodes of a connection; none for plain values. */
const reachedType = (field: GraphQLField<unknown, unknown>): string | undefined => {
  const named = getNamedType(field.type);
  if (guarded(named)) return named.name;
  if (!isObjectType(named)) return undefined;
  return Object.values(named.getFields()).map((f) => getNamedType(f.type)).find((t) => guarded(t))?.name;
};
const selectable = (field: GraphQLField<unknown, unknown>) => field.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined);

/** One selected field of the payload and what the test expects of it. */
interface Probe {
  /** Response path, from the mutation's field. */
  path: string[];
  /** 'own': part of the mutation's result; 'nested': guarded data reached from it. */
  role: 'own' | 'nested';
  /** Scopes the field itself declares (e.g. a cardholder's personal fields). */
  scopes: string[];
  /** For nested fields: the read scopes of which any one lets it through. */
  readAnyOf: readonly string[];
}

/** The smallest selection that makes a nested object's data appear: its id, or its nodes' ids. */
function minimalSelection(type: GraphQLOutputType): string {
  const named = getNamedType(type) as GraphQLObjectType;
  if (named.getFields().id) return '{ id }';
  return `{ nodes { id } }`;
}

/**
 * The selection of a mutation's payload: every field of the object it returns (a wrapper's
 * guarded objects are results too), and a minimal selection of every field reaching further
 * guarded data. Probes say what each selected field should show.
 */
function payloadSelection(type: GraphQLOutputType, path: string[] = []): { text: string; probes: Probe[] } {
  const named = getNamedType(type) as GraphQLObjectType;
  const parts: string[] = [];
  const probes: Probe[] = [];
  for (const field of Object.values(named.getFields())) {
    if (!selectable(field)) continue;
    const here = [...path, field.name];
    const fieldType = getNamedType(field.type);
    if (isLeafType(fieldType)) {
      parts.push(field.name);
      probes.push({ path: here, role: 'own', scopes: declaredScopes(named.name, field.name), readAnyOf: [] });
    } else if (!guarded(named) && guarded(field.type)) {
      // A wrapper's object (IssueCardPayload.card): the mutation's own result too.
      const inner = payloadSelection(field.type, here);
      parts.push(`${field.name} ${inner.text}`);
      probes.push(...inner.probes);
    } else if (reachedType(field)) {
      parts.push(`${field.name} ${minimalSelection(field.type)}`);
      probes.push({ path: here, role: 'nested', scopes: declaredScopes(named.name, field.name), readAnyOf: READ_SCOPES[reachedType(field)!]! });
    } else {
      // An unguarded value object (Money): own data, all its leaves.
      const leaves = Object.values((fieldType as GraphQLObjectType).getFields()).filter((f) => isLeafType(getNamedType(f.type)));
      parts.push(`${field.name} { ${leaves.map((f) => f.name).join(' ')} }`);
      probes.push({ path: here, role: 'own', scopes: declaredScopes(named.name, field.name), readAnyOf: [] });
    }
  }
  return { text: `{ ${parts.join(' ')} }`, probes };
}

// --- what each mutation needs to run --------------------------------------------------------

interface Fixture {
  /** The mutation's arguments, asked afresh for every subset (a fresh card where a write is final). */
  args(gw: TestGateway): Record<string, unknown>;
}

const utglCard = (gw: TestGateway, status: string) => {
  const card = [...gw.sandboxes.stores.utgl!.cards.values()].find((c) => c.status === status);
  if (!card) throw new Error(`the utgl sandbox has no ${status} card left for the matrix`);
  return gid('utgl', 'Card', card.id);
};
/** The first value computed, kept: a state change repeated on one card. */
const once = <T>(make: (gw: TestGateway) => T) => {
  let made: T | undefined;
  return (gw: TestGateway): T => (made ??= make(gw));
};
const baasActiveCard = (gw: TestGateway) => {
  const card = [...gw.sandboxes.stores.baas!.cards.values()].find((c) => c.status === 'active');
  if (!card) throw new Error('the baas sandbox has no active card left for the matrix');
  return gid('baas', 'Card', card.id);
};
const ledgerActiveCard = (gw: TestGateway) => {
  const store = gw.sandboxes.stores.ledger!;
  const wallet = store.wallets.find((w) => store.cardOf(w)?.status === 'Active');
  if (!wallet) throw new Error('the ledger sandbox has no active card left for the matrix');
  return gid('ledger', 'Card', `${wallet.customerAccountId}/${wallet.domainNamespace}`);
};
const corporateCard = (gw: TestGateway) => {
  const card = [...gw.sandboxes.stores.corporate!.cards.values()].find((c) => c.status === 'active')!;
  return gid('corporate', 'Card', `${card.external_user_id}/${card.card_id}`);
};
const pushpullCard = (gw: TestGateway) => gid('pushpull', 'Card', [...gw.sandboxes.stores.pushpull!.accounts.values()].find((a) => a.status === 'active')!.account_id);
/** Two utgl accounts (its wallets) in one currency, the first holding money. */
const utglAccounts = (gw: TestGateway) => {
  const accounts = [...gw.sandboxes.stores.utgl!.accounts.values()];
  const from = accounts.find((a) => Number(a.balance) >= 10)!;
  return { from, to: accounts.find((a) => a !== from && a.currency === from.currency)! };
};

/** Arguments per mutation name; a schema mutation missing here fails its own test. */
const FIXTURES: Record<string, Fixture> = {
  // Repeatable: the same card each time.
  freezeCard: { args: once((gw) => ({ cardId: utglCard(gw, 'active') })) },
  unfreezeCard: { args: once((gw) => ({ cardId: utglCard(gw, 'frozen') })) },
  // Final states: each run takes a card still active, from a sandbox holding enough of them.
  reportCardLost: { args: (gw) => ({ cardId: baasActiveCard(gw) }) },
  reportCardStolen: { args: (gw) => ({ cardId: ledgerActiveCard(gw) }) },
  closeCard: { args: (gw) => ({ cardId: utglCard(gw, 'active') }) },
  revealCard: { args: (gw) => ({ cardId: utglCard(gw, 'active') }) },
  createCardholder: {
    args: () => ({
      idempotencyKey: 'matrix-createCardholder',
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
  },
  issueCard: {
    args: (gw) => {
      const account = [...gw.sandboxes.stores.utgl!.accounts.values()].find((a) => a.cardholder_id !== null)!;
      return {
        idempotencyKey: 'matrix-issueCard',
        input: { cardholderId: gid('utgl', 'Cardholder', account.cardholder_id!), walletId: gid('utgl', 'Wallet', account.id), type: 'VIRTUAL' },
      };
    },
  },
  topUpCard: { args: (gw) => ({ idempotencyKey: 'matrix-topUpCard', input: { cardId: corporateCard(gw), amount: '1.00', currency: 'USD' } }) },
  transferFunds: {
    args: (gw) => {
      const { from, to } = utglAccounts(gw);
      return { idempotencyKey: 'matrix-transferFunds', input: { fromWalletId: gid('utgl', 'Wallet', from.id), toWalletId: gid('utgl', 'Wallet', to.id), amount: '1.00', currency: from.currency } };
    },
  },
  pushToCard: { args: (gw) => ({ idempotencyKey: 'matrix-pushToCard', input: { cardId: pushpullCard(gw), amount: '1.00', currency: 'USD' } }) },
  pullFromCard: { args: (gw) => ({ idempotencyKey: 'matrix-pullFromCard', input: { cardId: pushpullCard(gw), amount: '1.00', currency: 'USD' } }) },
};

/** The mutation's document: its arguments as variables of their schema types, its payload generated. */
function documentOf(mutation: GraphQLField<unknown, unknown>): { text: string; probes: Probe[] } {
  const selection = payloadSelection(mutation.type);
  const variables = mutation.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const args = mutation.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return { text: `mutation(${variables}) { ${mutation.name}(${args}) ${selection.text} }`, probes: selection.probes };
}

const at = (data: unknown, path: string[]): unknown => path.reduce<unknown>((node, key) => (node === null || node === undefined ? node : (node as Record<string, unknown>)[key]), data);
const errorsAt = (errors: GraphQLErrorJson[], path: string[]) => errors.filter((e) => e.path && path.every((key, i) => e.path![i] === key));

describe('authorization on the data: every mutation × every scope subset', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ REVEAL_RATE_PER_MINUTE: '600' });
  });
  afterAll(() => gw.close());

  it('has a fixture for every mutation of the schema, and a payload reaching guarded data for the writes', () => {
    expect(MUTATIONS.map((m) => m.name).filter((name) => !FIXTURES[name])).toEqual([]);
    for (const mutation of MUTATIONS) expect([mutation.name, declaredScopes('Mutation', mutation.name).length]).toEqual([mutation.name, 1]);
    expect(MUTATIONS.filter((m) => documentOf(m).probes.some((p) => p.role === 'nested')).length).toBeGreaterThanOrEqual(MUTATIONS.length - 1);
  });

  it("withholds guarded data at the edge on reads too: a cardholders:read token sees a cardholder, and its cards as FORBIDDEN, not an erased answer", async () => {
    const holder = [...gw.sandboxes.stores.utgl!.cardholders.values()][0]!;
    const token = await gw.token({ scopes: ['cardholders:read'], subject: 'edge-reader' });
    const res = await gw.query<any>('query($id: ID!) { cardholder(id: $id) { id firstName cards(first: 5) { nodes { id } } } }', { id: gid('utgl', 'Cardholder', holder.id) }, {
      authorization: `Bearer ${token}`,
    });
    expect(res.data.cardholder).toMatchObject({ id: expect.any(String), firstName: expect.any(String), cards: { nodes: [] } });
    expect(res.errors!.map((e) => [e.path, e.extensions.code, (e.extensions as { missingScopes?: string[] }).missingScopes])).toEqual([
      [['cardholder', 'cards'], 'FORBIDDEN', ['cards:read']],
    ]);
  });

  describe.each(MUTATIONS.map((m) => [m.name, m] as const))('%s', (name, mutation) => {
    const write = declaredScopes('Mutation', name);
    const document = documentOf(mutation);

    it.each(SUBSETS.map((s) => [s.join(' ') || '(none)', s] as const))('scopes %s', async (_label, scopes) => {
      const token = await gw.token({ scopes, subject: `matrix-${name}` });
      const res = await gw.query<any>(document.text, FIXTURES[name]!.args(gw), { authorization: `Bearer ${token}` });
      const errors = res.errors ?? [];
      const missingWrite = write.filter((scope) => !scopes.includes(scope));
      if (missingWrite.length > 0) {
        // The mutation itself refused: nothing ran, nothing shown.
        expect(res.data?.[name] ?? null).toBeNull();
        expect(errors.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'FORBIDDEN', missingScopes: missingWrite })]);
        return;
      }
      if (!res.data?.[name]) throw new Error(`${name} did not run: ${JSON.stringify(errors)}`);
      // Only refusals: any other error means the fixture, not the authorization, failed.
      expect(errors.filter((e) => e.extensions.code !== 'FORBIDDEN')).toEqual([]);
      for (const probe of document.probes) {
        const full = [name, ...probe.path];
        // Under an object the result does not have (an issued card's operation, none): nothing to show or withhold.
        if (at(res.data, full.slice(0, -1)) === null) continue;
        const refused = errorsAt(errors, full);
        const lacking = probe.scopes.filter((scope) => !scopes.includes(scope));
        const unreadable = probe.role === 'nested' && !probe.readAnyOf.some((scope) => scopes.includes(scope));
        if (lacking.length === 0 && !unreadable) {
          // Shown: the operation's own result, or data the token may read.
          expect([full.join('.'), refused]).toEqual([full.join('.'), []]);
          expect(at(res.data, full)).not.toBeUndefined();
          continue;
        }
        // Withheld: FORBIDDEN naming what is missing, and no data (null, or an empty connection).
        expect([full.join('.'), refused.length]).toEqual([full.join('.'), 1]);
        const missing = (refused[0]!.extensions as { missingScopes?: string[] }).missingScopes;
        expect(missing).toEqual(lacking.length > 0 ? lacking : [probe.readAnyOf[0]]);
        expect([null, { nodes: [] }]).toContainEqual(at(res.data, full) ?? null);
      }
    });
  });
});
