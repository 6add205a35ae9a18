/**
 * Large provider answers: one larger than UPSTREAM_MAX_ANSWER_BYTES is a typed UPSTREAM_ERROR
 * (announced or not, without buffering past the cap), answers under it arrive intact whether
 * their length is announced or chunked, and large answers share one answer memory: they wait
 * for room and give it back once decoded. Memory itself is measured by the benchmark's
 * large-answers run, never asserted here.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCallContext } from '../../../../src/core/call-context.js';
import { ErrorCode, GatewayError } from '../../../../src/core/errors.js';
import { createLogger } from '../../../../src/core/logger.js';
import { AnswerMemory, SMALL_ANSWER_BYTES } from '../../../../src/providers/transport/answer-memory.js';
import { ProviderHttpClient, type RequestSpec, type TransportOptions, type UpstreamResponse } from '../../../../src/providers/transport/http.js';
import { fallbackError } from '../../../../src/providers/transport/upstream-errors.js';
import { failure } from '../../../support/failure.js';

/** Records the answer memory as each body is decoded. */
class TestClient extends ProviderHttpClient {
  readonly decoded: Array<{ bytes: number; usedBytes: number; waiting: number }> = [];
  constructor(options: TransportOptions) {
    super('utgl', options);
  }
  protected errorFromResponse(response: UpstreamResponse, spec: RequestSpec): GatewayError {
    return fallbackError(this.answer(response, spec, { message: 'failed' }));
  }
  protected override parseBody(response: UpstreamResponse, spec: RequestSpec): unknown {
    const memory = this.options.answerMemory?.stats();
    this.decoded.push({ bytes: response.body.length, usedBytes: memory?.usedBytes ?? 0, waiting: memory?.waiting ?? 0 });
    return super.parseBody(response, spec);
  }
}

/** While set, announced answers send their headers at once and their body only once it holds. */
let bodyGate: (() => boolean) | undefined;
const whenOpen = async (gate: () => boolean) => {
  while (!gate()) await new Promise((resolve) => setTimeout(resolve, 1));
};

/** `/json?bytes=N&chunked=1`: a JSON object of about N bytes, its length announced unless chunked. */
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const bytes = Number(url.searchParams.get('bytes'));
  const payload = Buffer.from(JSON.stringify({ padding: 'p'.repeat(Math.max(0, bytes - 14)) }));
  if (url.searchParams.get('chunked')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    for (let at = 0; at < payload.length; at += 16 * 1024) res.write(payload.subarray(at, at + 16 * 1024));
    res.end();
  } else {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(payload.length) });
    if (bodyGate) {
      res.flushHeaders();
      await whenOpen(bodyGate);
    }
    res.end(payload);
  }
});
let baseUrl: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const cx = () => createCallContext('req-test', createLogger('silent'));
const get = (bytes: number, chunked = false): RequestSpec => ({
  method: 'GET',
  path: '/json',
  query: { bytes, chunked: chunked ? 1 : undefined },
  kind: 'read',
  name: 'read',
});
const clientWith = (options: Partial<TransportOptions> = {}) =>
  new TestClient({ baseUrl, connectTimeoutMs: 1_000, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000, maxRetries: 2, ...options });

describe('answers larger than UPSTREAM_MAX_ANSWER_BYTES', () => {
  it.each([
    ['an announced', false],
    ['a chunked', true],
  ])('refuses %s answer past the cap with a typed, non-retryable UPSTREAM_ERROR', async (_label, chunked) => {
    const client = clientWith({ maxAnswerBytes: 256 * 1024 });
    const error = await failure(client.request(get(600 * 1024, chunked), cx()));
    expect(error).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, provider: 'utgl', retryable: false, upstream: { status: 200 } });
    expect(error.message).toContain('UPSTREAM_MAX_ANSWER_BYTES');
    // Nothing was decoded, and the client answers the next call as usual.
    expect(client.decoded).toEqual([]);
    await expect(client.request(get(1_000, chunked), cx())).resolves.toEqual({ padding: expect.any(String) });
    await client.close();
  });

  it.each([
    ['an announced', false],
    ['a chunked', true],
  ])('reads %s answer just under the cap intact', async (_label, chunked) => {
    const client = clientWith({ maxAnswerBytes: 256 * 1024 });
    const body = (await client.request(get(250 * 1024, chunked), cx())) as { padding: string };
    expect(body.padding).toBe('p'.repeat(250 * 1024 - 14));
    await client.close();
  });
});

describe('the shared answer memory', () => {
  it('reads a second large answer only once the first has been decoded, when there is room for one', async () => {
    const memory = new AnswerMemory(400 * 1024);
    const client = clientWith({ answerMemory: memory, maxAnswerBytes: 1024 * 1024 });
    // Both answers announce their length at once; their bodies come once one of them waits for room
    // (without the gate, the first could be read and decoded before the second's headers arrived).
    bodyGate = () => memory.stats().waiting === 1;
    try {
      await Promise.all([client.request(get(300 * 1024), cx()), client.request(get(300 * 1024), cx())]);
    } finally {
      bodyGate = undefined;
    }
    // While the first was decoded it held its share and the second waited; then the second had it alone.
    expect(client.decoded.map((d) => [d.usedBytes, d.waiting])).toEqual([
      [expect.any(Number), 1],
      [expect.any(Number), 0],
    ]);
    expect(client.decoded.every((d) => d.usedBytes >= 300 * 1024 && d.usedBytes < 400 * 1024)).toBe(true);
    expect(memory.stats()).toEqual({ usedBytes: 0, waiting: 0 });
    await client.close();
  });

  it('never holds small answers back, however full it is', async () => {
    const memory = new AnswerMemory(1024 * 1024);
    const hold = await memory.reserve(1024 * 1024, 'utgl');
    const client = clientWith({ answerMemory: memory });
    await expect(client.request(get(SMALL_ANSWER_BYTES / 2), cx())).resolves.toBeDefined();
    hold();
    await client.close();
  });

  it("lets a waiting answer go at its caller's deadline (UPSTREAM_TIMEOUT), and the next in line through", async () => {
    const memory = new AnswerMemory(1_000_000);
    const first = await memory.reserve(800_000, 'utgl');
    const deadline = new AbortController();
    const abandoned = memory.reserve(800_000, 'utgl', deadline.signal);
    const next = memory.reserve(800_000, 'utgl');
    deadline.abort();
    await expect(abandoned).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_TIMEOUT, provider: 'utgl' });
    expect(memory.stats()).toEqual({ usedBytes: 800_000, waiting: 1 });
    first();
    const release = await next;
    expect(memory.stats()).toEqual({ usedBytes: 800_000, waiting: 0 });
    release();
    release();
    expect(memory.stats()).toEqual({ usedBytes: 0, waiting: 0 });
  });

  it('lets one answer larger than the whole budget through alone rather than never', async () => {
    const memory = new AnswerMemory(100_000);
    const release = await memory.reserve(5_000_000, 'utgl');
    expect(memory.stats()).toEqual({ usedBytes: 100_000, waiting: 0 });
    release();
  });
});
