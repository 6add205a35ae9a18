/**
 * Traces of the real gateway, caught by an in-memory exporter registered for this test (as
 * the SDK would register one from the OTEL_* variables): a cross-provider list whose utgl call
 * is retried once is one tree — the GraphQL operation (continuing the caller's traceparent),
 * one span per provider operation, one per upstream attempt — whose attempt spans reach the
 * simulators as their `traceparent`; and no span carries a card number, a token or a secret.
 */
import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { collectCardData, findCardDataLeaks } from '../../support/card-data-scan.js';
import { resetSandboxes, startTestGateway, type GraphQLResponse, type TestGateway } from '../../support/gateway.js';
import { globalId } from '../../support/global-id.js';
import { Capability } from '../../../src/providers/provider.js';
import type { ProviderKey } from '../../../src/core/provider-key.js';

const CARDS = 'query TracedCards { cards(first: 5) { nodes { id provider } failures { provider code } } }';
const REVEAL = 'mutation TracedReveal($id: ID!) { revealCard(cardId: $id) { token } }';
const TRANSFER = 'mutation TracedTransfer($input: TransferFundsInput!, $key: String!) { transferFunds(input: $input, idempotencyKey: $key) { id status } }';

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

const exporter = new InMemorySpanExporter();
const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

/**
 * The finished server spans (one per request), once there are `count` of them in `traceId`
 * (or in any trace). One ends when its response has been handed to the socket, which may be
 * just after the client has read it: wait for that event (bounded), not for a time.
 */
async function serverSpans(count: number, traceId?: string): Promise<ReadableSpan[]> {
  for (let i = 0; i < 200; i += 1) {
    const found = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER && (!traceId || s.spanContext().traceId === traceId));
    if (found.length >= count) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`fewer than ${count} server spans finished${traceId ? ` in trace ${traceId}` : ''}`);
}

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) => spans.filter((s) => parentOf(s) === parent.spanContext().spanId);

describe('traces', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // The W3C propagator, as the SDK registers it; no async context manager, as in the
    // gateway: the trace context travels in the call context.
    tracerProvider.register({ contextManager: null });
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.close();
    await tracerProvider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });
  afterEach(() => {
    resetSandboxes(gw);
    exporter.reset();
  });

  describe('a cross-provider list with one retried call', () => {
    let spans: ReadableSpan[];
    let root: ReadableSpan;
    let answer: GraphQLResponse<{ cards: { failures: unknown[] } }>;
    let logLines: string[];
    /** The traceparent of each request every simulator received. */
    const received = new Map<ProviderKey, Array<string | undefined>>();
    /** The providers the first page asks: those listing dated cards (undated ones are read after them). */
    let listing: ProviderKey[];
    beforeAll(async () => {
      listing = gw.registry
        .capable(Capability.CARD_LIST)
        .filter((provider) => !provider.undatedLists.has('cards'))
        .map((provider) => provider.key);
      // utgl's first answer is a 503; its retry succeeds.
      gw.sandboxes.servers.utgl!.inject({ path: '/v1/cards', status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'down' }, times: 1 });
      const before = gw.logLines().length;
      answer = await gw.query(CARDS, {}, { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` });
      [root] = (await serverSpans(1, CALLER_TRACE_ID)) as [ReadableSpan];
      spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === CALLER_TRACE_ID);
      logLines = gw.logLines().slice(before);
      for (const key of listing) received.set(key, gw.sandboxes.servers[key]!.requests.map((r) => r.headers.traceparent as string | undefined));
    });

    it('answers the list whole, the retry having succeeded', () => {
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.cards.failures).toEqual([]);
    });

    it('continues the caller’s traceparent with one span for the GraphQL operation', () => {
      expect(spans.filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(1);
      expect(root.name).toBe('query TracedCards');
      expect(root.spanContext().traceId).toBe(CALLER_TRACE_ID);
      expect(parentOf(root)).toBe(CALLER_SPAN_ID);
      expect(root.attributes).toMatchObject({
        'graphql.operation.name': 'TracedCards',
        'graphql.operation.type': 'query',
        'http.route': '/graphql',
        'http.response.status_code': 200,
        'cardplane.outcome': 'ok',
        'cardplane.tenant': 'acme',
      });
    });

    it('has one span per provider operation under the operation, one per upstream attempt under each', () => {
      const operations = childrenOf(spans, root);
      expect(operations.map((s) => s.name).sort()).toEqual(listing.map((key) => `${key} listCards`).sort());
      expect(listing.length).toBeGreaterThan(2);
      for (const operation of operations) {
        expect(operation.attributes).toEqual({ 'cardplane.provider': operation.name.split(' ')[0], 'cardplane.provider.operation': 'listCards' });
        const attempts = childrenOf(spans, operation);
        expect(attempts.length).toBeGreaterThanOrEqual(1);
        for (const attempt of attempts) {
          expect(attempt.kind).toBe(SpanKind.CLIENT);
          expect(attempt.attributes['cardplane.provider']).toBe(operation.attributes['cardplane.provider']);
          expect(childrenOf(spans, attempt)).toEqual([]);
        }
      }
      // Nothing else in the trace: the tree is operation → provider operations → attempts.
      const attempts = operations.flatMap((operation) => childrenOf(spans, operation));
      expect(spans).toHaveLength(1 + operations.length + attempts.length);
    });

    it('shows the retried utgl call as two attempts: the 503, then the success', () => {
      const utgl = spans.find((s) => s.name === 'utgl listCards')!;
      const attempts = childrenOf(spans, utgl).sort((a, b) => Number(a.attributes['cardplane.upstream.attempt']) - Number(b.attributes['cardplane.upstream.attempt']));
      expect(attempts.map((s) => s.name)).toEqual(['GET /v1/cards', 'GET /v1/cards']);
      expect(attempts[0]!.attributes).toMatchObject({
        'cardplane.provider': 'utgl',
        'cardplane.provider.operation': 'listCards',
        'http.request.method': 'GET',
        'url.template': '/v1/cards',
        'cardplane.upstream.attempt': 1,
        'http.response.status_code': 503,
        'cardplane.outcome': 'UPSTREAM_UNAVAILABLE',
        'error.type': 'UPSTREAM_UNAVAILABLE',
      });
      expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR);
      expect(attempts[1]!.attributes).toMatchObject({ 'cardplane.upstream.attempt': 2, 'http.request.resend_count': 1, 'http.response.status_code': 200, 'cardplane.outcome': 'ok' });
      expect(attempts[1]!.status.code).not.toBe(SpanStatusCode.ERROR);
      expect(utgl.status.code).not.toBe(SpanStatusCode.ERROR);
    });

    it('sends each attempt’s own span upstream as its traceparent', () => {
      for (const key of listing) {
        const operation = spans.find((s) => s.name === `${key} listCards`)!;
        const sent = childrenOf(spans, operation).map((s) => `00-${CALLER_TRACE_ID}-${s.spanContext().spanId}-01`);
        expect([...received.get(key)!].sort()).toEqual(sent.sort());
      }
      expect(received.get('utgl')).toHaveLength(2);
    });

    it('names the trace in the request’s log line', () => {
      const line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'request');
      // One call per listing provider, plus utgl's retry.
      expect(line).toMatchObject({ operationName: 'TracedCards', traceId: CALLER_TRACE_ID, upstreamAttempts: listing.length + 1 });
    });
  });

  it('starts a trace of its own when the caller sent none, with route templates that hold no id', async () => {
    const cardRef = [...gw.sandboxes.stores.utgl!.cards.keys()][0]!;
    const res = await gw.query(`{ node(id: "${globalId('utgl', 'Card', cardRef)}") { id } }`);
    expect(res.errors).toBeUndefined();
    const [server] = (await serverSpans(1)) as [ReadableSpan];
    expect(server.name).toBe('query');
    expect(parentOf(server)).toBeUndefined();
    const clients = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(clients.length).toBeGreaterThan(0);
    for (const span of clients) {
      expect(span.spanContext().traceId).toBe(server.spanContext().traceId);
      expect(String(span.attributes['url.template'])).not.toContain(cardRef);
      expect(span.name).not.toContain(cardRef);
    }
  });

  it('traces a write like a read: the mutation, the provider operation, its attempt, and the write still lands once', async () => {
    const usd = [...gw.sandboxes.stores.utgl!.accounts.values()].filter((a) => a.currency === 'USD' && Number(a.balance) > 100);
    const input = { fromWalletId: globalId('utgl', 'Wallet', usd[0]!.id), toWalletId: globalId('utgl', 'Wallet', usd[1]!.id), amount: '1.00', currency: 'USD' };
    const res = await gw.query(TRANSFER, { key: 'traced-transfer-1', input });
    expect(res.errors).toBeUndefined();
    const [server] = (await serverSpans(1)) as [ReadableSpan];
    expect(server.name).toBe('mutation TracedTransfer');
    const spans = exporter.getFinishedSpans();
    const write = childrenOf(spans, server).find((s) => s.name === 'utgl transferFunds');
    expect(write).toBeDefined();
    const attempts = childrenOf(spans, write!);
    expect(attempts.map((s) => `${s.name} ${s.attributes['http.response.status_code']}`)).toEqual(['POST /v1/transfers 201']);
    expect(gw.sandboxes.servers.utgl!.count('POST', '/v1/transfers')).toBe(1);
  });

  it('puts no card number, token or provider secret in any span, revealing a card included', async () => {
    const store = gw.sandboxes.stores.utgl!;
    const cardRef = [...store.cards.keys()][0]!;
    const bearer = await gw.token();
    const reveal = await gw.query(REVEAL, { id: globalId('utgl', 'Card', cardRef) }, { authorization: `Bearer ${bearer}` });
    const token = (reveal.data as { revealCard: { token: string } }).revealCard.token;
    const redeemed = await fetch(`${gw.url}/reveal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ token }),
    });
    const secrets = (await redeemed.json()) as { pan: string };
    expect(secrets.pan).toBe(store.cardSensitive.get(cardRef)!.pan);
    await gw.query(CARDS);
    expect(await serverSpans(3)).toHaveLength(3);
    const spans = exporter.getFinishedSpans();

    const text = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links })));
    expect(findCardDataLeaks(text, collectCardData(gw.sandboxes.stores))).toEqual([]);
    expect(text).not.toContain(secrets.pan);
    expect(text).not.toContain(bearer);
    expect(text).not.toContain(token);
    // Every provider credential the gateway holds (API keys, bearer tokens, private keys).
    const credentials = Object.values(gw.sandboxes.endpoints).flatMap((endpoint) =>
      Object.values(endpoint ?? {}).filter((value): value is string => typeof value === 'string' && value.length >= 12 && !/^https?:/.test(value)),
    );
    for (const credential of credentials) expect(text).not.toContain(credential);
  });
});
