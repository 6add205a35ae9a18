/**
 * corporate's error mapping: every documented slug and plain message with the code it must
 * become, then the client reading both error shapes off the wire (against the simulator with
 * injected faults).
 */
import nacl from 'tweetnacl';
import { createCallContext } from '../../../../src/core/call-context.js';
import { ErrorCode } from '../../../../src/core/errors.js';
import { createLogger } from '../../../../src/core/logger.js';
import { CorporateClient } from '../../../../src/providers/corporate/client.js';
import { openBody, seal } from '../../../../src/providers/corporate/envelope.js';
import { CORPORATE_ERROR_SLUGS, CORPORATE_PLAIN_ERRORS } from '../../../../src/providers/corporate/contract.js';
import { isDuplicateRequest, mapCorporateError } from '../../../../src/providers/corporate/errors.js';
import { createCorporateSandbox, type CorporateSandbox } from '../../../../src/providers/corporate/sandbox/index.js';
import { sealedError } from '../../../../src/providers/corporate/sandbox/routes.js';
import type { RequestKind } from '../../../../src/providers/transport/retry-policy.js';
import { failure } from '../../../support/failure.js';

const answer = (status: number, code: string | undefined, operation: RequestKind = 'read') => ({
  provider: 'corporate' as const,
  status,
  code,
  message: 'upstream says no',
  requestId: 'req-1',
  requestKind: operation,
});

const slug = (status: number, name: string, operation: RequestKind = 'read') =>
  mapCorporateError(answer(status, name, operation), { kind: 'standard', slug: name });
const plain = (status: number, message: string, operation: RequestKind = 'read') =>
  mapCorporateError(answer(status, undefined, operation), { kind: 'plain', message });

describe('corporate error mapping: every documented slug', () => {
  const table: Array<[string, number, ErrorCode, ErrorCode]> = [
    // slug, status, on a read, on a write
    ['invalid_request', 400, ErrorCode.BAD_USER_INPUT, ErrorCode.BAD_USER_INPUT],
    ['invalid_amount', 400, ErrorCode.BAD_USER_INPUT, ErrorCode.BAD_USER_INPUT],
    ['idempotency_key_required', 400, ErrorCode.UPSTREAM_ERROR, ErrorCode.UPSTREAM_ERROR],
    ['insufficient_funds', 403, ErrorCode.INSUFFICIENT_FUNDS, ErrorCode.INSUFFICIENT_FUNDS],
    ['user_not_found', 404, ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND],
    ['card_not_found', 404, ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND],
    ['cardholder_not_found', 404, ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND],
    ['order_not_found', 404, ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND],
    ['external_user_id_exists', 409, ErrorCode.CONFLICT, ErrorCode.CONFLICT],
    ['cardholder_already_exists', 409, ErrorCode.CONFLICT, ErrorCode.CONFLICT],
    ['card_not_active', 422, ErrorCode.INVALID_STATE, ErrorCode.INVALID_STATE],
    ['card_user_mismatch', 422, ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND],
    ['internal_error', 500, ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.OUTCOME_UNKNOWN],
    ['provider_error', 502, ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.OUTCOME_UNKNOWN],
    ['topup_attempts_exceeded', 503, ErrorCode.LIMIT_EXCEEDED, ErrorCode.LIMIT_EXCEEDED],
  ];

  it('covers every slug the provider documents, at its documented status', () => {
    expect(Object.fromEntries(table.map(([name, status]) => [name, status]))).toEqual(CORPORATE_ERROR_SLUGS);
  });

  it.each(table)('%s (%i) → %s on a read, %s on a write, with provider and upstream details', (name, status, onRead, onWrite) => {
    const read = slug(status, name);
    expect(read.code).toBe(onRead);
    expect(read.provider).toBe('corporate');
    expect(read.upstream).toEqual({ status, code: name, requestId: 'req-1' });
    expect(slug(status, name, 'write').code).toBe(onWrite);
  });

  it('does not take insufficient_funds for an access problem although it is a 403', () => {
    expect(slug(403, 'insufficient_funds').code).toBe(ErrorCode.INSUFFICIENT_FUNDS);
  });

  it('answers card_user_mismatch as a card that does not exist, without saying whose it is', () => {
    const error = slug(422, 'card_user_mismatch');
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.message).toBe('The card was not found for this user');
  });

  it('lets a caller try topup_attempts_exceeded again later', () => {
    expect(slug(503, 'topup_attempts_exceeded', 'write').retryable).toBe(true);
  });

  it('blames the gateway, not the caller, for a missing Idempotency-Key', () => {
    expect(slug(400, 'idempotency_key_required', 'write').message).toMatch(/gateway defect/);
  });

  it('says what the provider rejected for invalid_request', () => {
    expect(slug(400, 'invalid_request').message).toBe('CORPORATE rejected the request: upstream says no');
  });

  it('classifies an undocumented slug by its status', () => {
    expect(slug(404, 'something_new').code).toBe(ErrorCode.NOT_FOUND);
    expect(slug(503, 'something_new', 'write').code).toBe(ErrorCode.OUTCOME_UNKNOWN);
    expect(slug(418, 'teapot').code).toBe(ErrorCode.UPSTREAM_ERROR);
  });
});

describe('corporate error mapping: every documented plain message', () => {
  const table: Array<[string, number, ErrorCode]> = [
    ['API key not found', 404, ErrorCode.UPSTREAM_AUTH_FAILED],
    ['You do not have access to this API.', 403, ErrorCode.UPSTREAM_AUTH_FAILED],
    ['Encrypted payload not found', 400, ErrorCode.UPSTREAM_ERROR],
    ['Invalid encrypted payload format', 400, ErrorCode.UPSTREAM_AUTH_FAILED],
    ['Request timestamp not found in encrypted payload', 400, ErrorCode.UPSTREAM_ERROR],
    ['Invalid timestamp format', 400, ErrorCode.UPSTREAM_ERROR],
    ['Request timestamp outside allowed window', 400, ErrorCode.UPSTREAM_AUTH_FAILED],
    ['Duplicate request detected', 400, ErrorCode.UPSTREAM_ERROR],
  ];

  it('covers every plain message the provider documents, at its documented status', () => {
    expect(Object.fromEntries(table.map(([message, status]) => [message, status]))).toEqual(CORPORATE_PLAIN_ERRORS);
  });

  it.each(table)('"%s" (%i) → %s on reads and writes alike, never the caller\'s fault', (message, status, code) => {
    for (const operation of ['read', 'write'] as const) {
      const error = plain(status, message, operation);
      expect(error.code).toBe(code);
      expect(error.provider).toBe('corporate');
      expect(error.upstream).toEqual({ status, code: undefined, requestId: 'req-1' });
      expect([ErrorCode.BAD_USER_INPUT, ErrorCode.UNAUTHENTICATED, ErrorCode.NOT_FOUND]).not.toContain(error.code);
    }
  });

  it('points the operator at the setting to fix', () => {
    expect(plain(404, 'API key not found').message).toMatch(/CORPORATE_API_KEY/);
    expect(plain(400, 'Invalid encrypted payload format').message).toMatch(/CORPORATE_SECRET_KEY/);
    expect(plain(400, 'Request timestamp outside allowed window').message).toMatch(/clock/);
  });

  it('makes a replay retryable on a read (a fresh timestamp fixes it) but not on a write', () => {
    const read = plain(400, 'Duplicate request detected', 'read');
    const write = plain(400, 'Duplicate request detected', 'write');
    expect([read.retryable, write.retryable]).toEqual([true, false]);
    expect(isDuplicateRequest(read) && isDuplicateRequest(write)).toBe(true);
    expect(isDuplicateRequest(plain(400, 'Invalid timestamp format'))).toBe(false);
  });

  it('classifies an undocumented message by its status', () => {
    expect(plain(403, 'Account suspended').code).toBe(ErrorCode.UPSTREAM_AUTH_FAILED);
    expect(plain(502, 'Bad gateway').code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
  });
});

describe('the corporate client reading error answers off the wire', () => {
  const apiKey = 'ck_errors';
  const secretKey = nacl.randomBytes(32);
  let sandbox: CorporateSandbox;
  let client: CorporateClient;
  const cx = () => createCallContext('req-errors', createLogger('silent'));
  const balance = () => client.call({ path: '/master-wallet/balance', kind: 'read', name: 'getMasterBalance' }, cx());
  const topup = () =>
    client.call({ path: '/cards/topup', payload: { external_user_id: 'u', card_id: 'c', amount: '1.00' }, kind: 'write', name: 'topup', idempotencyKey: 'k-1' }, cx());


  beforeAll(async () => {
    sandbox = createCorporateSandbox({ apiKey, secretKey });
    const baseUrl = await sandbox.server.start();
    client = new CorporateClient({ baseUrl, apiKey, secretKey, connectTimeoutMs: 500, headersTimeoutMs: 1_000, bodyTimeoutMs: 1_000, maxRetries: 2 });
  });
  afterAll(async () => {
    await client.close();
    await sandbox.server.stop();
  });
  afterEach(() => {
    sandbox.server.clearFaults();
    sandbox.server.resetRequests();
  });

  it('sends a read taken for a replay once more, and then gives it the whole retry budget again', async () => {
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 503, times: 2 });
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 400, body: { error: 'Duplicate request detected' }, times: 1 });
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 503, times: 2 });
    await expect(balance()).resolves.toEqual({ currency: 'USDT', available: expect.any(String) });
    expect(sandbox.server.count('POST', '/api/v1/master-wallet/balance')).toBe(6);
  });

  it('resends a read only once for replays, and a write never', async () => {
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 400, body: { error: 'Duplicate request detected' } });
    sandbox.server.inject({ path: '/api/v1/cards/topup', status: 400, body: { error: 'Duplicate request detected' } });
    expect(isDuplicateRequest(await failure(balance()))).toBe(true);
    expect(sandbox.server.count('POST', '/api/v1/master-wallet/balance')).toBe(2);
    expect(isDuplicateRequest(await failure(topup()))).toBe(true);
    expect(sandbox.server.count('POST', '/api/v1/cards/topup')).toBe(1);
  });

  it('returns the decrypted data of a success', async () => {
    await expect(balance()).resolves.toEqual({ currency: 'USDT', available: expect.stringMatching(/^\d+\.\d{2}$/) });
  });

  it('maps an encrypted standard error by its slug', async () => {
    const error = await failure(client.call({ path: '/users/get', payload: { external_user_id: 'ghost' }, kind: 'read', name: 'getUser' }, cx()));
    expect(error).toMatchObject({ code: ErrorCode.NOT_FOUND, upstream: { status: 404, code: 'user_not_found' } });
  });

  it('maps an encrypted {success:false} even under a 200', async () => {
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 200, body: seal({ success: false, error: 'No', error_slug: 'insufficient_funds' }, secretKey) });
    expect(await failure(balance())).toMatchObject({ code: ErrorCode.INSUFFICIENT_FUNDS, upstream: { status: 200, code: 'insufficient_funds' } });
  });

  it('maps a plain {error} by its message', async () => {
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 404, body: { error: 'API key not found' } });
    expect(await failure(balance())).toMatchObject({ code: ErrorCode.UPSTREAM_AUTH_FAILED, upstream: { status: 404 } });
  });

  it('reports a success it cannot decrypt as UPSTREAM_ERROR, without retrying', async () => {
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 200, body: seal({ success: true, data: {} }, nacl.randomBytes(32)) });
    const error = await failure(balance());
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, provider: 'corporate', upstream: { status: 200 } });
    expect(error.message).toMatch(/does not decrypt/);
    expect(sandbox.server.count('POST', '/api/v1/master-wallet/balance')).toBe(1);
  });

  it('reports a plain JSON success (no envelope) as UPSTREAM_ERROR', async () => {
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 200, body: { success: true, data: {} } });
    expect(await failure(balance())).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR });
  });

  it("classifies a proxy's HTML 503 by its status and retries the read", async () => {
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 503, body: '<html>busy</html>' });
    expect(await failure(balance())).toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE, upstream: { status: 503 } });
    expect(sandbox.server.count('POST', '/api/v1/master-wallet/balance')).toBe(3);
  });

  it('sends a read taken for a replay once more, with a new timestamp, and then gives up', async () => {
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 400, body: { error: 'Duplicate request detected' }, times: 1 });
    await expect(balance()).resolves.toMatchObject({ currency: 'USDT' });
    expect(sandbox.server.count('POST', '/api/v1/master-wallet/balance')).toBe(2);
    const stamps = sandbox.server.requests.map((r) => {
      const opened = openBody(r.body, secretKey);
      return opened.ok ? opened.payload.request_timestamp : undefined;
    });
    expect(stamps[0]).toEqual(expect.any(Number));
    expect(stamps[1]).toBeGreaterThan(stamps[0] as number);

    sandbox.server.resetRequests();
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 400, body: { error: 'Duplicate request detected' } });
    expect(await failure(balance())).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: true });
    expect(sandbox.server.count('POST', '/api/v1/master-wallet/balance')).toBe(2);
  });

  it('never resends a write taken for a replay', async () => {
    sandbox.server.inject({ path: '/api/v1/cards/topup', status: 400, body: { error: 'Duplicate request detected' } });
    expect(await failure(topup())).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, retryable: false });
    expect(sandbox.server.count('POST', '/api/v1/cards/topup')).toBe(1);
  });

  it('answers a write that failed with internal_error as OUTCOME_UNKNOWN, sent once', async () => {
    const { status, body } = sealedError('internal_error', secretKey);
    sandbox.server.inject({ path: '/api/v1/cards/topup', status, body });
    expect(await failure(topup())).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, upstream: { status: 500, code: 'internal_error' } });
    expect(sandbox.server.count('POST', '/api/v1/cards/topup')).toBe(1);
  });

  it('reports an undecryptable 5xx on a write as OUTCOME_UNKNOWN, and on a read as UPSTREAM_UNAVAILABLE', async () => {
    sandbox.server.inject({ path: '/api/v1/cards/topup', status: 500, body: { encrypted: 'AAAA' } });
    expect((await failure(topup())).code).toBe(ErrorCode.OUTCOME_UNKNOWN);
    sandbox.server.inject({ path: '/api/v1/master-wallet/balance', status: 502, body: { encrypted: 'AAAA' } });
    expect((await failure(balance())).code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
  });

  it('stamps strictly increasing microsecond timestamps, even within one millisecond', () => {
    const frozen = new CorporateClient({ baseUrl: 'http://127.0.0.1:9', apiKey, secretKey, clock: () => 1_700_000_000_000, connectTimeoutMs: 1, headersTimeoutMs: 1, bodyTimeoutMs: 1, maxRetries: 0 });
    const stamps = Array.from({ length: 5 }, () => frozen.nextTimestamp());
    expect(stamps).toEqual([1_700_000_000_000_000, 1_700_000_000_000_001, 1_700_000_000_000_002, 1_700_000_000_000_003, 1_700_000_000_000_004]);
    void frozen.close();
  });
});
