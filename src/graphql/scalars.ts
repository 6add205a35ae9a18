/**
 * `Decimal`: an exact decimal number carried as a string ("1520.35", "0.000000000000000001"),
 * so money never passes through a float on either side of the API.
 */
import { GraphQLScalarType, Kind } from 'graphql';
import { isDecimalString } from '../core/money.js';

const check = (value: unknown): string => {
  if (typeof value !== 'string' || !isDecimalString(value) || value.length > 80) {
    throw new TypeError('Decimal must be a string of digits with an optional minus sign and fraction, e.g. "12.50"');
  }
  return value;
};

export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'An exact decimal number as a string, e.g. "1520.35". Never a float.',
  serialize: check,
  parseValue: check,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError('Decimal must be given as a string, e.g. "12.50"');
    return check(ast.value);
  },
});
