/**
 * One observation per HTTP request to `/graphql` or `/reveal`, finished when the response is:
 * one `info` log line (`event: "request"`: operation name and type, duration, HTTP status,
 * error codes, upstream attempts, tenant, subject, request id, and the trace id when tracing
 * is on), the request metrics, and the request's server span (request-tracing.ts), whose
 * context the exchange carries on to the request's call context.
 *
 * Observations in progress are found by the gateway's request id, which everything acting for
 * the request carries: the Apollo plugin (from the context) fills in the operation and the
 * error codes, the transport's observer (from the call context) counts upstream attempts, and
 * errors answered before Apollo (authentication, rate limit, body) set their code through
 * `noteErrorCode`. No async context: AsyncLocalStorage would make Node run promise hooks on
 * every promise of every request (issue 14). Nothing here logs a variable, a query text or a
 * token.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Span } from '@opentelemetry/api';
import type { Logger } from '../core/logger.js';
import type { Metrics } from './metrics.js';
import type { Step } from './exchange.js';
import { endRequestSpan, nameOperationSpan, startRequestSpan, traceIdOf } from './request-tracing.js';

interface Observation {
  operationName?: string;
  operationType?: string;
  /** Data came back alongside errors. */
  partial: boolean;
  errorCodes: Set<string>;
  upstreamAttempts: number;
  span: Span;
}

/** The observations of the requests being answered, by request id. */
const inProgress = new Map<string, Observation>();

/** Counts an upstream attempt against the request it is made for (the transport's observer). */
export function countUpstreamAttempt(requestId: string): void {
  const observation = inProgress.get(requestId);
  if (observation) observation.upstreamAttempts += 1;
}

/** An error answered outside GraphQL execution, for the request's log line and metrics. */
export function noteErrorCode(requestId: string, code: string): void {
  inProgress.get(requestId)?.errorCodes.add(code);
}

/** Longest operation name logged as sent (a client may send anything). */
const MAX_LOGGED_NAME = 100;

export function observeRequests(log: Logger, metrics: Metrics | undefined, route: '/graphql' | '/reveal'): Step {
  return (exchange, next) => {
    const { res } = exchange;
    const started = performance.now();
    const trace = startRequestSpan(exchange.req.headers, route, exchange.requestId);
    exchange.trace = trace.context;
    const observation: Observation = { partial: false, errorCodes: new Set(), upstreamAttempts: 0, span: trace.span };
    inProgress.set(exchange.requestId, observation);
    // 'close' follows 'finish', and comes alone when the client went away before the answer.
    res.once('close', () => inProgress.delete(exchange.requestId));
    res.once('finish', () => {
      const durationMs = performance.now() - started;
      const viewer = exchange.viewer;
      const errorCodes = [...observation.errorCodes];
      const status = res.statusCode;
      const reveal = route === '/reveal';
      log.info(
        {
          event: 'request',
          requestId: exchange.requestId,
          // The id a client offered, kept apart: the gateway's own id is the one that counts.
          clientRequestId: exchange.clientRequestId,
          traceId: traceIdOf(trace.span),
          path: route,
          operationName: observation.operationName?.slice(0, MAX_LOGGED_NAME),
          operationType: observation.operationType,
          status,
          durationMs: Math.round(durationMs * 10) / 10,
          errorCodes,
          upstreamAttempts: observation.upstreamAttempts,
          tenant: viewer?.tenant,
          sub: viewer?.subject,
        },
        'request finished',
      );
      const outcome = errorCodes.length === 0 && status < 400 ? 'ok' : observation.partial ? 'partial' : 'error';
      endRequestSpan(trace.span, { status, outcome, errorCodes, tenant: viewer?.tenant });
      if (reveal) {
        metrics?.revealFinished(status === 200 ? 'ok' : errorCodes[0] ?? String(status));
        return;
      }
      metrics?.requestFinished({ operationName: observation.operationName, operationType: observation.operationType ?? 'unknown', outcome, durationMs, errorCodes });
    });
    next();
  };
}

/** Tells the request's observation which operation ran and which error codes it answered. */
export function observationPlugin<TContext extends { requestId: string }>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      const observation = inProgress.get(contextValue.requestId);
      if (!observation) return;
      return {
        async didResolveOperation({ operationName, operation }) {
          observation.operationName = operationName ?? undefined;
          observation.operationType = operation?.operation;
          nameOperationSpan(observation.span, observation.operationType, observation.operationName?.slice(0, MAX_LOGGED_NAME));
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          for (const error of errors ?? []) {
            const code = error.extensions?.code;
            if (typeof code === 'string') observation.errorCodes.add(code);
          }
          observation.partial = data !== undefined && data !== null && (errors?.length ?? 0) > 0;
        },
      };
    },
  };
}
