/**
 * The audit trail of sensitive actions (card reveals, every mutation attempt): who, when,
 * what, on which provider, with which outcome. Entries live in the state store (see
 * store/state-store.ts), and are built here only, from a closed set of fields, none of which
 * can hold a PAN, CVV, key or token.
 */
import type { ProviderKey } from '../core/provider-key.js';
import type { RequestScope } from '../core/request-scope.js';
import type { Viewer } from '../core/viewer.js';
import type { AuditEntry, AuditOutcome } from '../store/state-store.js';

export type { AuditEntry, AuditOutcome, AuditTrail } from '../store/state-store.js';

/**
 * Who acted, in which request: the part of a request scope an entry names (the reconciler,
 * acting outside any client request, names a subject of its own).
 */
export type AuditScope = Pick<RequestScope, 'requestId'> & { viewer: Pick<Viewer, 'tenant' | 'subject'> };

/** What was acted on. */
export interface AuditSubject {
  /** `card.reveal.requested`, `card.reveal.redeemed`, or `mutation.<name>`. */
  action: string;
  target: string;
  provider: ProviderKey;
  idempotencyKey?: string;
}

export type AuditDetails = Pick<AuditEntry, 'code' | 'upstreamRequestId' | 'attempt' | 'resend'>;

/** Builds the entries of one action: each call is one outcome, stamped with its own time. */
export type AuditBuilder = (outcome: AuditOutcome, details?: AuditDetails) => AuditEntry;

export function auditBuilder(scope: AuditScope, subject: AuditSubject): AuditBuilder {
  return (outcome, details = {}) => ({
    at: new Date().toISOString(),
    requestId: scope.requestId,
    tenant: scope.viewer.tenant,
    subject: scope.viewer.subject,
    action: subject.action,
    target: subject.target,
    provider: subject.provider,
    ...(subject.idempotencyKey === undefined ? {} : { idempotencyKey: subject.idempotencyKey }),
    outcome,
    ...Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined)),
  });
}
