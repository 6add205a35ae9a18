/**
 * The spans of a request, through `@opentelemetry/api` only (the SDK, when configured, is set
 * up by http/tracing.ts; without it every call here is the API's no-op):
 * - one server span per request to `/graphql` or `/reveal`, continuing the caller's W3C
 *   `traceparent`, named for the GraphQL operation once Apollo has resolved it
 *   (`query CardsPage`, request-observation.ts does both);
 * - one client span per upstream attempt (`GET /v1/cards/{id}`: provider, operation, route
 *   template, HTTP status, attempt number, outcome), whose context goes upstream as
 *   `traceparent` in the attempt's headers.
 * The provider-operation spans between the two are the gateway's (gateway/provider-spans.ts).
 * The trace context travels explicitly — the exchange, then the call context — never in async
 * context (AsyncLocalStorage would cost promise hooks on every promise, issue 14).
 * Attributes are bounded values only: never a path with ids, a variable, a token or card data.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { CallContext } from '../core/call-context.js';
import type { AttemptReport, AttemptStart } from '../providers/transport/http.js';

const tracer = trace.getTracer('cardplane');

export interface RequestSpan {
  span: Span;
  /** The context the request's call context carries: the span is its current one. */
  context: Context;
}

/** The request's server span, child of the caller's `traceparent` when it sent one. */
export function startRequestSpan(headers: IncomingHttpHeaders, route: string, requestId: string): RequestSpan {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(
    `POST ${route}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': route, 'cardplane.request_id': requestId } },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** What Apollo resolved: the span is named `<type> <name>` (GraphQL's semantic conventions). */
export function nameOperationSpan(span: Span, operationType: string | undefined, operationName: string | undefined): void {
  if (!span.isRecording() || !operationType) return;
  span.updateName(operationName ? `${operationType} ${operationName}` : operationType);
  span.setAttribute('graphql.operation.type', operationType);
  if (operationName) span.setAttribute('graphql.operation.name', operationName);
}

export interface RequestEnd {
  status: number;
  outcome: 'ok' | 'partial' | 'error';
  errorCodes: readonly string[];
  tenant?: string;
}

export function endRequestSpan(span: Span, end: RequestEnd): void {
  if (span.isRecording()) {
    span.setAttribute('http.response.status_code', end.status);
    span.setAttribute('cardplane.outcome', end.outcome);
    if (end.errorCodes.length > 0) span.setAttribute('cardplane.error_codes', [...end.errorCodes]);
    if (end.tenant) span.setAttribute('cardplane.tenant', end.tenant);
    if (end.outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: end.errorCodes[0] ?? String(end.status) });
  }
  span.end();
}

/** The trace id for the request's log line, when tracing is on. */
export function traceIdOf(span: Span): string | undefined {
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/**
 * The transport observer's tracing part: a client span for the attempt, its context added to
 * the attempt's headers (`traceparent`, and `tracestate` when the caller sent one); the
 * returned function ends it with what the attempt got. Untraced, nothing is added.
 */
export function traceUpstreamAttempt(start: AttemptStart, headers: Record<string, string>, cx: CallContext): (report: AttemptReport) => void {
  const parent = cx.trace ?? ROOT_CONTEXT;
  const span = tracer.startSpan(
    `${start.method} ${start.route}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'cardplane.provider': start.provider,
        'cardplane.provider.operation': start.operation,
        'http.request.method': start.method,
        'url.template': start.route,
        // 1 for the first attempt; semantic conventions count resends from 1 on the first retry.
        'cardplane.upstream.attempt': start.attempt + 1,
        ...(start.attempt > 0 ? { 'http.request.resend_count': start.attempt } : {}),
      },
    },
    parent,
  );
  // A trace that is not sampled still goes upstream (its traceparent says so): the provider
  // continues the same trace. Untraced (tracing off), there is no trace to send.
  if (isSpanContextValid(span.spanContext())) propagation.inject(trace.setSpan(parent, span), headers);
  if (!span.isRecording()) return () => span.end();
  return (report) => {
    if (report.status !== undefined) span.setAttribute('http.response.status_code', report.status);
    span.setAttribute('cardplane.outcome', report.outcome);
    if (report.outcome !== 'ok') {
      span.setAttribute('error.type', report.outcome);
      span.setStatus({ code: SpanStatusCode.ERROR, message: report.outcome });
    }
    span.end();
  };
}
