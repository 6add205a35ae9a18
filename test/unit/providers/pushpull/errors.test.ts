import { createCallContext } from '../../../../src/core/call-context.js';
import { ErrorCode } from '../../../../src/core/errors.js';
import { createLogger } from '../../../../src/core/logger.js';
import type { RequestKind } from '../../../../src/providers/transport/retry-policy.js';
import { PushpullClient } from '../../../../src/providers/pushpull/client.js';
import { PUSHPULL_ERROR_STATUSES } from '../../../../src/providers/pushpull/contract.js';
import { mapPushpullError, readErrorBody, type PushpullBodyFormat } from '../../../../src/providers/pushpull/errors.js';
import { IP_NOT_ALLOWED_XML } from '../../../../src/providers/pushpull/sandbox/store.js';
import { createPushpullSandbox, type PushpullSandbox } from '../../../../src/providers/pushpull/sandbox/index.js';
import { failure } from '../../../support/failure.js';

const answer = (status: number, message: string, operation: RequestKind = 'read', code = 'EC1', retryAfterHeader?: string) => ({
  provider: 'pushpull' as const,
  status,
  code,
  message,
  requestId: 'req-1',
  retryAfterHeader,
  requestKind: operation,
});

const map = (status: number, message: string, options: { operation?: RequestKind; format?: PushpullBodyFormat; code?: string; retryAfter?: string } = {}) =>
  mapPushpullError(answer(status, message, options.operation, options.code, options.retryAfter), { format: options.format ?? 'json' });

describe('pushpull error mapping: every documented status and variant', () => {
  it.each<[string, number, string, ErrorCode]>([
    ['207 on a write (a step failed, outcome unknown)', 207, 'One or more upstream processing failed', ErrorCode.OUTCOME_UNKNOWN],
    ['400 bad ResourceID', 400, 'The ResourceID is invalid', ErrorCode.BAD_USER_INPUT],
    ['400 bad parameters', 400, 'One or more request parameters are incorrect or invalid: limit', ErrorCode.BAD_USER_INPUT],
    ['400 unpacked JSON (our bug)', 400, 'Request Body is malformed: JSON must be packed (it contains newlines)', ErrorCode.UPSTREAM_ERROR],
    ['400 not JSON (our bug)', 400, 'Request Body is malformed: not JSON', ErrorCode.UPSTREAM_ERROR],
    ['401 bad bearer token', 401, 'The Bearer Token is invalid or incorrect', ErrorCode.UPSTREAM_AUTH_FAILED],
    ['403 JSON "Permission"', 403, 'Permissions do not allow access to the resource', ErrorCode.UPSTREAM_AUTH_FAILED],
    ['404 unknown resource', 404, 'The TransactionID is not found', ErrorCode.NOT_FOUND],
    ['404 unknown ClientID (our configuration)', 404, 'The ClientID in the URL is invalid', ErrorCode.UPSTREAM_AUTH_FAILED],
    ['404 invalid URL (our bug)', 404, 'The URL is invalid', ErrorCode.UPSTREAM_ERROR],
    ['405 wrong method (our bug)', 405, 'HTTP Request Method Not Allowed', ErrorCode.UPSTREAM_ERROR],
    ['406 WAF rejected characters', 406, 'Our Web Application Firewall found invalid characters in the request', ErrorCode.BAD_USER_INPUT],
    ['406 WAF rejected the JSON formatting (our bug)', 406, 'JSON Formatting is invalid', ErrorCode.UPSTREAM_ERROR],
    ['409 reused ReferenceID', 409, 'ReferenceID has already been used in CreateTransaction', ErrorCode.CONFLICT],
    ['409 duplicate card', 409, 'An account with this card already exists (RejectDuplicateCard)', ErrorCode.CONFLICT],
    ['410 deleted resource', 410, 'The Resource pointed to by the ResourceID has been marked for deletion', ErrorCode.NOT_FOUND],
    ['415 content type (our bug)', 415, 'Content-type must be application/json', ErrorCode.UPSTREAM_ERROR],
    ['421 too late by ReferenceID', 421, 'Too late to Retrieve by ReferenceID, use AccountID or TransactionID', ErrorCode.NOT_FOUND],
    ['422 Transaction Limit', 422, 'Request exceeds your configured Transaction Limit', ErrorCode.LIMIT_EXCEEDED],
    ['422 Destination Disabled', 422, 'Destination Disabled: pushing to this card is not enabled', ErrorCode.INVALID_STATE],
    ['422 Source Disabled', 422, 'Source Disabled: pulling from this card is not enabled', ErrorCode.INVALID_STATE],
    ['422 other invalid state', 422, 'The Resource pointed to by the ResourceID is in an invalid state', ErrorCode.INVALID_STATE],
    ['423 client locked (the gateway’s account)', 423, 'The ClientID is locked: contact support', ErrorCode.UPSTREAM_AUTH_FAILED],
    ['423 a locked resource', 423, 'The Resource pointed to by the ResourceID is locked', ErrorCode.INVALID_STATE],
    ['429 polling', 429, 'Polling. Please do not poll', ErrorCode.RATE_LIMITED],
    ['429 rate limit', 429, 'Rate Limiting. Reduce the rate at which you send requests', ErrorCode.RATE_LIMITED],
    ['429 over the daily limit', 429, 'Over your Daily (24-hour rolling) Limit', ErrorCode.LIMIT_EXCEEDED],
    ['431 header lines (our bug)', 431, 'Too many HTTP Header Lines and/or HTTP Header Lines too big', ErrorCode.UPSTREAM_ERROR],
    ['500 JSON on a read', 500, 'There was a problem processing the Request', ErrorCode.UPSTREAM_UNAVAILABLE],
    ['502 on a read', 502, 'Problem connecting to an Application Server', ErrorCode.UPSTREAM_UNAVAILABLE],
    ['503 on a read', 503, 'Temporary Condition', ErrorCode.UPSTREAM_UNAVAILABLE],
    ['504 on a read', 504, 'Connection to an Application Server timed out', ErrorCode.UPSTREAM_TIMEOUT],
  ])('%s → %s', (_what, status, message, expected) => {
    const error = map(status, message, { operation: status === 207 ? 'write' : 'read' });
    expect(error.code).toBe(expected);
    expect(error.provider).toBe('pushpull');
    expect(error.upstream).toEqual({ status, code: 'EC1', requestId: 'req-1' });
  });

  it('covers every status of the documented table', () => {
    expect([...PUSHPULL_ERROR_STATUSES]).toEqual([207, 400, 401, 403, 404, 405, 406, 409, 410, 415, 421, 422, 423, 429, 431, 500, 502, 503, 504]);
  });

  it('reads a 207 on a read as an UNKNOWN resource state (OUTCOME_UNKNOWN), naming the resource', () => {
    const error = mapPushpullError(answer(207, 'PUSHPULL answered 207'), { format: 'json', resourceId: 'txn_0123456789abcdef' });
    expect(error.code).toBe(ErrorCode.OUTCOME_UNKNOWN);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/txn_0123456789abcdef is in an UNKNOWN state/);
  });

  it.each([
    [403, 'read'],
    [500, 'read'],
    [500, 'write'],
    [401, 'read'],
  ] as const)('maps the XML IPNotAllowed body under %i (%s) to UPSTREAM_AUTH_FAILED: nothing was processed', (status, operation) => {
    const error = map(status, 'The IP Address is not allowed', { format: 'xml', code: 'IPNotAllowed', operation });
    expect(error.code).toBe(ErrorCode.UPSTREAM_AUTH_FAILED);
    expect(error.upstream).toMatchObject({ status, code: 'IPNotAllowed' });
    expect(error.message).toMatch(/IP address/);
  });

  it.each([500, 502, 503, 504])('a JSON %i on a write is OUTCOME_UNKNOWN, never a final failure', (status) => {
    const error = map(status, 'There was a problem processing the Request', { operation: 'write' });
    expect(error.code).toBe(ErrorCode.OUTCOME_UNKNOWN);
    expect(error.retryable).toBe(false);
  });

  it('carries Retry-After as retryAfterSeconds on a 429', () => {
    const error = map(429, 'Polling. Please do not poll', { retryAfter: '7' });
    expect(error).toMatchObject({ code: ErrorCode.RATE_LIMITED, retryable: true, retryAfterSeconds: 7 });
  });

  it('does not let a client retry a daily-limit 429 as if it were a short rate limit', () => {
    const error = map(429, 'Over your Daily (24-hour rolling) Limit', { retryAfter: '3600' });
    expect(error).toMatchObject({ code: ErrorCode.LIMIT_EXCEEDED, retryable: false, retryAfterSeconds: 3600 });
  });

  it('makes 421 a non-retryable NOT_FOUND that says to use the id', () => {
    const error = map(421, 'Too late to Retrieve by ReferenceID, use AccountID or TransactionID');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/transaction id/);
  });

  it('classifies an undocumented status by the shared fallback', () => {
    expect(map(418, 'teapot').code).toBe(ErrorCode.UPSTREAM_ERROR);
    expect(map(408, 'timeout').code).toBe(ErrorCode.UPSTREAM_ERROR);
  });
});

describe('reading pushpull error bodies', () => {
  const body = (text: string, contentType?: string) => {
    const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
    return { headers, body: Buffer.from(text) };
  };

  it('reads {EC, EM}', () => {
    expect(readErrorBody(body('{"EC":"NotFound","EM":"The TransactionID is not found"}', 'application/json'))).toEqual({
      format: 'json',
      code: 'NotFound',
      message: 'The TransactionID is not found',
      resourceId: undefined,
    });
  });

  it('reads the XML body by its content type', () => {
    expect(readErrorBody(body(IP_NOT_ALLOWED_XML, 'application/xml; charset=utf-8'))).toEqual({
      format: 'xml',
      code: 'IPNotAllowed',
      message: 'The IP Address is not allowed',
    });
  });

  it('reads the XML body by its leading "<" when the content type says otherwise', () => {
    expect(readErrorBody(body(`  ${IP_NOT_ALLOWED_XML}`, 'application/json')).format).toBe('xml');
  });

  it('reads the object a 207 carried', () => {
    expect(readErrorBody(body('{"transaction_id":"txn_0123456789abcdef","status":"unknown"}')).resourceId).toBe('txn_0123456789abcdef');
  });

  it('reads neither as "none"', () => {
    expect(readErrorBody(body('Bad Gateway', 'text/plain')).format).toBe('none');
    expect(readErrorBody(body('')).format).toBe('none');
  });
});

describe('the pushpull client against its simulator', () => {
  const CLIENT_ID = 'cp-client';
  const TOKEN = 'tok_client';
  let sandbox: PushpullSandbox;
  let client: PushpullClient;
  const cx = () => createCallContext('req-pp', createLogger('silent'));


  beforeAll(async () => {
    sandbox = createPushpullSandbox({ clientId: CLIENT_ID, token: TOKEN });
    const baseUrl = await sandbox.server.start();
    client = new PushpullClient({ baseUrl, clientId: CLIENT_ID, token: TOKEN, connectTimeoutMs: 500, headersTimeoutMs: 1_000, bodyTimeoutMs: 1_000, maxRetries: 2 });
  });
  afterAll(async () => {
    await client.close();
    await sandbox.server.stop();
  });
  afterEach(() => {
    sandbox.server.clearFaults();
    sandbox.server.resetRequests();
    sandbox.store.ipAllowed = true;
  });

  it('sends the bearer token, the ClientID in the path and a packed JSON body', async () => {
    const account = sandbox.store.listedAccounts().find((a) => a.push_enabled)!;
    const created = await client.request<{ status: string }>(
      {
        method: 'POST',
        path: client.path('/transactions'),
        body: { reference_id: 'ref-client-1', account_id: account.account_id, type: 'push', amount: 100, currency: 'USD' },
        kind: 'write',
        name: 'createTransaction',
      },
      cx(),
    );
    expect(created.status).toBe('completed');
    const sent = sandbox.server.requests[0]!;
    expect(sent.path).toBe(`/v1/clients/${CLIENT_ID}/transactions`);
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body.includes(0x0a)).toBe(false);
  });

  it('treats a 207 as OUTCOME_UNKNOWN, not a success, and does not resend the write', async () => {
    const account = sandbox.store.listedAccounts().find((a) => a.push_enabled)!;
    const error = await failure(
      client.request(
        { method: 'POST', path: client.path('/transactions'), body: { reference_id: 'ref-client-207', account_id: account.account_id, type: 'push', amount: 207, currency: 'USD' }, kind: 'write', name: 'createTransaction' },
        cx(),
      ),
    );
    expect(error.code).toBe(ErrorCode.OUTCOME_UNKNOWN);
    expect(error.upstream?.status).toBe(207);
    expect(error.message).toMatch(/txn_[0-9a-f]{16}/);
    expect(sandbox.server.count('POST')).toBe(1);
  });

  it('maps the simulator’s XML IP refusal to UPSTREAM_AUTH_FAILED', async () => {
    sandbox.store.ipAllowed = false;
    const error = await failure(client.request({ method: 'GET', path: client.path('/accounts'), kind: 'read', name: 'listAccounts' }, cx()));
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_AUTH_FAILED, provider: 'pushpull', upstream: { status: 403, code: 'IPNotAllowed' } });
  });

  it('maps a JSON 404 with its EC as the upstream code', async () => {
    const error = await failure(client.request({ method: 'GET', path: client.path('/transactions/txn_ffffffffffffffff'), kind: 'read', name: 'getTransaction' }, cx()));
    expect(error).toMatchObject({ code: ErrorCode.NOT_FOUND, upstream: { status: 404, code: 'NotFound' } });
  });

  it('keeps the token out of error messages', async () => {
    const wrong = new PushpullClient({ baseUrl: sandbox.server.baseUrl, clientId: CLIENT_ID, token: 'tok_wrong_secret', connectTimeoutMs: 500, headersTimeoutMs: 1_000, bodyTimeoutMs: 1_000, maxRetries: 0 });
    try {
      const error = await failure(wrong.request({ method: 'GET', path: wrong.path(), kind: 'read', name: 'retrieveClient' }, cx()));
      expect(error.code).toBe(ErrorCode.UPSTREAM_AUTH_FAILED);
      expect(error.message).not.toContain('tok_wrong_secret');
    } finally {
      await wrong.close();
    }
  });
});
