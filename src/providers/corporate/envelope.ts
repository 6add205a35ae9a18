/**
 * corporate's encrypted envelope (corporate.md, "Transport and authentication"), in both
 * directions: the HTTP body is `{"encrypted": base64(nonce ‖ secretbox(JSON))}` under the
 * 32-byte shared key, with a fresh random 24-byte nonce per message. One implementation,
 * used by the gateway's client and by the simulator alike, so the two cannot drift apart.
 *
 * `open` never throws on bad input: it says which of the documented failure kinds the
 * envelope has, and each side decides what that means (the simulator answers the provider's
 * plain error; the client raises a typed UPSTREAM_ERROR).
 */
import nacl from 'tweetnacl';

export const NONCE_BYTES = nacl.secretbox.nonceLength; // 24
export const KEY_BYTES = nacl.secretbox.keyLength; // 32
/** Poly1305 tag in front of the ciphertext: a box shorter than nonce + tag cannot be valid. */
export const MIN_ENVELOPE_BYTES = NONCE_BYTES + nacl.secretbox.overheadLength;

export interface Envelope {
  encrypted: string;
}

/** Why an envelope could not be opened. */
export type OpenFailure =
  /** No `encrypted` string in the body (or the body is not a JSON object). */
  | 'missing_envelope'
  /** `encrypted` is not canonical base64. */
  | 'not_base64'
  /** Fewer bytes than a nonce and an authentication tag. */
  | 'too_short'
  /** Wrong key, or the bytes were altered. */
  | 'authentication_failed'
  /** Decrypted, but not a UTF-8 JSON object. */
  | 'not_json';

export type OpenResult = { ok: true; payload: Record<string, unknown> } | { ok: false; failure: OpenFailure };

/**
 * The bytes of `text` when it is canonical base64 — standard alphabet, padded to a multiple of
 * 4, `=` only as the last one or two characters — else undefined. What
 * `/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/` accepts, without running
 * that regex over every character: on a 14.5 KB answer it cost more than the decryption.
 * Node's decoder skips characters outside the alphabet and stops at `=`, so any such character
 * leaves fewer bytes than the length promises; it also reads the URL-safe `-` and `_`, which
 * are looked for apart.
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || text.includes('-') || text.includes('_')) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}

function checkKey(key: Uint8Array): void {
  // A wrong-sized key is a programming or configuration error, never an input to report.
  if (key.length !== KEY_BYTES) throw new RangeError(`The envelope key must be ${KEY_BYTES} bytes (got ${key.length})`);
}

/** Encrypts a JSON payload with a fresh random nonce. `nonce` is injectable for tests only. */
export function seal(payload: object, key: Uint8Array, nonce: Uint8Array = nacl.randomBytes(NONCE_BYTES)): Envelope {
  checkKey(key);
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`The nonce must be ${NONCE_BYTES} bytes`);
  const box = nacl.secretbox(new Uint8Array(Buffer.from(JSON.stringify(payload), 'utf8')), nonce, key);
  const bytes = new Uint8Array(NONCE_BYTES + box.length);
  bytes.set(nonce, 0);
  bytes.set(box, NONCE_BYTES);
  return { encrypted: Buffer.from(bytes).toString('base64') };
}

/** Opens a parsed HTTP body (`{encrypted}`); see `OpenFailure` for what can be wrong. */
export function open(body: unknown, key: Uint8Array): OpenResult {
  checkKey(key);
  const encrypted = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { encrypted?: unknown }).encrypted : undefined;
  if (typeof encrypted !== 'string' || encrypted.length === 0) return { ok: false, failure: 'missing_envelope' };
  const decoded = decodeBase64(encrypted);
  if (!decoded) return { ok: false, failure: 'not_base64' };
  const bytes = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length);
  if (bytes.length < MIN_ENVELOPE_BYTES) return { ok: false, failure: 'too_short' };
  const plain = nacl.secretbox.open(bytes.subarray(NONCE_BYTES), bytes.subarray(0, NONCE_BYTES), key);
  if (!plain) return { ok: false, failure: 'authentication_failed' };
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain));
  } catch {
    return { ok: false, failure: 'not_json' };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, failure: 'not_json' };
  return { ok: true, payload: payload as Record<string, unknown> };
}

/** Opens the raw bytes of an HTTP body (which must first be JSON holding the envelope). */
export function openBody(body: Buffer, key: Uint8Array): OpenResult {
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, failure: 'missing_envelope' };
  }
  return open(parsed, key);
}

/** Words for logs and error messages. */
export const OPEN_FAILURE_TEXT: Record<OpenFailure, string> = {
  missing_envelope: 'carries no encrypted envelope',
  not_base64: 'has an envelope that is not base64',
  too_short: 'has an envelope too short to hold a nonce and a tag',
  authentication_failed: 'has an envelope that does not decrypt under the shared key (wrong key or altered bytes)',
  not_json: 'has an envelope whose plaintext is not a JSON object',
};
