/**
 * What an upstream attempt carries of the trace: nothing with tracing off; with tracing on,
 * its traceparent even when the trace is not sampled, so the provider continues the caller's
 * trace either way.
 */
import { propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOffSampler, BasicTracerProvider, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { createCallContext } from '../../../src/core/call-context.js';
import { createLogger } from '../../../src/core/logger.js';
import { traceUpstreamAttempt } from '../../../src/http/request-tracing.js';
import type { AttemptStart } from '../../../src/providers/transport/http.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const start: AttemptStart = { provider: 'utgl', operation: 'getCards', kind: 'read', method: 'GET', route: '/v1/cards', attempt: 0 };
/** A call context under a caller's trace that was not sampled. */
const unsampled = () =>
  createCallContext('req', createLogger('silent'), undefined, trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true }));

describe('the trace context sent upstream', () => {
  it('is nothing while tracing is off', () => {
    const headers: Record<string, string> = {};
    traceUpstreamAttempt(start, headers, unsampled())({ ...start, outcome: 'ok', status: 200, durationMs: 1 });
    expect(headers).toEqual({});
  });

  describe('with tracing on', () => {
    beforeAll(() => {
      trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) }));
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    });
    afterAll(() => {
      trace.disable();
      propagation.disable();
    });

    it('is the caller’s trace, marked not sampled, when the caller’s trace is not sampled', () => {
      const headers: Record<string, string> = {};
      traceUpstreamAttempt(start, headers, unsampled())({ ...start, outcome: 'ok', status: 200, durationMs: 1 });
      expect(headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
    });
  });
});
