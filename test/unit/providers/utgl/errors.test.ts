import { ErrorCode } from '../../../../src/core/errors.js';
import type { RequestKind } from '../../../../src/providers/transport/retry-policy.js';
import { mapUtglError } from '../../../../src/providers/utgl/errors.js';

const answer = (status: number, code: string | undefined, operation: RequestKind = 'read', retryAfterHeader?: string) => ({
  provider: 'utgl' as const,
  status,
  code,
  message: 'upstream says no',
  requestId: 'req-1',
  retryAfterHeader,
  requestKind: operation,
});

describe('utgl error mapping: every documented status and code', () => {
  it.each([
    [400, 'INVALID_PARAMETERS', ErrorCode.BAD_USER_INPUT],
    [400, 'INVALID_ACCOUNT', ErrorCode.BAD_USER_INPUT],
    [400, 'INVALID_CARD_ACCOUNT', ErrorCode.BAD_USER_INPUT],
    [400, 'INSUFFICIENT_BALANCE', ErrorCode.INSUFFICIENT_FUNDS],
    [401, 'INVALID_SIGNATURE', ErrorCode.UPSTREAM_AUTH_FAILED],
    [403, 'FORBIDDEN', ErrorCode.UPSTREAM_AUTH_FAILED],
    [404, 'NOT_FOUND', ErrorCode.NOT_FOUND],
    [404, 'INVALID_CARD_ACCOUNT', ErrorCode.NOT_FOUND],
    [409, 'INVALID_PARAMETERS', ErrorCode.CONFLICT],
    [409, 'CONFLICT', ErrorCode.INVALID_STATE],
    [429, 'RATE_LIMIT_EXCEEDED', ErrorCode.RATE_LIMITED],
    [500, 'INTERNAL_ERROR', ErrorCode.UPSTREAM_UNAVAILABLE],
    [502, 'SERVICE_UNAVAILABLE', ErrorCode.UPSTREAM_UNAVAILABLE],
    [503, 'SERVICE_UNAVAILABLE', ErrorCode.UPSTREAM_UNAVAILABLE],
    [504, 'SERVICE_UNAVAILABLE', ErrorCode.UPSTREAM_TIMEOUT],
  ])('%i %s on a read → %s, with provider and upstream details', (status, code, expected) => {
    const error = mapUtglError(answer(status, code));
    expect(error.code).toBe(expected);
    expect(error.provider).toBe('utgl');
    expect(error.upstream).toEqual({ status, code, requestId: 'req-1' });
  });

  it.each([500, 502, 503, 504])('a %i on a write is OUTCOME_UNKNOWN, not a failure', (status) => {
    const error = mapUtglError(answer(status, 'INTERNAL_ERROR', 'write'));
    expect(error.code).toBe(ErrorCode.OUTCOME_UNKNOWN);
    expect(error.retryable).toBe(false);
  });

  it('carries Retry-After as retryAfterSeconds on a 429', () => {
    const error = mapUtglError(answer(429, 'RATE_LIMIT_EXCEEDED', 'read', '7'));
    expect(error.retryAfterSeconds).toBe(7);
    expect(error.retryable).toBe(true);
  });

  it('classifies an undocumented code by its status', () => {
    expect(mapUtglError(answer(404, 'SOMETHING_NEW')).code).toBe(ErrorCode.NOT_FOUND);
    expect(mapUtglError(answer(418, undefined)).code).toBe(ErrorCode.UPSTREAM_ERROR);
  });
});
