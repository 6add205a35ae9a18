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
import { viewerKey, type Viewer } from './viewer.js';

export interface RequestScope {
  /** The gateway's request id: the `x-request-id` response header and every error's `extensions.requestId`. */
  requestId: string;
  /** Who is asking (the verified token). */
  viewer: Viewer;
  /** What each upstream call receives; its logger names the request, tenant and subject. */
  cx: CallContext;
}

/** A scope whose deadline clock can be stopped once its request has answered. */
export interface FinishableScope extends RequestScope {
  /**
   * The request has answered: its deadline stops counting, so nothing fires for it later. A
   * scope never finished (its client went away first) aborts at its deadline, as it must while
   * work for it may still be running.
   */
  finish(): void;
}

/** A request's scope, its upstream calls bounded by a deadline `deadlineMs` from now and traced under `trace`. */
export function createRequestScope(requestId: string, viewer: Viewer, log: Logger, deadlineMs: number, trace?: Context): FinishableScope {
  const deadline = startDeadline(deadlineMs);
  const requestLog = { parent: log, bindings: { requestId, tenant: viewer.tenant, sub: viewer.subject } };
  const cx = createCallContext(requestId, requestLog, deadline.signal, trace, viewerKey(viewer));
  return { requestId, viewer, cx, finish: deadline.clear };
}

/**
 * An abort signal that fires with a `TimeoutError` `ms` from now, like `AbortSignal.timeout`,
 * but whose timer can be cleared: `AbortSignal.timeout`'s cannot be, so every request's deadline
 * timer still ran ten seconds after its answer, aborting the signal (an event, an exception
 * built) wherever it was still held; it also cost more to make (issue 14).
 */
export function startDeadline(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  // Every upstream call of the request listens to the deadline: many listeners are expected.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
