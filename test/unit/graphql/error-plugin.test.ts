import { GraphQLError } from 'graphql';
import { ErrorCode, GatewayError } from '../../../src/core/errors.js';
import { formatError } from '../../../src/graphql/error-plugin.js';

describe('formatError', () => {
  it('keeps a gateway error with its typed extensions', () => {
    const error = new GatewayError(ErrorCode.RATE_LIMITED, 'slow down', {
      provider: 'utgl',
      retryAfterSeconds: 3,
      upstream: { status: 429, code: 'RATE_LIMIT_EXCEEDED', requestId: 'u-1' },
    });
    const wrapped = new GraphQLError(error.message, { originalError: error, path: ['card'] });
    expect(formatError(wrapped.toJSON(), wrapped)).toEqual({
      message: 'slow down',
      path: ['card'],
      locations: undefined,
      extensions: {
        code: 'RATE_LIMITED',
        provider: 'UTGL',
        retryable: true,
        retryAfterSeconds: 3,
        upstream: { status: 429, code: 'RATE_LIMIT_EXCEEDED', requestId: 'u-1' },
        requestId: '',
      },
    });
  });

  it('masks an unexpected error without leaking its message or stack', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'secret')");
    const wrapped = new GraphQLError(error.message, { originalError: error });
    const formatted = formatError(wrapped.toJSON(), wrapped);
    expect(formatted.message).toBe('Internal server error');
    expect(formatted.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', retryable: false });
    expect(JSON.stringify(formatted)).not.toContain('secret');
  });

  it('turns GraphQL validation failures into BAD_USER_INPUT', () => {
    const wrapped = new GraphQLError('Cannot query field "pan" on type "Card".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(formatError(wrapped.toJSON(), wrapped).extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false });
  });

  it.each(['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'])('keeps the persisted queries protocol code %s', (code) => {
    const wrapped = new GraphQLError('PersistedQueryNotFound', { extensions: { code } });
    expect(formatError(wrapped.toJSON(), wrapped)).toEqual({ message: 'PersistedQueryNotFound', locations: undefined, path: undefined, extensions: { code, retryable: false } });
  });

  it('turns an uncoded HTTP 400 refusal of Apollo into BAD_USER_INPUT', () => {
    const wrapped = new GraphQLError('provided sha does not match query', { extensions: { http: { status: 400 } } });
    expect(formatError({ message: wrapped.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, wrapped).extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false });
  });

  it('redacts card numbers from upstream messages', () => {
    const error = new GatewayError(ErrorCode.UPSTREAM_ERROR, 'card 4219220000005986 refused');
    expect(error.message).toBe('card ••••5986 refused');
  });
});
