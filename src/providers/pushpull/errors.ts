/**
 * pushpull's error answers → gateway errors: one exhaustive table over every status its
 * status-code page documents (contract.ts: docs/pushpull.txt, pushpull.md "Errors"), keyed so that a
 * documented status without a rule does not compile. A status the page does not list falls
 * back to the shared status classification.
 *
 * pushpull documents its *statuses* and a few `EM` phrases ("Permission", "Transaction
 * Limit", "Destination Disabled", "Source Disabled"); its `EC` values are not documented, so
 * the rules read the status, the documented phrases and the body's format, and pass `EC`
 * through as `extensions.upstream.code` only.
 *
 * Where one status has causes that are ours and causes that are the client's, the rule
 * splits them by what the gateway can know:
 * - 400: a bad ResourceID or parameter is the caller's input (BAD_USER_INPUT); a malformed or
 *   unpacked body cannot be the caller's fault, because the gateway serialises every body
 *   itself (packed `JSON.stringify`): it is a gateway bug (UPSTREAM_ERROR).
 * - 403/500 with the XML IPNotAllowed body: pushpull refused the gateway's own IP address
 *   before looking at the request (UPSTREAM_AUTH_FAILED, even for a 500 on a write: nothing
 *   was processed, so the outcome is known).
 * - 404: an unknown ClientID is the gateway's configuration (UPSTREAM_AUTH_FAILED), an
 *   invalid URL a gateway bug (UPSTREAM_ERROR), anything else a missing resource (NOT_FOUND).
 * - 406: the WAF rejected characters — which come from the caller's input (BAD_USER_INPUT),
 *   unless it names the JSON formatting, which is ours (UPSTREAM_ERROR).
 * - 421: "too late to retrieve by ReferenceID": the object exists but can no longer be found
 *   by that key; NOT_FOUND (not retryable: retrying will not make it younger) with a message
 *   saying to use the transaction or account id. Not BAD_USER_INPUT: the reference was
 *   valid, and it is the gateway that chose to look up by reference.
 * - 423: a locked *client* is the gateway's account at pushpull — the caller can do nothing,
 *   operators must contact pushpull: UPSTREAM_AUTH_FAILED. A locked *resource* (the doc's
 *   general wording) is INVALID_STATE.
 * - 429: polling and rate limits are RATE_LIMITED with Retry-After; being over the 24-hour
 *   rolling limit is LIMIT_EXCEEDED (the schema's "daily … limit at the provider"): waiting a
 *   few seconds will not help, and it must not pause the gateway's reads.
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import { fallbackError, upstreamError, type UpstreamAnswer } from '../transport/upstream-errors.js';
import { tryParseJson, type UpstreamResponse } from '../transport/http.js';
import { documented } from '../transport/upstream-shape.js';
import { IP_NOT_ALLOWED_CODE, type PushpullErrorStatus } from './contract.js';


/** How the error body was written: `{EC, EM}`, the XML `<Error>`, or neither. */
export type PushpullBodyFormat = 'json' | 'xml' | 'none';

export interface PushpullErrorDetails {
  format: PushpullBodyFormat;
  /** The id of the object a 207 answer carried, when it carried one. */
  resourceId?: string;
}


/** What an error answer said, whichever format it came in. */
export interface PushpullErrorBody {
  format: PushpullBodyFormat;
  /** `EC`, or the XML `Code`. */
  code?: string;
  /** `EM`, or the XML `Message` — not yet sanitised. */
  message?: unknown;
  /** `transaction_id`/`account_id` of an object the answer carried (a 207 may carry one). */
  resourceId?: string;
}

/** Reads an error body leniently: XML (by content type or a leading `<`), JSON, or neither. */
export function readErrorBody(response: Pick<UpstreamResponse, 'headers' | 'body'>): PushpullErrorBody {
  const text = response.body.toString('utf8').trim();
  if (/\bxml\b/i.test(response.headers['content-type'] ?? '') || text.startsWith('<')) {
    return { format: 'xml', code: xmlElement(text, 'Code'), message: xmlElement(text, 'Message') };
  }
  const json = tryParseJson(response.body);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { format: 'none' };
  const o = json as Record<string, unknown>;
  const ec = o.EC;
  const id = o.transaction_id ?? o.account_id;
  return {
    format: 'json',
    code: typeof ec === 'string' || typeof ec === 'number' ? String(ec) : undefined,
    message: o.EM,
    resourceId: typeof id === 'string' && /^[\w-]{1,64}$/.test(id) ? id : undefined,
  };
}

/** The text of the first `<name>` element, entities decoded; undefined when absent. */
function xmlElement(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  if (!m) return undefined;
  return m[1]!
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

type Rule = (answer: UpstreamAnswer, details: PushpullErrorDetails) => GatewayError;

const P = 'PUSHPULL';

const has = (answer: UpstreamAnswer, phrase: RegExp): boolean => phrase.test(answer.message);

/** The gateway's own credentials or configuration at pushpull: operators must act. */
const authFailed = (why: string) => (answer: UpstreamAnswer): GatewayError =>
  upstreamError(ErrorCode.UPSTREAM_AUTH_FAILED, answer, `${P} ${why} (${answer.message})`);

/** A request only the gateway could have got wrong. */
const gatewayBug = (why: string) => (answer: UpstreamAnswer): GatewayError =>
  upstreamError(ErrorCode.UPSTREAM_ERROR, answer, `${P} rejected the gateway's request: ${why} (${answer.message})`);

const RULES = {
  207: (answer, details) => {
    const what = details.resourceId ? ` ${details.resourceId}` : '';
    return upstreamError(
      ErrorCode.OUTCOME_UNKNOWN,
      answer,
      answer.requestKind === 'write'
        ? `${P} answered 207: an upstream step failed and the outcome of the write${what ? ` (${what.trim()})` : ''} is UNKNOWN; do not assume it succeeded or failed`
        : `${P} answered 207: an upstream step failed and the resource${what} is in an UNKNOWN state`,
    );
  },
  400: (answer) =>
    has(answer, /malformed|packed|newline|not json|\bjson\b/i)
      ? gatewayBug('its body was malformed or not packed JSON')(answer)
      : upstreamError(ErrorCode.BAD_USER_INPUT, answer, `${P} rejected the request: ${answer.message}`),
  401: authFailed("rejected the gateway's bearer token or IP address (check PUSHPULL_TOKEN and the IP allow-list)"),
  403: (answer) =>
    has(answer, /permission/i)
      ? authFailed("does not give the gateway's client the permission for this operation")(answer)
      : authFailed("refused the gateway's client")(answer),
  404: (answer) => {
    if (has(answer, /client\s*id/i)) return authFailed("does not know the gateway's ClientID (check PUSHPULL_CLIENT_ID)")(answer);
    if (has(answer, /\burl\b/i)) return gatewayBug('the URL is invalid')(answer);
    return upstreamError(ErrorCode.NOT_FOUND, answer, `${P}: ${answer.message}`);
  },
  405: gatewayBug('wrong HTTP method for the resource'),
  406: (answer) =>
    has(answer, /\bjson\b/i)
      ? gatewayBug('its firewall found the JSON formatting invalid')(answer)
      : upstreamError(ErrorCode.BAD_USER_INPUT, answer, `${P}'s firewall rejected characters in the request (${answer.message})`),
  409: (answer) => upstreamError(ErrorCode.CONFLICT, answer, `${P}: ${answer.message}`),
  410: (answer) => upstreamError(ErrorCode.NOT_FOUND, answer, `${P} has deleted the resource (${answer.message})`),
  415: gatewayBug('the content type was not application/json'),
  421: (answer) =>
    new GatewayError(
      ErrorCode.NOT_FOUND,
      `${P} no longer finds this transaction by its reference (references are looked up for 24 hours): read it by its transaction id or list its card's transactions`,
      { provider: answer.provider, retryable: false, upstream: { status: answer.status, code: answer.code, requestId: answer.requestId } },
    ),
  422: (answer) => {
    if (has(answer, /transaction limit/i)) return upstreamError(ErrorCode.LIMIT_EXCEEDED, answer, `${P}: ${answer.message}`);
    // "Destination Disabled" / "Source Disabled": the card cannot be pushed to / pulled from.
    return upstreamError(ErrorCode.INVALID_STATE, answer, `${P}: ${answer.message}`);
  },
  423: (answer) =>
    has(answer, /client/i)
      ? authFailed("has locked the gateway's client account (contact pushpull)")(answer)
      : upstreamError(ErrorCode.INVALID_STATE, answer, `${P}: the resource is locked (${answer.message})`),
  429: (answer) =>
    has(answer, /daily|24-hour/i)
      ? upstreamError(ErrorCode.LIMIT_EXCEEDED, answer, `${P}: ${answer.message}`)
      : upstreamError(ErrorCode.RATE_LIMITED, answer, `${P} asked the gateway to slow down (${answer.message})`),
  431: gatewayBug('too many or too large header lines'),
  500: (answer) => fallbackError(answer),
  502: (answer) => fallbackError(answer),
  503: (answer) => fallbackError(answer),
  504: (answer) => fallbackError(answer),
} satisfies Record<PushpullErrorStatus, Rule>;

export function mapPushpullError(answer: UpstreamAnswer, details: PushpullErrorDetails): GatewayError {
  // The IP allow-list answers in XML (403, sometimes 500, and the doc lets 401 mean it too):
  // whatever the status, pushpull refused the gateway's address and processed nothing.
  if (details.format === 'xml' && (answer.code === IP_NOT_ALLOWED_CODE || has(answer, /IP Address is not allowed/i))) {
    return upstreamError(
      ErrorCode.UPSTREAM_AUTH_FAILED,
      answer,
      `${P} does not allow the gateway's IP address (IPNotAllowed): it is not on the allow-list or was blocked after a burst of errors`,
    );
  }
  const rule: Rule | undefined = documented(RULES, answer.status);
  return rule ? rule(answer, details) : fallbackError(answer);
}
