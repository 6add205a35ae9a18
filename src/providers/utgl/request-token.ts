/**
 * utgl's per-request token (utgl.md, "Transport and authentication"): an RS256 JWT binding the
 * request to its exact path+query (`uri`), method and body hash, for the access key (`kid`,
 * `sub`), living 30 s, with a unique `jti`.
 *
 * Signed with Node's asynchronous `crypto.sign`, which runs the RSA operation on libuv's thread
 * pool: jose's WebCrypto RS256 kept the event loop busy for every upstream call (issue 14;
 * jose still verifies the clients' tokens). The benchmark's direct client signs with this too.
 */
import { createHash, randomUUID, sign, type KeyObject } from 'node:crypto';
import { base64urlOfText } from '../../core/base64url.js';

/** The provider rejects tokens older than 30 s; ours live exactly that long. */
export const TOKEN_LIFETIME_S = 30;

const EMPTY_BODY_SHA256 = createHash('sha256').update('').digest('hex');

const base64url = (json: object): string => base64urlOfText(JSON.stringify(json));

function rs256(input: string, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => sign('sha256', Buffer.from(input, 'utf8'), key, (error, signature) => (error ? reject(error) : resolve(signature))));
}

export interface SignedRequest {
  method: string;
  /** The path with its query string, exactly as sent. */
  pathWithQuery: string;
  body?: Uint8Array | string;
}

/** Signs requests for `accessKey` with its RSA `privateKey`. */
export function requestTokenSigner(accessKey: string, privateKey: KeyObject): (request: SignedRequest) => Promise<string> {
  const header = base64url({ alg: 'RS256', typ: 'JWT', kid: accessKey });
  return async ({ method, pathWithQuery, body }) => {
    const now = Math.floor(Date.now() / 1000);
    const bodyHash = body === undefined || body.length === 0 ? EMPTY_BODY_SHA256 : createHash('sha256').update(body).digest('hex');
    const claims = { uri: pathWithQuery, method, body_sha256: bodyHash, sub: accessKey, iat: now, exp: now + TOKEN_LIFETIME_S, jti: randomUUID() };
    const input = `${header}.${base64url(claims)}`;
    return `${input}.${(await rs256(input, privateKey)).toString('base64url')}`;
  };
}
