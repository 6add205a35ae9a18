/**
 * Tracing configured as an operator would: a gateway process given only the standard OTEL_*
 * variables exports its spans over OTLP/HTTP to a collector (here, a sink in the test that
 * keeps what it is sent), under the service name the variables give, and flushes them when it
 * shuts down.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startChild, testIdentity, type Child } from '../../support/processes.js';

interface OtlpSpan {
  traceId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

describe('exporting traces over OTLP', () => {
  const received: Array<{ path: string; body: OtlpExport }> = [];
  let collector: http.Server;
  let gateway: Child<{ url: string }> | undefined;
  beforeAll(async () => {
    collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await gateway?.kill();
    await new Promise((resolve) => collector.close(resolve));
  });

  it('sends the spans of a request, continuing its traceparent, to the configured endpoint on shutdown', async () => {
    const identity = await testIdentity();
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    gateway = await startChild<{ url: string }>('test/support/gateway-child.ts', {
      ...identity.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      STATE_DB_PATH: join(mkdtempSync(join(tmpdir(), 'cardplane-otlp-')), 'state.db'),
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'cardplane-under-test',
    });
    const res = await request(`${gateway.info.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${identity.token}`, traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
      body: JSON.stringify({ query: 'query Exported { cards(first: 2, filter: { provider: UTGL }) { nodes { id } } }' }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.json();
    // SIGTERM: the gateway closes, and its SDK exports what it still holds before exiting.
    gateway.process.kill('SIGTERM');
    await gateway.exited;

    expect(received.length).toBeGreaterThan(0);
    expect(new Set(received.map((r) => r.path))).toEqual(new Set(['/v1/traces']));
    const resources = received.flatMap((r) => r.body.resourceSpans);
    const serviceNames = resources.map((r) => r.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue);
    expect(new Set(serviceNames)).toEqual(new Set(['cardplane-under-test']));
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const root = spans.find((s) => s.name === 'query Exported');
    expect(root).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_ID });
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(['utgl listCards', 'GET /v1/cards']));
    expect(spans.every((s) => s.traceId === TRACE_ID)).toBe(true);
  });
});
