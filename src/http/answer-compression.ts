/**
 * Compression of GraphQL answers (brotli or gzip, as the client's Accept-Encoding prefers;
 * brotli on a tie). Only those: /reveal's card secrets are small and never should be. The answer is in hand when it is written, so its size decides without
 * wrapping the response: an answer below the threshold is written as it is, a larger one is
 * compressed on libuv's thread pool and sent with its length. An incremental answer (chunks
 * written as they are ready) is compressed as a stream, flushed after each chunk.
 *
 * Why not the `compression` middleware: it wraps `writeHead`, `write` and `end` of every
 * response to learn a size the endpoint already knows, and cost more CPU than a one-card
 * answer's own serialisation (issue 14).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, createBrotliCompress, createGzip, gzip, type BrotliCompress, type Gzip } from 'node:zlib';
import Negotiator from 'negotiator';
import vary from 'vary';

/**
 * GraphQL responses at least this large are compressed (brotli or gzip, as the client's
 * Accept-Encoding prefers); smaller ones cost more CPU to compress than they save on the wire.
 */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

type Encoding = 'br' | 'gzip';

/** Brotli at quality 4: most of its gain over gzip for a fraction of its default (11) CPU. */
const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };
const brotliCompressAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const compressors: Record<Encoding, (text: string) => Promise<Buffer>> = {
  br: (text) => brotliCompressAsync(text, BROTLI),
  gzip: (text) => gzipAsync(text),
};

const OFFERED: readonly string[] = ['br', 'gzip', 'identity'];
const PREFERRED = { preferred: ['br', 'gzip'] };

/** The encoding to answer `req` with, if any. */
function answerEncoding(req: IncomingMessage): Encoding | undefined {
  if (!req.headers['accept-encoding'] || req.method === 'HEAD') return undefined;
  // negotiator 1.1 takes the server's preference for ties (its typings predate the option).
  const chosen = (new Negotiator(req) as unknown as { encoding(available: readonly string[], options: object): string | undefined }).encoding(OFFERED, PREFERRED);
  return chosen === 'br' || chosen === 'gzip' ? chosen : undefined;
}

/** Ends `res` with `text`, compressed when it is large enough and the client accepts it. */
export async function endCompressed(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
  vary(res, 'Accept-Encoding');
  // A string's UTF-8 size is never below its length: one at least that long is large enough
  // without measuring it; a shorter one is measured.
  const encoding = text.length >= COMPRESSION_THRESHOLD_BYTES || Buffer.byteLength(text) >= COMPRESSION_THRESHOLD_BYTES ? answerEncoding(req) : undefined;
  if (!encoding) {
    // As bytes: given a string, Node's http prepends the header block to it, and that new
    // string is copied whole once more when written; given bytes, it writes the header block
    // and the body side by side. One copy of the answer less on the JS heap per request (issue 14).
    res.end(Buffer.from(text, 'utf8'));
    return;
  }
  const body = await compressors[encoding](text);
  res.setHeader('content-encoding', encoding);
  res.setHeader('content-length', body.length);
  res.end(body);
}

/** A compressing writer for an answer sent in chunks (`end` resolves once all is written). */
export function compressedStream(req: IncomingMessage, res: ServerResponse): { write(chunk: string): void; end(): Promise<void> } | undefined {
  vary(res, 'Accept-Encoding');
  const encoding = answerEncoding(req);
  if (!encoding) return undefined;
  res.setHeader('content-encoding', encoding);
  res.removeHeader('content-length');
  const stream: BrotliCompress | Gzip = encoding === 'br' ? createBrotliCompress(BROTLI) : createGzip();
  stream.pipe(res);
  return {
    write(chunk) {
      stream.write(chunk);
      // Push each part out as it is ready: the client is waiting for it.
      stream.flush();
    },
    end: () =>
      new Promise<void>((resolve) => {
        res.once('finish', resolve);
        res.once('close', resolve);
        stream.end();
      }),
  };
}
