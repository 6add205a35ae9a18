/**
 * The one check every provider's reveal answer passes before it becomes `CardSecrets`: a PAN
 * of 12–19 digits, a CVV of 3–4 digits, a month 1–12 and a 4-digit year. Anything else is a
 * typed UPSTREAM_ERROR that names the provider and the field, never the value: the answer
 * holds a card number, so neither the message nor a `cause` may carry any part of it.
 *
 * PAN and CVV must be strings: as JSON numbers a PAN loses digits beyond 2^53 and a CVV its
 * leading zeros. Month and year may be integers or digit strings (the same value either way).
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import type { ProviderKey } from '../../core/provider-key.js';
import type { CardSecrets } from '../../core/model.js';

export type CardSecretField = keyof CardSecrets;

/** The upstream values, as read from the provider's answer (unchecked). */
export type RawCardSecrets = Record<CardSecretField, unknown>;

const PAN = /^\d{12,19}$/;
const CVV = /^\d{3,4}$/;

/**
 * `values` checked and typed. `names` are the provider's own field names, for the message
 * (e.g. `{ expiryMonth: 'exp_month' }`); unnamed fields use the unified names.
 */
export function checkedCardSecrets(
  provider: ProviderKey,
  values: RawCardSecrets,
  names: Partial<Record<CardSecretField, string>> = {},
): CardSecrets {
  const malformed = (field: CardSecretField) =>
    new GatewayError(
      ErrorCode.UPSTREAM_ERROR,
      `${provider.toUpperCase()} sent a card's sensitive details with a missing or malformed ${names[field] ?? field}`,
      { provider },
    );
  const { pan, cvv } = values;
  if (typeof pan !== 'string' || !PAN.test(pan)) throw malformed('pan');
  if (typeof cvv !== 'string' || !CVV.test(cvv)) throw malformed('cvv');
  const expiryMonth = integer(values.expiryMonth, /^\d{1,2}$/);
  if (expiryMonth === null || expiryMonth < 1 || expiryMonth > 12) throw malformed('expiryMonth');
  const expiryYear = integer(values.expiryYear, /^\d{4}$/);
  if (expiryYear === null || expiryYear < 1000 || expiryYear > 9999) throw malformed('expiryYear');
  return { pan, cvv, expiryMonth, expiryYear };
}

/** An integer, or a string of digits matching `digits`; null for anything else. */
function integer(value: unknown, digits: RegExp): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  if (typeof value === 'string' && digits.test(value)) return Number(value);
  return null;
}
