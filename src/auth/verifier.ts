/**
 * Verifies a client's bearer JWT (jose): signature against a JWKS URL or a configured public
 * key, issuer, audience, expiry, and an algorithm allow-list (never `none`, never HMAC). A
 * token issued in the future (beyond the clock tolerance) or valid for longer than the
 * configured maximum lifetime is refused too: a leaked long-lived token would otherwise be a
 * standing credential. Any failure is UNAUTHENTICATED with a short reason and never the token
 * itself.
 */
import { createPublicKey } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey, type KeyObject } from 'jose';
import { ErrorCode, GatewayError } from '../core/errors.js';
import { scopesFromClaims, type Viewer } from '../core/viewer.js';

export interface VerifierSettings {
  issuer: string;
  audience: string;
  algorithms: string[];
  jwksUrl?: string;
  publicKeyPem?: string;
  /** A JWK set held in memory (development keys). */
  jwks?: { keys: object[] };
  /** Longest accepted lifetime: `exp - iat`, or `exp - now` for a token without `iat`. */
  maxLifetimeSeconds?: number;
  /** How long a verified token is answered from memory at most (even if it expires later). */
  cacheSeconds?: number;
  /** Appended to "The token has expired": how to get a new one (development: `npm run token`). */
  renewalHint?: string;
}

export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;
export const DEFAULT_TOKEN_CACHE_SECONDS = 300;
/** Seconds of clock skew between the identity provider and the gateway that are forgiven. */
const CLOCK_TOLERANCE_SECONDS = 5;

const TENANT = /^[a-z0-9][a-z0-9-]{0,39}$/;
const MAX_TOKEN_LENGTH = 8_192;

export type VerifyToken = (authorization: string | undefined) => Promise<Viewer>;

/**
 * Verified tokens kept (until their expiry, at most `cacheSeconds`) so a client's repeated
 * token is checked once. The bound on the time matters when the key set changes: a token
 * signed by a revoked key is accepted from memory for at most that long.
 */
const VERIFIED_CACHE_SIZE = 10_000;

export function createVerifier(settings: VerifierSettings, now: () => number = Date.now): VerifyToken {
  const maxLifetime = settings.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  const cacheMs = (settings.cacheSeconds ?? DEFAULT_TOKEN_CACHE_SECONDS) * 1000;
  const verified = new Map<string, { viewer: Viewer; expiresAt: number; rememberedUntil: number }>();
  let key: KeyObject | JWTVerifyGetKey;
  if (settings.jwksUrl) key = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 2_000, cooldownDuration: 30_000 });
  else if (settings.jwks) key = createLocalJWKSet(settings.jwks as Parameters<typeof createLocalJWKSet>[0]);
  else key = createPublicKey(settings.publicKeyPem!) as unknown as KeyObject;

  const expired = settings.renewalHint ? `The token has expired; ${settings.renewalHint}` : 'The token has expired';
  return async (authorization) => {
    // The auth scheme is case-insensitive (RFC 9110 §11.1): "bearer", "BEARER" are "Bearer".
    const match = /^Bearer +([A-Za-z0-9_.~+/=-]+)$/i.exec(authorization?.trim() ?? '');
    if (!match) throw unauthenticated(authorization ? 'The Authorization header is not "Bearer <token>"' : 'A bearer token is required');
    const token = match[1]!;
    if (token.length > MAX_TOKEN_LENGTH) throw unauthenticated('The bearer token is too long');
    const known = verified.get(token);
    if (known) {
      if (known.rememberedUntil > now()) return known.viewer;
      verified.delete(token);
      if (known.expiresAt <= now()) throw unauthenticated(expired);
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: settings.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(now()),
      }));
    } catch (error) {
      throw unauthenticated(error instanceof joseErrors.JWTExpired ? expired : reasonOf(error));
    }
    checkLifetime(payload.iat, payload.exp!, now() / 1000, maxLifetime);
    const tenant = (payload as { tenant?: unknown }).tenant;
    if (typeof tenant !== 'string' || !TENANT.test(tenant)) throw unauthenticated('The token has no valid tenant claim');
    const viewer: Viewer = { subject: payload.sub!, tenant, scopes: scopesFromClaims(payload as { scope?: unknown; scp?: unknown }) };
    // Only a token that passed every check is remembered, until its own expiry or cacheMs.
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    const expiresAt = payload.exp! * 1000;
    verified.set(token, { viewer, expiresAt, rememberedUntil: Math.min(expiresAt, now() + cacheMs) });
    return viewer;
  };
}

/**
 * `iat` in the future beyond the tolerance is a token minted on a wrong clock (or forged to
 * outlive its lifetime check); a lifetime over the maximum is refused whether or not the
 * token carries `iat` (without it, what remains of its validity counts).
 */
function checkLifetime(iat: number | undefined, exp: number, nowSeconds: number, maxLifetime: number): void {
  if (iat !== undefined && iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) throw unauthenticated('The token was issued in the future (its iat claim is later than now)');
  const lifetime = exp - (iat ?? nowSeconds);
  if (lifetime > maxLifetime) {
    throw unauthenticated(`The token is valid for ${Math.round(lifetime)} seconds; the longest lifetime accepted is ${maxLifetime} seconds`);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is not accepted`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "The token's signing algorithm is not accepted";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "The token's signature is not valid";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The token was signed by an unknown key';
  return 'The token is not a valid JWT';
}

function unauthenticated(reason: string): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, reason);
}
