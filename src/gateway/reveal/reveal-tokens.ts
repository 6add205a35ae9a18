/**
 * Single-use, short-lived reveal tokens. `revealCard` issues one for a card the viewer may
 * see; `POST /reveal` exchanges it, once, for the card's secrets. Only a SHA-256 of each token
 * is kept, so the store itself holds nothing an attacker could replay; a token is bound to
 * the tenant and subject it was issued to.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ProviderKey } from '../../core/provider-key.js';

export const MAX_REVEAL_TTL_SECONDS = 300;

export interface RevealGrant {
  tenant: string;
  subject: string;
  provider: ProviderKey;
  ref: string;
  /** The card's global id (for the audit trail). */
  cardId: string;
  expiresAt: number;
}

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

export class RevealTokens {
  private readonly grants = new Map<string, RevealGrant>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ttlSeconds > 0 && ttlSeconds <= MAX_REVEAL_TTL_SECONDS)) {
      throw new RangeError(`reveal tokens live at most ${MAX_REVEAL_TTL_SECONDS} s`);
    }
  }

  issue(grant: Omit<RevealGrant, 'expiresAt'>): { token: string; expiresAt: Date } {
    this.sweep();
    const token = `rvl_${randomBytes(32).toString('base64url')}`;
    const expiresAt = this.now() + this.ttlSeconds * 1000;
    this.grants.set(digest(token), { ...grant, expiresAt });
    return { token, expiresAt: new Date(expiresAt) };
  }

  /** The grant, if the token is live and was issued to this viewer; it cannot be used again. */
  redeem(token: string, viewer: { tenant: string; subject: string }): RevealGrant | null {
    const key = digest(token);
    const grant = this.grants.get(key);
    if (!grant) return null;
    if (grant.tenant !== viewer.tenant || grant.subject !== viewer.subject) return null;
    this.grants.delete(key);
    return grant.expiresAt > this.now() ? grant : null;
  }

  get size(): number {
    return this.grants.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, grant] of this.grants) if (grant.expiresAt <= now) this.grants.delete(key);
  }
}
