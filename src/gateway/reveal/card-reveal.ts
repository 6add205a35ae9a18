/**
 * The one path by which a card's full number and CVV leave the gateway. Requesting a reveal
 * (scope cards:reveal) checks the card is the viewer's, rate-limits the viewer and issues a
 * single-use token; redeeming it (same viewer, before it expires) reads the secrets from the
 * provider and hands them over once. Both steps are audited; nothing here logs or caches
 * the secrets.
 */
import { Capability } from '../../providers/provider.js';
import { CardStatus, type CardSecrets } from '../../core/model.js';
import { auditBuilder, type AuditTrail } from '../audit.js';
import { ErrorCode, GatewayError, notFound, unsupported } from '../../core/errors.js';
import { decodeGlobalId } from '../../core/global-id.js';
import { viewerKey } from '../../core/viewer.js';
import type { RateLimiter } from '../rate-limiter.js';
import { rateLimitedError } from '../rate-limiter.js';
import type { TenantScope } from '../tenant-scope.js';
import type { RevealTokens } from './reveal-tokens.js';

/**
 * A card that can never be used again has no number worth handing out: revealing it only
 * exposes data. FROZEN, PENDING and RESTRICTED cards may come back, so they stay revealable.
 */
const UNREVEALABLE: ReadonlySet<CardStatus> = new Set([CardStatus.CLOSED, CardStatus.LOST, CardStatus.STOLEN, CardStatus.EXPIRED]);

/** Where a reveal token is redeemed: the server mounts `POST` there, and a reveal request names it. */
export const REVEAL_PATH = '/reveal';

/** Redeeming needs no DataLoaders: it reads the card's secrets, never the card. */
export type RevealScope = Omit<TenantScope, 'loaders'>;

export class CardReveals {
  constructor(
    private readonly tokens: RevealTokens,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditTrail,
  ) {}

  async request(scope: TenantScope, cardId: string): Promise<{ token: string; expiresAt: Date }> {
    const { provider, ref } = decodeGlobalId(cardId, 'Card');
    const entry = auditBuilder(scope, { action: 'card.reveal.requested', target: cardId, provider });
    // Another tenant's card answers exactly like a card that does not exist.
    if (!scope.registry.has(provider)) throw notFound(`Card ${cardId}`, provider);
    const allowed = this.limiter.take(viewerKey(scope.viewer));
    if (!allowed.allowed) {
      await this.audit.record(entry('DENIED', { code: ErrorCode.RATE_LIMITED }));
      throw rateLimitedError(allowed.retryAfterSeconds);
    }
    // A card the provider does not have for the id's owner (a forged composite id naming
    // another customer's card included, see loaders.ts) is refused and audited like a denial.
    const card = await scope.loaders.card.load({ provider, ref });
    if (!card) {
      await this.audit.record(entry('DENIED', { code: ErrorCode.NOT_FOUND }));
      throw notFound(`Card ${cardId}`, provider);
    }
    if (!scope.registry.get(provider).capabilities.has(Capability.CARD_REVEAL)) throw unsupported(provider, "revealing a card's number and CVV");
    if (UNREVEALABLE.has(card.status)) {
      await this.audit.record(entry('DENIED', { code: ErrorCode.INVALID_STATE }));
      throw new GatewayError(ErrorCode.INVALID_STATE, `Card ${cardId} is ${card.status}: its number and CVV cannot be revealed`, { provider, retryable: false });
    }
    const issued = await this.tokens.issue({ tenant: scope.viewer.tenant, subject: scope.viewer.subject, provider, ref, cardId });
    await this.audit.record(entry('SUCCEEDED'));
    return issued;
  }

  async redeem(scope: RevealScope, token: string): Promise<CardSecrets> {
    const grant = await this.tokens.redeem(token, scope.viewer);
    if (!grant || !scope.registry.has(grant.provider)) {
      throw new GatewayError(ErrorCode.NOT_FOUND, 'The reveal token is unknown, expired or already used');
    }
    const entry = auditBuilder(scope, { action: 'card.reveal.redeemed', target: grant.cardId, provider: grant.provider });
    try {
      const secrets = await scope.registry.get(grant.provider).revealCard(grant.ref, scope.cx);
      if (!secrets) throw notFound(`Card ${grant.cardId}`, grant.provider);
      await this.audit.record(entry('SUCCEEDED'));
      return secrets;
    } catch (error) {
      const code = error instanceof GatewayError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
      const upstreamRequestId = error instanceof GatewayError ? error.upstream?.requestId : undefined;
      await this.audit.record(entry('FAILED', { code, upstreamRequestId }));
      throw error;
    }
  }
}
