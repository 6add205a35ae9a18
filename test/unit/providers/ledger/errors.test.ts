import { ErrorCode } from '../../../../src/core/errors.js';
import { firstErrorEntry, mapLedgerError } from '../../../../src/providers/ledger/errors.js';
import type { RequestKind } from '../../../../src/providers/transport/retry-policy.js';

function map(status: number, entry: { type?: string; message?: string; error_code?: string; error?: string }, operation: RequestKind = 'read') {
  const parsed = firstErrorEntry({ errors: [entry] }, status);
  return mapLedgerError(
    { provider: 'ledger', status, code: parsed.errorCode ?? parsed.type, message: parsed.message, requestId: 'r', requestKind: operation },
    parsed,
  );
}

describe('ledger error mapping: every status and type the reference lists', () => {
  it.each([
    [400, 'Not found', 'Details not found, Please make sure details are correct.', ErrorCode.NOT_FOUND],
    [400, 'Not found', 'Card Details Not Found', ErrorCode.NOT_FOUND],
    [400, 'Transaction error', 'No address found for namespace john.ul', ErrorCode.NOT_FOUND],
    [400, 'Client error', 'Unable to fetch balance for address 0x1', ErrorCode.NOT_FOUND],
    [400, 'filterError', 'type can only be on-chain || off-chain', ErrorCode.BAD_USER_INPUT],
    [400, 'DataValidation', 'Account address must be a valid Ethereum address', ErrorCode.BAD_USER_INPUT],
    [400, 'Missing data', 'Mandatory fields are missing', ErrorCode.BAD_USER_INPUT],
    [400, 'Customer', 'There is no account for the given customer Id', ErrorCode.BAD_USER_INPUT],
    [400, 'Documents', 'There are no sufficient documents', ErrorCode.BAD_USER_INPUT],
    [400, 'Onboard Customer', 'Custom namespace is taken', ErrorCode.BAD_USER_INPUT],
    [400, 'Add Wallet', 'Please use unique account address', ErrorCode.BAD_USER_INPUT],
    [400, 'Add Wallet ', 'Multi wallet feature has been disabled by tenant name', ErrorCode.BAD_USER_INPUT],
    [400, 'Add Fund', 'please enter namespace of user', ErrorCode.BAD_USER_INPUT],
    [400, 'Add Fund ', 'no payment provider detail found', ErrorCode.BAD_USER_INPUT],
    [400, 'redeem', 'token symbol is incorrect', ErrorCode.BAD_USER_INPUT],
    [400, 'Email Verification', 'Invalid OTP', ErrorCode.BAD_USER_INPUT],
    [400, 'Phone number Verification', 'Incorrect or expired OTP', ErrorCode.BAD_USER_INPUT],
    [400, 'Challenge', 'Wallet user not found', ErrorCode.BAD_USER_INPUT],
    [400, 'Duplicate', 'Account address already taken', ErrorCode.CONFLICT],
    [400, 'onboard', 'Wallet user already exists inside tenant', ErrorCode.CONFLICT],
    [400, 'Upgrade', 'Compliance checks got failed', ErrorCode.INVALID_STATE],
    [400, 'Upgrade customer', 'Customer is already upgraded to silver', ErrorCode.INVALID_STATE],
    [400, 'Rule failed', 'ruleCheck.errors', ErrorCode.INVALID_STATE],
    [400, 'Rule Error', 'rule', ErrorCode.INVALID_STATE],
    [400, 'Tenant', "Tenant's account has been blocked.", ErrorCode.UPSTREAM_AUTH_FAILED],
    [400, 'Invalid UUID', 'Please provide valid tenant id', ErrorCode.UPSTREAM_AUTH_FAILED],
    [400, 'PRE AUTH', 'Failed to generate access token.', ErrorCode.UPSTREAM_AUTH_FAILED],
    [400, 'Agreement', 'Tenant Id is missing in Headers', ErrorCode.UPSTREAM_AUTH_FAILED],
    [400, 'Agreement', "Could't Update agreement", ErrorCode.UPSTREAM_ERROR],
    [400, 'catch', 'err.message', ErrorCode.UPSTREAM_ERROR],
    [400, 'Catch', 'Shows what kind of error occurred', ErrorCode.UPSTREAM_ERROR],
    [400, 'fetch', "Could't fetch token", ErrorCode.UPSTREAM_ERROR],
    [400, 'Finclusive', 'messages', ErrorCode.UPSTREAM_ERROR],
    [400, 'BANK-BOOK', 'x', ErrorCode.UPSTREAM_ERROR],
    [400, 'Identity', 'error in deleting identity', ErrorCode.UPSTREAM_ERROR],
    [400, 'wallet user', 'something went wrong! please try again', ErrorCode.UPSTREAM_ERROR],
    [401, 'API Key', 'Invalid API Key', ErrorCode.UPSTREAM_AUTH_FAILED],
    [401, 'Not Authorized', 'This tenant has no access / unauthorized.', ErrorCode.UPSTREAM_AUTH_FAILED],
    [401, 'Access Denied', 'Invalid signature', ErrorCode.UPSTREAM_AUTH_FAILED],
    [401, 'Challenge', 'Challenge expired', ErrorCode.UPSTREAM_AUTH_FAILED],
    [401, 'ACH', 'x', ErrorCode.UPSTREAM_AUTH_FAILED],
    [401, 'Email Verification', 'OTP expired or incorrect', ErrorCode.UPSTREAM_AUTH_FAILED],
    [403, 'Access control', 'Access denied for this resource', ErrorCode.UPSTREAM_AUTH_FAILED],
    [403, 'Phone number Verification', 'Too many failed attempts', ErrorCode.LIMIT_EXCEEDED],
    [404, 'No data available', 'There is no such customer account in the given tenant id', ErrorCode.NOT_FOUND],
    [404, 'No data found', 'No data found for tenant', ErrorCode.NOT_FOUND],
    [404, 'fetch', 'No data found', ErrorCode.NOT_FOUND],
    [404, 'Email Verification', 'No OTP request found', ErrorCode.NOT_FOUND],
    [409, 'Email Verification', 'OTP already verified', ErrorCode.CONFLICT],
    [409, 'Phone number Verification', 'This OTP request is already verified.', ErrorCode.CONFLICT],
    [429, 'Rate Limit Exceeded', 'Too many requests', ErrorCode.RATE_LIMITED],
    [429, 'Email Verification', 'Too many failed attempts', ErrorCode.RATE_LIMITED],
    [500, 'Internal server error', 'An unexpected error occurred. Please try again later', ErrorCode.UPSTREAM_UNAVAILABLE],
    [500, 'Phone number Verification', 'Failed to send OTP via SMS', ErrorCode.UPSTREAM_UNAVAILABLE],
  ])('%i "%s" (%s) → %s', (status, type, message, expected) => {
    const error = map(status, { type, message });
    expect(error.code).toBe(expected);
    expect(error.provider).toBe('ledger');
    expect(error.upstream?.status).toBe(status);
  });

  it.each([
    ['ULOT0043', ErrorCode.CONFLICT],
    ['ULOT0044', ErrorCode.CONFLICT],
    ['ULOT0045', ErrorCode.CONFLICT],
    ['ULOT0046', ErrorCode.BAD_USER_INPUT],
    ['ULOT0047', ErrorCode.BAD_USER_INPUT],
    ['ULUP0001', ErrorCode.UPSTREAM_ERROR],
    ['ULDT2005', ErrorCode.LIMIT_EXCEEDED],
  ])('error_code %s → %s and is published as upstream.code', (errorCode, expected) => {
    const error = map(400, { type: 'Customer', message: 'x', error_code: errorCode });
    expect(error.code).toBe(expected);
    expect(error.upstream?.code).toBe(errorCode);
  });

  it('reads the `error` key some bodies use instead of `message`, and a single object under `errors`', () => {
    expect(firstErrorEntry({ errors: [{ type: 'Transaction error', error: 'No address found for namespace x.ul' }] }, 400).message).toBe(
      'No address found for namespace x.ul',
    );
    expect(firstErrorEntry({ errors: { type: 'API Key', message: 'Invalid API Key' } }, 401).type).toBe('API Key');
    expect(firstErrorEntry('<html>', 502).message).toBe('LEDGER answered 502');
  });

  it('treats a 500 on a write as OUTCOME_UNKNOWN', () => {
    expect(map(500, { type: 'Internal server error', message: 'x' }, 'write').code).toBe(ErrorCode.OUTCOME_UNKNOWN);
  });
});
