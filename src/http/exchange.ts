/**
 * One HTTP request on Node's own `http` server, as the gateway's HTTP steps see it: the raw
 * request and response, and what is learnt along the way (the gateway's request id, the id the
 * client offered, the verified viewer, the request's observation). Each step is connect-style —
 * it answers, or calls `next()` (with an error to abandon the request) — so connect middleware
 * such as `body-parser` runs as a step through `connectStep`.
 *
 * Why not Express: the gateway serves four routes, and Express's router, request and response
 * decorations cost a quarter of the CPU of a one-card request (issue 14).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '@opentelemetry/api';
import type { Viewer } from '../core/viewer.js';

/** An incoming request, with the body a body parser read (undefined until one ran). */
export type HttpRequest = IncomingMessage & { body?: unknown };

export interface Exchange {
  readonly req: HttpRequest;
  readonly res: ServerResponse;
  /** The path without its query string, e.g. `/graphql`. */
  readonly path: string;
  /** The query string with its `?`, or ''. */
  readonly search: string;
  /** The gateway's own id for this request (the `x-request-id` response header). */
  readonly requestId: string;
  /** The id the client offered in its own `x-request-id`, when it was a sane token. */
  clientRequestId?: string;
  /** The verified token's viewer, once authentication has run. */
  viewer?: Viewer;
  /** The request's trace context (its server span), once observation has started; carried on in the call context. */
  trace?: Context;
}

export type Next = (error?: unknown) => void;

/** One step of a route: answers the request, or passes it on with `next()`. */
export type Step = (exchange: Exchange, next: Next) => void | Promise<void>;

/** A connect middleware, `(req, res, next)`. */
export type ConnectMiddleware = (req: HttpRequest, res: ServerResponse, next: (error?: unknown) => void) => void;

export function connectStep(middleware: ConnectMiddleware): Step {
  return (exchange, next) => middleware(exchange.req, exchange.res, next);
}

/**
 * Runs `steps` in order; `done` gets the first error passed to `next` (or thrown, or rejected)
 * and is called without one when the last step passes the request on.
 */
export function runSteps(steps: readonly Step[], exchange: Exchange, done: Next): void {
  let index = 0;
  const next: Next = (error) => {
    if (error !== undefined) return done(error);
    const step = steps[index++];
    if (!step) return done();
    try {
      const running = step(exchange, next);
      if (running) running.catch(done);
    } catch (thrown) {
      done(thrown);
    }
  };
  next();
}

/** The path and query string of a request URL (origin-form, as HTTP/1.1 clients send it). */
export function splitUrl(url: string | undefined): { path: string; search: string } {
  const raw = url ?? '/';
  const at = raw.indexOf('?');
  return at === -1 ? { path: raw, search: '' } : { path: raw.slice(0, at), search: raw.slice(at) };
}

/** Answers `status` with `body` as JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
