/**
 * Removes card data and secrets from any text that may reach a log line or a client:
 * PAN-like digit runs keep only their last four, CVV-like fields, bearer tokens, JWTs and
 * PEM blocks are replaced. Applied to upstream messages and to every log line.
 */
const PAN = /\b(?:\d[ -]?){12,18}(\d{4})\b/g;
const JWT = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const BEARER = /\b(Bearer)\s+[\w.~+/=-]{12,}/gi;
const PEM = /-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g;
const SECRET_FIELD = /("?(?:cvv|cvc|cvv2|pan|card_?number|cardNumber|api[_-]?key|secret|token|password)"?\s*[:=]\s*)("[^"]*"|[^\s,}]+)/gi;

export function redact(text: string): string {
  return text
    .replace(PEM, '[REDACTED KEY]')
    .replace(JWT, '[REDACTED JWT]')
    .replace(BEARER, '$1 [REDACTED]')
    .replace(SECRET_FIELD, '$1"[REDACTED]"')
    .replace(PAN, '••••$1');
}

/** `•••• 4242`: the only form of a card number shown outside the reveal path. */
export function maskPan(last4: string): string {
  return `•••• ${last4}`;
}
