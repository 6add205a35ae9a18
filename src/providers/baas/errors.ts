/**
 * baas's error answers → gateway errors: one exhaustive table over every status the
 * documentation lists (contract.ts: docs/baas.txt, "HTTP status codes"; baas.md, "Envelope"),
 * then the shared status fallback for anything it does not list.
 *
 * baas names few errors by `code` (only `insufficient_funds` is documented), so two statuses
 * are told apart by what was asked as well as by the message:
 * - 403 is "most commonly" the IP allowlist / FCrDNS check ("No authorized IPs configured"),
 *   the gateway's own network identity; otherwise a compliance-state restriction (e.g. issuing
 *   a card to a cardholder who is not approved), which is the object's state.
 * - 409 on a cardholder edit is the compliance lock on firstName/lastName/dateOfBirth; any
 *   other 409 is a state the operation does not fit (e.g. unfreezing a blocked card).
 *
 * | status | when                                           | gateway code             |
 * |--------|------------------------------------------------|--------------------------|
 * | 400    | always                                         | UPSTREAM_ERROR           |
 * | 401    | always                                         | UPSTREAM_AUTH_FAILED     |
 * | 403    | "No authorized IPs configured"                 | UPSTREAM_AUTH_FAILED     |
 * | 403    | compliance restriction (card issuance, or says so) | INVALID_STATE        |
 * | 403    | anything else                                  | UPSTREAM_AUTH_FAILED     |
 * | 404    | always (incl. an expired/unknown OTP token)    | NOT_FOUND                |
 * | 409    | locked-field edit (cardholder update, or says so) | COMPLIANCE_LOCKED     |
 * | 409    | anything else                                  | INVALID_STATE            |
 * | 422    | code `insufficient_funds`                      | INSUFFICIENT_FUNDS       |
 * | 422    | anything else (field validation)               | BAD_USER_INPUT           |
 * | 429    | always                                         | RATE_LIMITED             |
 * | 5xx    | read / write                                   | UPSTREAM_UNAVAILABLE (504: UPSTREAM_TIMEOUT) / OUTCOME_UNKNOWN |
 * | other  |                                                | status fallback          |
 */
import { ErrorCode, type GatewayError } from '../../core/errors.js';
import { fallbackError, upstreamError, type UpstreamAnswer } from '../transport/upstream-errors.js';
import { sanitizeUpstreamMessage } from '../transport/http.js';
import { documented } from '../transport/upstream-shape.js';
import type { BaasErrorCode, BaasErrorStatus } from './contract.js';

/** The documented message of the allowlist / FCrDNS 403. */
const IP_NOT_AUTHORIZED = /no authorized ips configured/i;
const COMPLIANCE_WORDING = /complian|not approved|approved cardholders|kyc/i;
/** "locked", "lock" — but not "blocked" (a card's state, not a field lock). */
const LOCK_WORDING = /\block(ed)?\b/i;

/** The operations (RequestSpec names) whose 403/409 the table reads as compliance answers. */
export const CARD_ISSUANCE_OPERATION = 'createCard';
export const CARDHOLDER_UPDATE_OPERATION = 'updateCardholder';

export interface BaasFieldError {
  field: string;
  message: string;
}

/** What an error envelope carried, made safe to show. */
export interface BaasErrorBody {
  message: string;
  code?: string;
  errors: BaasFieldError[];
}

/** Reads `{status:"error", message, code?, errors?}` leniently: any part may be missing. */
export function readErrorBody(body: unknown, status: number): BaasErrorBody {
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const errors = Array.isArray(o.errors)
    ? o.errors.flatMap((e): BaasFieldError[] => {
        const entry = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
        if (typeof entry.field !== 'string' || entry.field === '') return [];
        return [{ field: sanitizeUpstreamMessage(entry.field, 'field').slice(0, 64), message: sanitizeUpstreamMessage(entry.message, 'is invalid') }];
      })
    : [];
  return {
    message: sanitizeUpstreamMessage(o.message, `BAAS answered ${status}`),
    code: typeof o.code === 'string' && o.code !== '' ? o.code : undefined,
    errors,
  };
}

/** The request the answer belongs to, by its RequestSpec name (e.g. `createCard`). */
export interface BaasErrorContext {
  operationName: string;
}

type Rule = (answer: UpstreamAnswer, body: BaasErrorBody, context: BaasErrorContext) => GatewayError;

const RULES = {
  // baas says 400 = invalid JSON or a field of the wrong type. The gateway builds every
  // body itself from validated input, so a 400 is the gateway's bug, not the caller's.
  400: (answer) => upstreamError(ErrorCode.UPSTREAM_ERROR, answer, `BAAS rejected the gateway's request as malformed: ${answer.message}`),
  // The gateway's X-API-Key (missing, invalid or revoked): operators must fix it.
  401: (answer) => upstreamError(ErrorCode.UPSTREAM_AUTH_FAILED, answer, `BAAS rejected the gateway's API key: ${answer.message}`),
  403: (answer, _body, context) => {
    if (IP_NOT_AUTHORIZED.test(answer.message)) {
      return upstreamError(
        ErrorCode.UPSTREAM_AUTH_FAILED,
        answer,
        `BAAS refused the gateway's network identity: ${answer.message} (the calling IP is not allowlisted for the Program, or the FCrDNS check between the certificate's domains and the IP fails)`,
      );
    }
    if (context.operationName === CARD_ISSUANCE_OPERATION || COMPLIANCE_WORDING.test(answer.message)) {
      return upstreamError(ErrorCode.INVALID_STATE, answer);
    }
    // The doc's most common 403 is the allowlist: unexplained, it is the gateway's access.
    return upstreamError(ErrorCode.UPSTREAM_AUTH_FAILED, answer, `BAAS refused the gateway's access: ${answer.message}`);
  },
  404: (answer) => upstreamError(ErrorCode.NOT_FOUND, answer),
  409: (answer, _body, context) =>
    context.operationName === CARDHOLDER_UPDATE_OPERATION || LOCK_WORDING.test(answer.message)
      ? upstreamError(ErrorCode.COMPLIANCE_LOCKED, answer)
      : upstreamError(ErrorCode.INVALID_STATE, answer),
  422: (answer, body) =>
    // The one documented code; its message is matched too, in case the code is dropped.
    body.code === INSUFFICIENT_FUNDS || /^insufficient funds/i.test(body.message)
      ? upstreamError(ErrorCode.INSUFFICIENT_FUNDS, answer)
      : upstreamError(ErrorCode.BAD_USER_INPUT, answer, validationMessage(body)),
  429: (answer) => upstreamError(ErrorCode.RATE_LIMITED, answer, `BAAS is rate limiting the gateway: ${answer.message}`),
  // Platform or upstream failures: by status; a write's outcome is unknown.
  500: (answer) => fallbackError(answer),
  502: (answer) => fallbackError(answer),
  503: (answer) => fallbackError(answer),
} satisfies Record<BaasErrorStatus, Rule>;

const INSUFFICIENT_FUNDS: BaasErrorCode = 'insufficient_funds';

export function mapBaasError(answer: UpstreamAnswer, body: BaasErrorBody, context: BaasErrorContext): GatewayError {
  // Anything the status table does not list: by status.
  const rule: Rule | undefined = documented(RULES, answer.status);
  return rule ? rule(answer, body, context) : fallbackError(answer);
}

/** A 422's message, naming each field the provider named. */
function validationMessage(body: BaasErrorBody): string {
  if (body.errors.length === 0) return `BAAS rejected the request: ${body.message}`;
  return `BAAS rejected the request: ${body.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`;
}
