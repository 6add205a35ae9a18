/**
 * When tracing is on: only when the standard OTEL_* variables ask for it.
 */
import { ConfigError, reader } from '../../../src/core/env.js';
import { tracingSettingsFromEnv } from '../../../src/http/tracing.js';

const settings = (env: Record<string, string>) => tracingSettingsFromEnv(reader(env));

describe('tracing settings', () => {
  it('is off when no OTEL_* variable asks for it', () => {
    expect(settings({})).toEqual({ enabled: false, exporters: [], endpoint: undefined });
    expect(settings({ OTEL_SERVICE_NAME: 'cardplane' }).enabled).toBe(false);
  });

  it('is on with an OTLP endpoint (the traces one first), shown without credentials', () => {
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:secret@collector.internal:4318' })).toEqual({
      enabled: true,
      exporters: ['otlp'],
      endpoint: 'https://collector.internal:4318',
    });
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/v1/traces' }).endpoint).toBe('http://b:4318/v1/traces');
  });

  it('is on with a named exporter', () => {
    expect(settings({ OTEL_TRACES_EXPORTER: 'console' })).toEqual({ enabled: true, exporters: ['console'], endpoint: undefined });
  });

  it('is off when disabled, or when the exporter is none, whatever the endpoint', () => {
    expect(settings({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).enabled).toBe(false);
    expect(settings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).enabled).toBe(false);
  });

  it('refuses an exporter it does not know and an endpoint that is not a URL, naming the variable', () => {
    expect(() => settings({ OTEL_TRACES_EXPORTER: 'jaegr' })).toThrow(new ConfigError('OTEL_TRACES_EXPORTER', 'must list exporters among otlp, zipkin, console, none (got "jaegr")'));
    expect(() => settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/^OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http\(s\) URL/);
  });
});
