/**
 * Tracing's switch and its SDK. Off unless the standard OpenTelemetry variables ask for it:
 * `OTEL_TRACES_EXPORTER` (otlp, zipkin, console), or an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and not
 * `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none`. Off, nothing is registered: every
 * layer below traces through `@opentelemetry/api` alone, whose no-op tracer and propagator are
 * then all that run. On, the Node SDK is started once per process and reads the rest of the
 * standard variables itself (protocol, headers, timeouts, `OTEL_SERVICE_NAME`,
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, propagators): it registers the W3C trace
 * context propagator (and no async context manager: the trace context is passed explicitly). Only traces: metrics are Prometheus
 * (metrics.ts), logs are pino's.
 */
import { ROOT_CONTEXT, type ContextManager } from '@opentelemetry/api';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ConfigError, type Reader } from '../core/env.js';

/** The exporters the SDK knows by name. */
const TRACE_EXPORTERS = ['otlp', 'zipkin', 'console', 'none'];

export interface TracingSettings {
  enabled: boolean;
  /** The exporters named (`otlp` when only an endpoint is given). */
  exporters: string[];
  /** The OTLP endpoint, when one is set, without credentials (for the start-up banner and log). */
  endpoint?: string;
}

export function tracingSettingsFromEnv(read: Reader): TracingSettings {
  const exporters = read.list('OTEL_TRACES_EXPORTER', /^[a-z]+$/);
  const unknown = exporters.find((name) => !TRACE_EXPORTERS.includes(name));
  if (unknown) throw new ConfigError('OTEL_TRACES_EXPORTER', `must list exporters among ${TRACE_EXPORTERS.join(', ')} (got "${unknown}")`);
  const endpointVariable = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'].find(read.has);
  const endpoint = endpointVariable ? shownEndpoint(endpointVariable, read.string(endpointVariable, '')) : undefined;
  const disabled = read.bool('OTEL_SDK_DISABLED', false) || (exporters.length > 0 && exporters.every((name) => name === 'none'));
  const named = exporters.filter((name) => name !== 'none');
  const enabled = !disabled && (named.length > 0 || endpoint !== undefined);
  return { enabled, exporters: enabled ? (named.length > 0 ? named : ['otlp']) : [], endpoint: enabled ? endpoint : undefined };
}

/** The endpoint as the banner and log may show it: without credentials or query. */
function shownEndpoint(variable: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(variable, `must be an absolute http(s) URL such as http://collector:4318`);
  }
  return `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
}

export interface Tracing {
  /** Exports what is still buffered and stops (the last user in the process stops the SDK). */
  shutdown(): Promise<void>;
}

/** What the API does with no context manager: no current context to look up, nothing to bind. */
const NO_ASYNC_CONTEXT: ContextManager = {
  active: () => ROOT_CONTEXT,
  with: (_context, fn, thisArg, ...args) => fn.call(thisArg, ...args),
  bind: (_context, target) => target,
  enable() {
    return this;
  },
  disable() {
    return this;
  },
};

/** The process's SDK: one, however many apps a process starts (tests), stopped with the last. */
let running: { sdk: NodeSDK; users: number } | undefined;

/**
 * Starts the SDK when the settings turn tracing on; undefined (nothing registered) otherwise.
 * The SDK is loaded only then (a `require` here, not an import at the top): its modules are
 * some 24 MB of every gateway's memory, tracing on or off (issue 14).
 */
export function startTracing(settings: TracingSettings): Tracing | undefined {
  if (!settings.enabled) return undefined;
  if (!running) {
    const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
    const { defaultResource, envDetector, hostDetector, resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
    const sdk = new NodeSDK({
      // `service.name` is cardplane unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise.
      resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'cardplane' })),
      // Not the process detector by default: `process.command_args` would put the command line
      // (whatever an operator passed on it) into every export. OTEL_NODE_RESOURCE_DETECTORS overrides.
      resourceDetectors: process.env.OTEL_NODE_RESOURCE_DETECTORS ? undefined : [envDetector, hostDetector],
      // No async context: spans find their parents in the call context (issue 14: Node would
      // run promise hooks on every promise of every request).
      contextManager: NO_ASYNC_CONTEXT,
      metricReaders: [],
      logRecordProcessors: [],
    });
    sdk.start();
    running = { sdk, users: 0 };
  }
  const current = running;
  current.users += 1;
  let stopped = false;
  return {
    async shutdown() {
      if (stopped) return;
      stopped = true;
      current.users -= 1;
      if (current.users > 0) return;
      running = undefined;
      await current.sdk.shutdown();
    },
  };
}
