/**
 * One request, as everything done on its behalf sees it: who is asking and the call context
 * its upstream calls carry (request id, logger, deadline, memo). The GraphQL context extends
 * it, the write and reveal paths take it (with the tenant's providers, gateway/tenant-scope.ts),
 * and the audit trail reads its viewer and request id. It is declared here only.
 */
import { setMaxListeners } from 'node:events';
import type { Context } from '@opentelemetry/api';
import { createCallContext, type CallContext } from './call-context.js';
import type { Logger } from './logger.js';
import type { Viewer } from './viewer.js';

export interface RequestScope {
  /** The gateway's request id: the `x-request-id` response header and every error's `extensions.requestId`. */
  requestId: string;
  /** Who is asking (the verified token). */
  viewer: Viewer;
  /** What each upstream call receives; its logger names the request, tenant and subject. */
  cx: CallContext;
}

/** A request's scope, its upstream calls bounded by a deadline `deadlineMs` from now and traced under `trace`. */
export function createRequestScope(requestId: string, viewer: Viewer, log: Logger, deadlineMs: number, trace?: Context): RequestScope {
  const requestLog = log.child({ requestId, tenant: viewer.tenant, sub: viewer.subject });
  const deadline = AbortSignal.timeout(deadlineMs);
  // Every upstream call of the request listens to the deadline: many listeners are expected.
  setMaxListeners(0, deadline);
  return { requestId, viewer, cx: createCallContext(requestId, requestLog, deadline, trace) };
}
