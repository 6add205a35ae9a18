/**
 * Verifies a client's bearer JWT (jose): signature against a JWKS URL or a configured public
 * key, issuer, audience, expiry, and an algorithm allow-list (never `none`, never HMAC). Any
 * failure is UNAUTHENTICATED with a short reason and never the token itself.
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
}

const TENANT = /^[a-z0-9][a-z0-9-]{0,39}$/;
const MAX_TOKEN_LENGTH = 8_192;

export type VerifyToken = (authorization: string | undefined) => Promise<Viewer>;

/** Verified tokens kept (until their expiry) so a client's repeated token is checked once. */
const VERIFIED_CACHE_SIZE = 10_000;

export function createVerifier(settings: VerifierSettings, now: () => number = Date.now): VerifyToken {
  const verified = new Map<string, { viewer: Viewer; expiresAt: number }>();
  let key: KeyObject | JWTVerifyGetKey;
  if (settings.jwksUrl) key = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 2_000, cooldownDuration: 30_000 });
  else if (settings.jwks) key = createLocalJWKSet(settings.jwks as Parameters<typeof createLocalJWKSet>[0]);
  else key = createPublicKey(settings.publicKeyPem!) as unknown as KeyObject;

  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/.exec(authorization?.trim() ?? '');
    if (!match) throw unauthenticated(authorization ? 'The Authorization header is not "Bearer <token>"' : 'A bearer token is required');
    const token = match[1]!;
    if (token.length > MAX_TOKEN_LENGTH) throw unauthenticated('The bearer token is too long');
    const known = verified.get(token);
    if (known) {
      if (known.expiresAt > now()) return known.viewer;
      verified.delete(token);
      throw unauthenticated('The token has expired');
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: settings.algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 5,
      }));
    } catch (error) {
      throw unauthenticated(reasonOf(error));
    }
    const tenant = (payload as { tenant?: unknown }).tenant;
    if (typeof tenant !== 'string' || !TENANT.test(tenant)) throw unauthenticated('The token has no valid tenant claim');
    const viewer: Viewer = { subject: payload.sub!, tenant, scopes: scopesFromClaims(payload as { scope?: unknown; scp?: unknown }) };
    // Only a token that passed every check is remembered, and only until its own expiry.
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, { viewer, expiresAt: payload.exp! * 1000 });
    return viewer;
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is not accepted`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "The token's signing algorithm is not accepted";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "The token's signature is not valid";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The token was signed by an unknown key';
  return 'The token is not a valid JWT';
}

function unauthenticated(reason: string): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, reason);
}
