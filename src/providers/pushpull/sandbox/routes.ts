/**
 * pushpull's HTTP side, speaking shared/providers/pushpull.md: the gatekeeper's checks in
 * the provider's order, the operations, and the 404/405 answers (see index.ts).
 */
import { header, type Route, type SandboxRequest, type SandboxResponse } from '../../../sandbox/server.js';
import { isNonEmptyString, readJsonObject, type JsonObject } from '../../../sandbox/body.js';
import { integerParam } from '../../../sandbox/paging.js';
import { isLuhnValid } from '../../../sandbox/random.js';
import {
  ACCOUNT_ID,
  IP_NOT_ALLOWED_XML,
  PUSHPULL_CURRENCIES,
  PUSHPULL_RULES,
  type PushpullAccount,
  type PushpullOperation,
  PushpullStore,
  type PushpullTransaction,
  TRANSACTION_ID,
  usdCents,
} from './store.js';


// ---------------------------------------------------------------------------------------
// HTTP

type Json = JsonObject;

export function pushpullError(status: number, ec: string, em: string, headers?: Record<string, string>): SandboxResponse {
  return { status, body: { EC: ec, EM: em }, headers };
}

function ipNotAllowed(status: number): SandboxResponse {
  return { status, headers: { 'content-type': 'application/xml' }, body: IP_NOT_ALLOWED_XML };
}

const invalidResourceId = () => pushpullError(400, 'InvalidResourceID', 'The ResourceID is invalid');
const invalidParameter = (detail: string) =>
  pushpullError(400, 'InvalidParameters', `One or more request parameters are incorrect or invalid: ${detail}`);
const accountNotFound = () => pushpullError(404, 'NotFound', 'The AccountID is not found');
const transactionNotFound = () => pushpullError(404, 'NotFound', 'The TransactionID is not found');
const gone = () => pushpullError(410, 'Gone', 'The Resource pointed to by the ResourceID has been marked for deletion');

function callerIp(req: SandboxRequest): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** The ClientID segment and what follows it, or undefined for a URL outside `/v1/clients/`. */
function clientPath(path: string): { clientId: string; rest: string } | undefined {
  const m = /^\/v1\/clients\/([^/]+)(\/.*)?$/.exec(path);
  if (!m) return undefined;
  let clientId: string;
  try {
    clientId = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  return { clientId, rest: m[2] ?? '' };
}

/** The WAF: script tags and NUL bytes, in the (decoded) URL or the body. */
function wafRejects(req: SandboxRequest): boolean {
  let url = req.rawUrl;
  try {
    url = decodeURIComponent(req.rawUrl);
  } catch {
    // An undecodable URL is inspected as sent.
  }
  const body = req.body.toString('latin1');
  const suspicious = (text: string) => /<\s*script/i.test(text) || text.includes('\u0000') || /\\u0000/i.test(text);
  return suspicious(url) || /%00/.test(req.rawUrl) || suspicious(body);
}

function headerBytes(raw: string[]): number {
  let bytes = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) bytes += Buffer.byteLength(raw[i]!) + Buffer.byteLength(raw[i + 1]!) + 4;
  return bytes;
}

export function gatekeeper(store: PushpullStore): (req: SandboxRequest) => SandboxResponse | undefined {
  return (req) => {
    if (req.rawHeaders.length / 2 > PUSHPULL_RULES.maxHeaderLines || headerBytes(req.rawHeaders) > PUSHPULL_RULES.maxHeaderBytes) {
      return pushpullError(431, 'HeaderFieldsTooLarge', 'Too many HTTP Header Lines and/or HTTP Header Lines too big');
    }
    if (!store.ipAllowed) return ipNotAllowed(store.ipDeniedStatus);
    if (store.isBlocked(callerIp(req))) return ipNotAllowed(403);
    if (wafRejects(req)) return pushpullError(406, 'WAFRejected', 'Our Web Application Firewall found invalid characters in the request');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '')?.[1];
    if (bearer !== store.token) return pushpullError(401, 'Unauthorized', 'The Bearer Token is invalid or incorrect');
    const target = clientPath(req.path);
    if (!target) return pushpullError(404, 'NotFound', 'The URL is invalid');
    if (target.clientId !== store.client.client_id) return pushpullError(404, 'NotFound', 'The ClientID in the URL is invalid');
    if (req.body.length > 0) {
      const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') return pushpullError(415, 'UnsupportedMediaType', 'Content-type must be application/json');
      const text = req.body.toString('utf8');
      if (/[\r\n]/.test(text)) {
        return pushpullError(400, 'MalformedBody', 'Request Body is malformed: JSON must be packed (it contains newlines)');
      }
      try {
        JSON.parse(text);
      } catch {
        return pushpullError(400, 'MalformedBody', 'Request Body is malformed: not JSON');
      }
    }
    if (store.client.status === 'locked' && target.rest !== '') {
      return pushpullError(423, 'Locked', 'The ClientID is locked: contact support');
    }
    return undefined;
  };
}

/** The body as a JSON object (the gatekeeper already checked it parses), `{}` when empty. */
function bodyOf(req: SandboxRequest): Json | undefined {
  const body = readJsonObject(req);
  if (body === 'empty') return {};
  return typeof body === 'string' ? undefined : body;
}

/** The longest reference id or other free text the contract takes, unless it says otherwise. */
const MAX_TEXT = 64;

/** `offset` and `limit` of a list, or the 400 they deserve. */
function paging(req: SandboxRequest): { offset: number; limit: number } | SandboxResponse {
  const offset = integerParam(req.query.get('offset'), 0, 0);
  if (offset === undefined) return invalidParameter('offset must be a non-negative integer');
  const limit = integerParam(req.query.get('limit'), PUSHPULL_RULES.defaultPageSize, 1, PUSHPULL_RULES.maxPageSize);
  if (limit === undefined) return invalidParameter(`limit must be an integer from 1 to ${PUSHPULL_RULES.maxPageSize}`);
  return { offset, limit };
}

const isResponse = (value: unknown): value is SandboxResponse =>
  typeof value === 'object' && value !== null && typeof (value as SandboxResponse).status === 'number';

function accountFor(store: PushpullStore, id: string): PushpullAccount | SandboxResponse {
  if (!ACCOUNT_ID.test(id)) return invalidResourceId();
  const account = store.accounts.get(id);
  if (!account) return accountNotFound();
  if (account.status === 'deleted') return gone();
  return account;
}

// --- client

function retrieveClient(store: PushpullStore): SandboxResponse {
  return { status: 200, body: store.clientRecord() };
}

// --- accounts

function createAccount(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const body = bodyOf(req);
  if (!body) return invalidParameter('the body must be a JSON object');
  const { reference_id, card_number, exp_month, exp_year, holder_name } = body;
  if (!isNonEmptyString(reference_id, MAX_TEXT)) return invalidParameter('reference_id is required');
  if (typeof card_number !== 'string' || !/^\d{12,19}$/.test(card_number) || !isLuhnValid(card_number)) {
    return invalidParameter('card_number is invalid');
  }
  if (typeof exp_month !== 'number' || !Number.isInteger(exp_month) || exp_month < 1 || exp_month > 12) {
    return invalidParameter('exp_month must be 1–12');
  }
  if (typeof exp_year !== 'number' || !Number.isInteger(exp_year) || exp_year < 2000 || exp_year > 2099) {
    return invalidParameter('exp_year must be a four-digit year');
  }
  if (!isNonEmptyString(holder_name, 100)) return invalidParameter('holder_name is required');
  if (store.isAccountReferenceUsed(reference_id)) return pushpullError(409, 'ReferenceIDUsed', 'ReferenceID has already been used');
  if (req.query.get('RejectDuplicateCard') === 'true' && store.activeAccountWithCard(card_number)) {
    return pushpullError(409, 'DuplicateCard', 'An account with this card already exists (RejectDuplicateCard)');
  }
  const account = store.addAccount({ reference_id, card_number, exp_month, exp_year, holder_name });
  return { status: 200, body: account };
}

function retrieveAccount(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const account = accountFor(store, req.params.accountId ?? '');
  return isResponse(account) ? account : { status: 200, body: account };
}

function listAccounts(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const page = paging(req);
  if (isResponse(page)) return page;
  const all = store.listedAccounts();
  return {
    status: 200,
    body: { accounts: all.slice(page.offset, page.offset + page.limit), offset: page.offset, limit: page.limit, total: all.length },
  };
}

function deleteAccount(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const account = accountFor(store, req.params.accountId ?? '');
  if (isResponse(account)) return account;
  account.status = 'deleted';
  return { status: 200, body: account };
}

function queryCard(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const body = bodyOf(req);
  const cardNumber = body?.card_number;
  if (typeof cardNumber !== 'string' || !/^\d{12,19}$/.test(cardNumber) || !isLuhnValid(cardNumber)) {
    return invalidParameter('card_number is invalid');
  }
  return { status: 200, body: store.profileOf(cardNumber) };
}

// --- transactions

function createTransaction(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const body = bodyOf(req);
  if (!body) return invalidParameter('the body must be a JSON object');
  const { reference_id, account_id, type, amount, currency } = body;
  if (!isNonEmptyString(reference_id, MAX_TEXT)) return invalidParameter('reference_id is required');
  if (typeof account_id !== 'string' || !ACCOUNT_ID.test(account_id)) return invalidResourceId();
  if (type !== 'push' && type !== 'pull') return invalidParameter('type must be push or pull');
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    return invalidParameter('amount must be a positive integer in minor units');
  }
  if (typeof currency !== 'string' || !PUSHPULL_CURRENCIES.includes(currency)) {
    return invalidParameter(`currency must be one of ${PUSHPULL_CURRENCIES.join(', ')}`);
  }
  if (store.isTransactionReferenceUsed(reference_id)) {
    return pushpullError(409, 'ReferenceIDUsed', 'ReferenceID has already been used in CreateTransaction');
  }
  const account = accountFor(store, account_id);
  if (isResponse(account)) return account;
  if (type === 'push' && !account.push_enabled) {
    return pushpullError(422, 'DestinationDisabled', 'Destination Disabled: pushing to this card is not enabled for your configuration');
  }
  if (type === 'pull' && !account.pull_enabled) {
    return pushpullError(422, 'SourceDisabled', 'Source Disabled: pulling from this card is not enabled for your configuration');
  }
  const cents = usdCents(amount, currency);
  if (cents > store.client.transaction_limit) {
    return pushpullError(422, 'TransactionLimit', 'Request exceeds your configured Transaction Limit');
  }
  if (store.dailyUsed() + cents > store.client.daily_limit) {
    return pushpullError(429, 'DailyLimit', 'Over your Daily (24-hour rolling) Limit', {
      'retry-after': String(store.secondsUntilDailyRoom(cents)),
    });
  }
  const transaction = store.createTransaction({ reference_id, account, type, amount, currency });
  const status = transaction.status === 'unknown' ? 207 : transaction.status === 'pending' ? 201 : 200;
  return { status, body: transaction };
}

function served(store: PushpullStore, transaction: PushpullTransaction): SandboxResponse {
  const wait = store.notePoll(transaction.transaction_id);
  if (wait !== undefined) {
    return pushpullError(429, 'Polling', 'Polling. Please do not poll: read a transaction at most 5 times in 10 seconds', {
      'retry-after': String(wait),
    });
  }
  return { status: 200, body: transaction };
}

function retrieveTransaction(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const id = req.params.transactionId ?? '';
  if (!TRANSACTION_ID.test(id)) return invalidResourceId();
  const transaction = store.transaction(id);
  return transaction ? served(store, transaction) : transactionNotFound();
}

function retrieveByReference(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const reference = req.query.get('reference_id');
  if (!reference) return invalidParameter('reference_id is required');
  const transaction = store.transactionByReference(reference);
  if (!transaction) return pushpullError(404, 'NotFound', 'The ReferenceID is not found');
  if (store.worldNow() - Date.parse(transaction.created_at) > PUSHPULL_RULES.referenceLookupMs) {
    return pushpullError(421, 'Misdirected', 'Too late to Retrieve by ReferenceID, use AccountID or TransactionID');
  }
  return served(store, transaction);
}

function listTransactions(store: PushpullStore, req: SandboxRequest): SandboxResponse {
  const account = accountFor(store, req.params.accountId ?? '');
  if (isResponse(account)) return account;
  const page = paging(req);
  if (isResponse(page)) return page;
  const all = store.transactionsOf(account.account_id);
  return {
    status: 200,
    body: { transactions: all.slice(page.offset, page.offset + page.limit), offset: page.offset, limit: page.limit, total: all.length },
  };
}

// --- routing

const BASE = '/v1/clients/:clientId';

/** Which answers feed the automatic IP block ("SC=404 from Retrieve Transactions", "SC=409 from creates"). */
type Watched = 'transaction-read' | 'create' | undefined;

interface RouteSpec {
  method: string;
  pattern: string;
  operation: PushpullOperation;
  watched: Watched;
  handle: (store: PushpullStore, req: SandboxRequest) => SandboxResponse;
}

const ROUTES: RouteSpec[] = [
  { method: 'GET', pattern: BASE, operation: 'RetrieveClient', watched: undefined, handle: retrieveClient },
  { method: 'POST', pattern: `${BASE}/accounts`, operation: 'CreateAccount', watched: 'create', handle: createAccount },
  { method: 'GET', pattern: `${BASE}/accounts`, operation: 'ListAccounts', watched: undefined, handle: listAccounts },
  { method: 'GET', pattern: `${BASE}/accounts/:accountId`, operation: 'RetrieveAccount', watched: undefined, handle: retrieveAccount },
  { method: 'DELETE', pattern: `${BASE}/accounts/:accountId`, operation: 'DeleteAccount', watched: undefined, handle: deleteAccount },
  { method: 'GET', pattern: `${BASE}/accounts/:accountId/transactions`, operation: 'ListTransactions', watched: undefined, handle: listTransactions },
  { method: 'POST', pattern: `${BASE}/cards/query`, operation: 'QueryCard', watched: undefined, handle: queryCard },
  { method: 'POST', pattern: `${BASE}/transactions`, operation: 'CreateTransaction', watched: 'create', handle: createTransaction },
  { method: 'GET', pattern: `${BASE}/transactions`, operation: 'RetrieveByReference', watched: 'transaction-read', handle: retrieveByReference },
  {
    method: 'GET',
    pattern: `${BASE}/transactions/:transactionId`,
    operation: 'RetrieveTransaction',
    watched: 'transaction-read',
    handle: retrieveTransaction,
  },
];

/** The route patterns as regexes, to tell a wrong method (405) from an unknown URL (404). */
const PATTERNS = ROUTES.map((r) => ({
  method: r.method,
  regex: new RegExp(`^${r.pattern.split('/').map((s) => (s.startsWith(':') ? '[^/]+' : s)).join('/')}$`),
}));

export function notFoundOrWrongMethod(req: SandboxRequest): SandboxResponse {
  const allowed = PATTERNS.filter((p) => p.regex.test(req.path)).map((p) => p.method);
  if (allowed.length > 0) {
    return pushpullError(405, 'MethodNotAllowed', `HTTP Request Method ${req.method} Not Allowed for the Requested Resource`, {
      allow: [...new Set(allowed)].join(', '),
    });
  }
  return pushpullError(404, 'NotFound', 'The URL is invalid');
}

export function pushpullRoutes(store: PushpullStore): Route[] {
  return ROUTES.map((spec) => ({
    method: spec.method,
    pattern: spec.pattern,
    handler: (req) => {
      const response = store.deniedOperations.has(spec.operation)
        ? pushpullError(403, 'Forbidden', `Permissions do not allow access to the resource (${spec.operation} Permission)`)
        : spec.handle(store, req);
      const error =
        (spec.watched === 'transaction-read' && response.status === 404) || (spec.watched === 'create' && response.status === 409);
      store.noteOutcome(callerIp(req), error);
      return response;
    },
  }));
}
