/**
 * Global ids as a client sees them: base64url of `provider:Type:ref`. Built here by hand, not
 * with src/core/global-id.ts, so the tests pin the format rather than echo the code under test.
 */
export function globalId(provider: string, type: string, ref: string): string {
  return Buffer.from(`${provider}:${type}:${ref}`).toString('base64url');
}

/** `globalId` for one provider: `(type, ref) => id`. */
export function globalIdsOf(provider: string): (type: string, ref: string) => string {
  return (type, ref) => globalId(provider, type, ref);
}

/** The provider's reference inside a global id (everything after `provider:Type:`). */
export function refOf(id: string): string {
  return Buffer.from(id, 'base64url').toString().split(':').slice(2).join(':');
}
