/** How long a token may live and how long a verified one is remembered (both modes). */
export interface TokenPolicy {
  maxLifetimeSeconds: number;
  cacheSeconds: number;
}

/** How client tokens are verified. */
export type AuthSettings = TokenPolicy &
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
