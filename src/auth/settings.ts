/** How client tokens are verified. */
export type AuthSettings =
  | {
      mode: 'verify';
      issuer: string;
      audience: string;
      algorithms: string[];
      jwksUrl?: string;
      publicKeyPem?: string;
    }
  /** Development only: tokens from `npm run token`, signed by a key kept in `keysDir`. */
  | { mode: 'development'; keysDir: string };

