/**
 * Single-use, short-lived reveal tokens. `revealCard` issues one for a card the viewer may
 * see; `POST /reveal` exchanges it, once, for the card's secrets. Only a SHA-256 of each token
 * is stored, so the store holds nothing an attacker could replay; a token is bound to the
 * tenant and subject it was issued to. The grants live in the state store, so a token issued
 * by one replica is redeemed — exactly once — by whichever replica the client reaches.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RevealGrant, RevealTokenStore } from '../../store/state-store.js';

export type { RevealGrant } from '../../store/state-store.js';

export const MAX_REVEAL_TTL_SECONDS = 300;

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

export class RevealTokens {
  constructor(
    private readonly store: RevealTokenStore,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ttlSeconds > 0 && ttlSeconds <= MAX_REVEAL_TTL_SECONDS)) {
      throw new RangeError(`reveal tokens live at most ${MAX_REVEAL_TTL_SECONDS} s`);
    }
  }

  async issue(grant: Omit<RevealGrant, 'expiresAt'>): Promise<{ token: string; expiresAt: Date }> {
    const token = `rvl_${randomBytes(32).toString('base64url')}`;
    const expiresAt = this.now() + this.ttlSeconds * 1000;
    await this.store.issue(digest(token), { ...grant, expiresAt });
    return { token, expiresAt: new Date(expiresAt) };
  }

  /**
   * The grant, if the token is live and was issued to this viewer; it cannot be used again. An
   * expired token is used up too (the store's retention job deletes the ones never redeemed).
   */
  async redeem(token: string, viewer: { tenant: string; subject: string }): Promise<RevealGrant | null> {
    const grant = await this.store.consume(digest(token), viewer);
    return grant && grant.expiresAt > this.now() ? grant : null;
  }
}
