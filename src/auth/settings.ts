/** How long a token may live and how long a verified one is remembered (both modes; defaults in verifier.ts). */
export interface TokenPolicy {
  maxLifetimeSeconds: number;
  cacheSeconds: number;
}

/** How client tokens are verified. */
export type AuthSettings = Partial<TokenPolicy> &
  (
    | {
        mode: 'verify';
        issuer: string;
        audience: string;
        algorithms: string[];
        jwksUrl?: string;
        publicKeyPem?: string;
      }
    /** Development only: tokens from `npm run token`, signed by a key kept in `keysDir`. */
    | { mode: 'development'; keysDir: string }
  );
