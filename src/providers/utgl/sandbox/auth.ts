/**
 * utgl's authentication: a fresh RS256 JWT per request, bound to the request (method, path,
 * body hash), with its jti remembered so it cannot be replayed.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { importSPKI, jwtVerify, type CryptoKey, type JWTHeaderParameters, type JWTPayload } from 'jose';
import type { SandboxRequest, SandboxResponse, SandboxServerOptions } from '../../../sandbox/server.js';

// ---------------------------------------------------------------------------------------
// Expiring entries (seen jtis, idempotency keys).

/**
 * A map whose entries live `ttlMs` after insertion. Every entry has the same lifetime and is
 * inserted once, so the Map's insertion order is expiry order: purging stops at the first
 * live entry, keeping the cost per request constant under load.
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, now = Date.now()): V | undefined {
    this.purge(now);
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
  }

  private purge(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Authentication: a fresh RS256 JWT per request, bound to the request.

const MAX_TOKEN_LIFETIME_S = 30;
const MAX_TOKEN_AGE_S = 30;
const CLOCK_SKEW_S = 5;
const JTI_WINDOW_MS = 60_000;

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function unauthorized(message: string): SandboxResponse {
  return { status: 401, body: { code: 'INVALID_SIGNATURE', message } };
}

/** jose's failures, named without echoing anything from the token. */
function joseFailure(err: unknown): string {
  switch ((err as { code?: string }).code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'JWT signature verification failed';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'JWT alg must be RS256';
    case 'ERR_JWT_EXPIRED':
      return 'JWT has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `JWT ${(err as { claim?: string }).claim ?? 'claim'} claim is invalid`;
    default:
      return 'JWT is malformed';
  }
}

/** The first way the verified token fails to match the request and the rules, if any. */
function claimFailure(
  header: JWTHeaderParameters,
  claims: JWTPayload,
  req: SandboxRequest,
  accessKey: string,
): string | undefined {
  const now = Date.now() / 1000;
  if (header.kid !== accessKey) return 'kid is not a known access key';
  if (claims.sub !== accessKey) return 'sub claim does not match the access key';
  if (claims.uri !== req.rawUrl) return 'uri claim does not match the request';
  if (claims.method !== req.method) return 'method claim does not match the request';
  if (claims.body_sha256 !== sha256Hex(req.body)) return 'body_sha256 claim does not match the request body';
  if (typeof claims.iat !== 'number') return 'iat claim is missing';
  if (typeof claims.exp !== 'number') return 'exp claim is missing';
  if (claims.exp - claims.iat > MAX_TOKEN_LIFETIME_S) return 'exp claim is more than 30 seconds after iat';
  if (now - claims.iat > MAX_TOKEN_AGE_S) return 'JWT is older than 30 seconds';
  if (claims.iat - now > CLOCK_SKEW_S) return 'iat claim is in the future';
  if (typeof claims.jti !== 'string' || claims.jti === '') return 'jti claim is missing';
  return undefined;
}

type Authenticate = NonNullable<SandboxServerOptions['authenticate']>;

export function createAuthenticator(accessKey: string, publicKeyPem: string): Authenticate {
  // Parsed here so a bad key fails at construction, not on the first request; re-exported
  // as SPKI so a PKCS#1 public key works too.
  const publicKey = createPublicKey(publicKeyPem);
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new Error('utgl sandbox: publicKeyPem must be an RSA public key');
  }
  const spki = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let key: Promise<CryptoKey> | undefined;
  const seenJtis = new ExpiringMap<true>(JTI_WINDOW_MS);

  return async (req) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return unauthorized('Missing or malformed Authorization header');
    key ??= importSPKI(spki, 'RS256');
    let verified;
    try {
      verified = await jwtVerify(match[1]!, await key, { algorithms: ['RS256'], clockTolerance: CLOCK_SKEW_S });
    } catch (err) {
      return unauthorized(joseFailure(err));
    }
    const failure = claimFailure(verified.protectedHeader, verified.payload, req, accessKey);
    if (failure) return unauthorized(failure);
    const jti = verified.payload.jti!;
    if (seenJtis.get(jti)) return unauthorized('jti has already been used');
    seenJtis.set(jti, true);
    return undefined;
  };
}

