/**
 * What a viewer may see and do. A token carries scopes in its `scope` claim (space-separated,
 * RFC 8693 style) or `scp` (array); each field and mutation declares the scopes it needs.
 */
export enum Scope {
  /** Cards, wallets, transactions, providers. */
  CARDS_READ = 'cards:read',
  /** Cardholders' personal data (names, email, phone). */
  CARDHOLDERS_READ = 'cardholders:read',
  /** Create cardholders, issue cards, change card state. */
  CARDS_WRITE = 'cards:write',
  /** Move money: top-ups, transfers, push/pull. */
  FUNDS_WRITE = 'funds:write',
  /** Reveal a card's full number and CVV (audited, rate-limited). */
  CARDS_REVEAL = 'cards:reveal',
}

export const ALL_SCOPES: readonly Scope[] = Object.values(Scope);

/** The scopes that only let a viewer read: every check of what may be read names some of these. */
export const READ_ONLY_SCOPES: readonly Scope[] = [Scope.CARDS_READ, Scope.CARDHOLDERS_READ];

/**
 * A viewer holding every read scope: no check of what may be read can refuse it, so its
 * operations run on the schema without those checks (graphql/schema.ts).
 */
export function readsEverything(viewer: Pick<Viewer, 'scopes'>): boolean {
  return READ_ONLY_SCOPES.every((scope) => viewer.scopes.has(scope));
}

/** The key a viewer's limits and queues are kept under: `tenant:subject`. */
export function viewerKey(viewer: Pick<Viewer, 'tenant' | 'subject'>): string {
  return `${viewer.tenant}:${viewer.subject}`;
}

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value);
}

/** The scopes a token grants; unknown scope names are ignored, not errors. */
export function scopesFromClaims(claims: { scope?: unknown; scp?: unknown }): Set<Scope> {
  const raw = typeof claims.scope === 'string' ? claims.scope.split(' ') : Array.isArray(claims.scp) ? claims.scp : [];
  return new Set(raw.filter((s): s is Scope => typeof s === 'string' && isScope(s)));
}

/** Who is asking: the token's subject, its tenant and its scopes. */
export interface Viewer {
  subject: string;
  tenant: string;
  scopes: ReadonlySet<Scope>;
}
