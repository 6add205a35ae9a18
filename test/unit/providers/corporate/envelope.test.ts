import fc from 'fast-check';
import nacl from 'tweetnacl';
import { decodeBase64, KEY_BYTES, MIN_ENVELOPE_BYTES, NONCE_BYTES, open, openBody, seal } from '../../../../src/providers/corporate/envelope.js';

const key = nacl.randomBytes(KEY_BYTES);
const payload = { request_timestamp: 1_700_000_000_000_000, external_user_id: 'emp-1', amount: '25.00' };

const bytesOf = (encrypted: string) => new Uint8Array(Buffer.from(encrypted, 'base64'));
const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('corporate envelope', () => {
  it('opens what it sealed, field for field', () => {
    const envelope = seal(payload, key);
    expect(Object.keys(envelope)).toEqual(['encrypted']);
    expect(open(envelope, key)).toEqual({ ok: true, payload });
  });

  it('is base64 of the 24-byte nonce followed by nacl.secretbox of the UTF-8 JSON', () => {
    const nonce = nacl.randomBytes(NONCE_BYTES);
    const bytes = bytesOf(seal({ name: 'Zoë' }, key, nonce).encrypted);
    expect(bytes.subarray(0, NONCE_BYTES)).toEqual(nonce);
    const plain = nacl.secretbox.open(bytes.subarray(NONCE_BYTES), nonce, key);
    expect(Buffer.from(plain!).toString('utf8')).toBe('{"name":"Zoë"}');
  });

  it('draws a fresh random nonce for every message, so equal payloads never look alike', () => {
    const envelopes = Array.from({ length: 50 }, () => seal(payload, key).encrypted);
    expect(new Set(envelopes).size).toBe(50);
    expect(new Set(envelopes.map((e) => toBase64(bytesOf(e).subarray(0, NONCE_BYTES)))).size).toBe(50);
  });

  it('detects a flipped bit anywhere in the ciphertext, the tag or the nonce', () => {
    const bytes = bytesOf(seal(payload, key).encrypted);
    for (const position of [0, NONCE_BYTES - 1, NONCE_BYTES, NONCE_BYTES + 15, bytes.length - 1]) {
      const tampered = bytes.slice();
      tampered[position]! ^= 0x01;
      expect(open({ encrypted: toBase64(tampered) }, key)).toEqual({ ok: false, failure: 'authentication_failed' });
    }
  });

  it('refuses a box sealed under another key', () => {
    const other = nacl.randomBytes(KEY_BYTES);
    expect(open(seal(payload, other), key)).toEqual({ ok: false, failure: 'authentication_failed' });
  });

  it.each([
    ['no body', undefined],
    ['an empty object', {}],
    ['an empty encrypted field', { encrypted: '' }],
    ['a non-string encrypted field', { encrypted: 42 }],
    ['an array', ['encrypted']],
  ])('says the envelope is missing for %s', (_what, body) => {
    expect(open(body, key)).toEqual({ ok: false, failure: 'missing_envelope' });
  });

  it.each([['spaces and symbols', 'not base64!'], ['bad padding', 'QUJD='], ['url-safe alphabet', 'ab-_']])(
    'refuses %s as not base64',
    (_what, encrypted) => {
      expect(open({ encrypted }, key)).toEqual({ ok: false, failure: 'not_base64' });
    },
  );

  it('accepts exactly canonical base64 (the regex that defines it), and decodes it as Node does', () => {
    const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const char = fc.oneof(fc.constantFrom(...ALPHABET), fc.constantFrom('=', '-', '_', ' ', '\n', '*', '.', 'é', '\u0000'));
    const candidates = fc.oneof(
      fc.array(char, { maxLength: 14 }).map((chars) => chars.join('')),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64')),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), char).map(([bytes, at, c]) => {
        const text = Buffer.from(bytes).toString('base64');
        const i = at % text.length;
        return text.slice(0, i) + c + text.slice(i + 1);
      }),
    );
    fc.assert(
      fc.property(candidates, (text) => {
        const decoded = decodeBase64(text);
        expect(decoded !== undefined).toBe(CANONICAL.test(text));
        if (decoded) expect(decoded).toEqual(Buffer.from(text, 'base64'));
      }),
      { numRuns: 20_000 },
    );
  });

  it('refuses fewer bytes than a nonce and a tag as too short', () => {
    expect(open({ encrypted: toBase64(new Uint8Array(MIN_ENVELOPE_BYTES - 1)) }, key)).toEqual({ ok: false, failure: 'too_short' });
  });

  it.each([
    ['text that is not JSON', Buffer.from('hello')],
    ['a JSON array', Buffer.from('[1,2]')],
    ['a JSON string', Buffer.from('"x"')],
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x7d])],
  ])('refuses a box holding %s', (_what, plain) => {
    const nonce = nacl.randomBytes(NONCE_BYTES);
    const box = nacl.secretbox(new Uint8Array(plain), nonce, key);
    const encrypted = toBase64(new Uint8Array([...nonce, ...box]));
    expect(open({ encrypted }, key)).toEqual({ ok: false, failure: 'not_json' });
  });

  it('opens raw HTTP body bytes, and calls a body that is not JSON a missing envelope', () => {
    expect(openBody(Buffer.from(JSON.stringify(seal(payload, key))), key)).toEqual({ ok: true, payload });
    expect(openBody(Buffer.from('<html>'), key)).toEqual({ ok: false, failure: 'missing_envelope' });
    expect(openBody(Buffer.alloc(0), key)).toEqual({ ok: false, failure: 'missing_envelope' });
  });

  it('refuses a key that is not 32 bytes (a configuration error, thrown)', () => {
    expect(() => seal(payload, new Uint8Array(16))).toThrow(RangeError);
    expect(() => open(seal(payload, key), new Uint8Array(31))).toThrow(RangeError);
  });
});
