/**
 * Upstream idempotency keys and references, derived from the gateway's key so that the same
 * logical write presents the same values to the provider on every attempt (and after a
 * gateway restart), scoped per tenant so two tenants' keys never collide upstream.
 */
import { createHash } from 'node:crypto';
import type { ProviderKey } from '../../core/provider-key.js';

function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

/** An RFC 4122-shaped (v4 layout) UUID from 16 bytes of a digest. */
function uuidFrom(bytes: Buffer): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export interface DerivedKeys {
  upstreamKey: string;
  attemptKey: string;
  reference: string;
}

export function deriveKeys(tenant: string, gatewayKey: string, provider: ProviderKey, attempt: number): DerivedKeys {
  const base = digest('cardplane', tenant, gatewayKey, provider);
  return {
    upstreamKey: uuidFrom(base),
    attemptKey: uuidFrom(digest('cardplane', tenant, gatewayKey, provider, `attempt:${attempt}`)),
    reference: `cp_${base.toString('hex').slice(0, 29)}`,
  };
}
