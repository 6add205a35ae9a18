import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, printSchema, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import type { GraphQLContext } from '../../../src/context.js';
import { ErrorCode } from '../../../src/core/errors.js';
import { Scope } from '../../../src/core/viewer.js';
import { buildGatewaySchema, buildSchemaForFullReaders, printGatewaySchema } from '../../../src/graphql/schema.js';

describe('the published schema', () => {
  it('matches the committed schema/schema.graphql (run `npm run schema` after changing the code)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(printGatewaySchema());
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(buildGatewaySchema().getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('publishes the closed ErrorCode enum', () => {
    const errorCode = buildGatewaySchema().getType('ErrorCode');
    expect(isEnumType(errorCode) && errorCode.getValues().map((v) => v.name)).toEqual(
      expect.arrayContaining(['UPSTREAM_AUTH_FAILED', 'OUTCOME_UNKNOWN', 'UNSUPPORTED_BY_PROVIDER', 'INTERNAL_SERVER_ERROR']),
    );
  });
});

describe('the schema for viewers who may read everything', () => {
  const fields = (schema: ReturnType<typeof buildGatewaySchema>, type: string) => (schema.getType(type) as GraphQLObjectType).getFields();

  it('is the published schema, built on its own', () => {
    expect(buildSchemaForFullReaders()).not.toBe(buildGatewaySchema());
    expect(printSchema(buildSchemaForFullReaders())).toBe(printSchema(buildGatewaySchema()));
  });

  it('leaves out the checks only a read scope could fail, and keeps the resolvers and the checks naming a write scope', () => {
    const guarded = buildGatewaySchema();
    const fullReaders = buildSchemaForFullReaders();
    // Plain fields of guarded types, and a cardholder's personal fields (@Authorized(cardholders:read)):
    // a check in one, the property read in the other.
    for (const [type, field] of [['Card', 'status'], ['Card', 'last4'], ['Transaction', 'amount'], ['Cardholder', 'kycStatus'], ['Cardholder', 'email'], ['Wallet', 'currency']] as const) {
      expect(fields(guarded, type)[field]!.resolve).toBeDefined();
      expect(fields(fullReaders, type)[field]!.resolve).toBeUndefined();
    }
    expect(fields(fullReaders, 'Card').wallet!.resolve).toBeDefined();
    expect(fields(fullReaders, 'Query').cards!.resolve).toBeDefined();
    // A money movement still needs funds:write, refused before its resolver runs.
    const topUp = fields(fullReaders, 'Mutation').topUpCard!;
    const viewer = { subject: 's', tenant: 't', scopes: new Set([Scope.CARDS_READ, Scope.CARDHOLDERS_READ]) };
    const info = { parentType: fullReaders.getMutationType(), fieldName: 'topUpCard' } as unknown as GraphQLResolveInfo;
    expect(() => topUp.resolve!(undefined, {}, { viewer } as unknown as GraphQLContext, info)).toThrow(
      expect.objectContaining({ code: ErrorCode.FORBIDDEN, message: 'Mutation.topUpCard needs the scope funds:write' }),
    );
  });
});
