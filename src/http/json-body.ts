/**
 * Reads a JSON request body into `req.body`. What nearly every client sends — `content-type:
 * application/json` (UTF-8), not compressed, with a Content-Length — is read here directly;
 * anything else (another charset, a compressed body, another media type, no length) goes to
 * `body-parser`, which knows every case. Both refuse the same way, with body-parser's error
 * types (`entity.too.large` 413, `entity.parse.failed` 400, …) that the server turns into
 * typed errors, and both follow body-parser's strict JSON rules (an object or an array; an
 * empty body is `{}`).
 *
 * Why the direct path: body-parser's generality (type matching, charset decoding, stream
 * plumbing) cost about 3% of a one-card request's CPU (issue 14).
 */
import type { IncomingMessage } from 'node:http';
import bodyParser from 'body-parser';
import bytes from 'bytes';
import { connectStep, type HttpRequest, type Step } from './exchange.js';

/** What a refusal carries, as body-parser's errors do (`type`, `status`). */
class BodyError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `application/json`, optionally with `charset=utf-8`, any case and spacing. */
const PLAIN_JSON = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/** A body this step reads itself: plain UTF-8 JSON of a known length, not compressed. */
function readsDirectly(req: IncomingMessage): boolean {
  const { headers } = req;
  const encoding = headers['content-encoding'];
  return (
    headers['content-length'] !== undefined &&
    headers['transfer-encoding'] === undefined &&
    (encoding === undefined || encoding.toLowerCase() === 'identity') &&
    PLAIN_JSON.test(headers['content-type'] ?? '')
  );
}

/** body-parser's strict JSON: an object or an array; empty is `{}`. */
function parseStrict(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  const first = /\S/.exec(body)?.[0];
  if (first !== '{' && first !== '[') throw new BodyError('entity.parse.failed', 400, 'The body is not a JSON object or array');
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new BodyError('entity.parse.failed', 400, (error as Error).message);
  }
}

/** Reads a JSON body of at most `limit` (e.g. `100kb`) into `req.body`. */
export function jsonBody(limit: string): Step {
  const max = bytes.parse(limit);
  if (max === null) throw new TypeError(`body limit "${limit}" is not a size`);
  const general = connectStep(bodyParser.json({ limit }));
  return (exchange, next) => {
    const req: HttpRequest = exchange.req;
    if (!readsDirectly(req)) return general(exchange, next);
    const length = Number(req.headers['content-length']);
    if (!Number.isSafeInteger(length) || length < 0) return next(new BodyError('request.size.invalid', 400, 'The Content-Length is not a size'));
    if (length > max) {
      // Read off what is sent, so the connection can carry the refusal and later requests.
      req.resume();
      return next(new BodyError('entity.too.large', 413, 'The request body is too large'));
    }
    const body = Buffer.allocUnsafe(length);
    let received = 0;
    let failed = false;
    const fail = (error: BodyError) => {
      if (failed) return;
      failed = true;
      req.removeListener('data', onData);
      req.resume();
      next(error);
    };
    const onData = (chunk: Buffer) => {
      if (received + chunk.length > length) return fail(new BodyError('request.size.invalid', 400, 'The body is longer than its Content-Length'));
      chunk.copy(body, received);
      received += chunk.length;
    };
    req.on('data', onData);
    req.once('error', () => fail(new BodyError('request.aborted', 400, 'The request body could not be read')));
    req.once('aborted', () => fail(new BodyError('request.aborted', 400, 'The client went away while sending the body')));
    req.once('end', () => {
      if (failed) return;
      if (received !== length) return fail(new BodyError('request.size.invalid', 400, 'The body is shorter than its Content-Length'));
      try {
        req.body = parseStrict(body.toString('utf8'));
      } catch (error) {
        return fail(error as BodyError);
      }
      next();
    });
  };
}
