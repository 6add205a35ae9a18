/**
 * Removes card data and secrets from any text that may reach a log line or a client:
 * PAN-like digit runs keep only their last four, CVV-like fields, bearer tokens, JWTs and
 * PEM blocks are replaced. Applied to upstream messages and to every log line.
 *
 * Card numbers are recognised by shape, not by Luhn: a run of 13 or more digits, whatever
 * separates them (spaces, dashes, dots, none; up to three such characters between two
 * digits), is masked to its last four. A mistyped PAN is still fifteen digits of a real
 * card, so no checksum decides; a run longer than 19 digits may hold a PAN with something
 * glued to it, so it is masked too (UUIDs excepted). What is lost: 13+ digits written in one run (long
 * numeric ids, date ranges with only separators between them), which upstream messages do
 * not need to keep.
 *
 * CVVs are recognised by their label in any spelling and case (cvv, CVV2, cvc, CID, CSC,
 * security code, security_code, securityCode, card verification value…) followed, through
 * quotes, colons, equals signs, `>` (XML) or "is", by 3 or 4 digits.
 */
const SEPARATOR = '[\\s.\\-\\u2010-\\u2015]';
/**
 * A UUID (whose hex digits may happen to be mostly decimal) is matched first and kept: the
 * scan consumes it whole, so no digit run inside it is taken for a PAN.
 */
const UUID = '(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f-])';
const PAN = new RegExp(`(${UUID})|(?<![0-9])[0-9](?:${SEPARATOR}{0,3}[0-9]){12,}(?![0-9])`, 'g');
const JWT = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const BEARER = /\b(Bearer)\s+[\w.~+/=-]{12,}/gi;
const PEM = /-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g;
const SECRET_FIELD = /("?(?:pan|card_?number|cardNumber|api[_-]?key|secret|token|password)"?\s*[:=]\s*)("[^"]*"|[^\s,}]+)/gi;

/** A word in any case, as a pattern (the camelCase check below needs case-sensitive matching). */
const anyCase = (word: string): string => word.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
const WORD_GAP = '[\\s_.\\-]*';
const words = (...parts: string[]): string => parts.map(anyCase).join(WORD_GAP);
const CVV_LABEL = [
  ...['cvv2', 'cvc2', 'cvv', 'cvc', 'cid', 'csc', 'cvn'].map((label) => words(label)),
  words('security', 'code'),
  `${words('card', 'verification')}(?:${WORD_GAP}(?:${['value', 'code', 'number'].map(anyCase).join('|')}))?`,
].join('|');
/**
 * The label starts a word (not preceded by a letter or digit: `_cvv`, `"cvv"`, `<cvv>`) or a
 * camelCase part (`cardCvv`); then up to eight characters of punctuation, or "is"/"was",
 * and the value.
 */
const CVV = new RegExp(
  `((?:(?<![A-Za-z0-9])|(?<=[a-z])(?=[A-Z]))(?:${CVV_LABEL})(?![A-Za-z])(?:[\\s"'=:#>\\]\\-]|${anyCase('is')}\\b|${anyCase('was')}\\b){0,8})([0-9]{3,4})(?![0-9])`,
  'g',
);

export function redact(text: string): string {
  return text
    .replace(PEM, '[REDACTED KEY]')
    .replace(JWT, '[REDACTED JWT]')
    .replace(BEARER, '$1 [REDACTED]')
    .replace(CVV, '$1[REDACTED]')
    .replace(SECRET_FIELD, '$1"[REDACTED]"')
    .replace(PAN, (run, uuid: string | undefined) => uuid ?? `••••${run.replace(/[^0-9]/g, '').slice(-4)}`);
}

/** `•••• 4242`: the only form of a card number shown outside the reveal path. */
export function maskPan(last4: string): string {
  return `•••• ${last4}`;
}
