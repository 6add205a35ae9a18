import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { jsonBody } from '../../../src/http/json-body.js';
import { runSteps, sendJson, splitUrl, type Exchange } from '../../../src/http/exchange.js';

/** A server whose only route reads the body with `jsonBody('1kb')` and echoes it, or the error's type and status. */
let server: http.Server;
let url: string;
beforeAll(async () => {
  const read = jsonBody('1kb');
  server = http.createServer((req, res) => {
    const exchange: Exchange = { req, res, ...splitUrl(req.url), requestId: 'r' };
    runSteps([read, (ex) => sendJson(ex.res, 200, { body: ex.req.body })], exchange, (error) => {
      const { type, status } = error as { type: string; status: number };
      sendJson(res, 299, { type, status });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function post(body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await request(url, { method: 'POST', headers, body });
  return { status: res.statusCode, answer: (await res.body.json()) as { body?: unknown; type?: string; status?: number } };
}

describe('jsonBody', () => {
  it.each([
    ['an object', '{"query":"{ a }"}', { query: '{ a }' }],
    ['an array', '[1,2]', [1, 2]],
    ['whitespace first', ' \n {"a":1}', { a: 1 }],
    ['a byte-order mark first', '\ufeff{"a":1}', { a: 1 }],
    ['nothing (as body-parser: {})', '', {}],
    ['UTF-8 text', '{"name":"Zoë 💳"}', { name: 'Zoë 💳' }],
  ])('reads %s', async (_, body, expected) => {
    expect(await post(body)).toEqual({ status: 200, answer: { body: expected } });
  });

  it.each(['application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"'])('reads plain JSON typed %s', async (type) => {
    expect((await post('{"a":1}', { 'content-type': type })).answer).toEqual({ body: { a: 1 } });
  });

  it.each([
    ['malformed JSON', '{"a":'],
    ['a bare number (strict JSON: objects and arrays only)', '123'],
    ['a string', '"text"'],
    ['only whitespace', '   '],
  ])('refuses %s as entity.parse.failed (400)', async (_, body) => {
    expect((await post(body)).answer).toEqual({ type: 'entity.parse.failed', status: 400 });
  });

  it('refuses a body over the limit as entity.too.large (413), and the connection still answers', async () => {
    expect((await post(`{"a":"${'x'.repeat(2000)}"}`)).answer).toEqual({ type: 'entity.too.large', status: 413 });
    expect((await post('{"a":1}')).answer).toEqual({ body: { a: 1 } });
  });

  it('leaves what it does not read directly to body-parser: a gzip-compressed body', async () => {
    const res = await post(gzipSync('{"a":1}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.answer).toEqual({ body: { a: 1 } });
  });

  it('leaves a charset it does not read to body-parser, which refuses it', async () => {
    expect((await post('{"a":1}', { 'content-type': 'application/json; charset=latin1' })).answer).toEqual({ type: 'charset.unsupported', status: 415 });
  });

  it('leaves another media type unread, as body-parser does', async () => {
    expect((await post('query={a}', { 'content-type': 'text/plain' })).answer).toEqual({});
  });

  it('refuses an unknown size limit when it is set up', () => {
    expect(() => jsonBody('lots')).toThrow('body limit "lots" is not a size');
  });
});
