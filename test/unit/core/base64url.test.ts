import { base64urlOfText } from '../../../src/core/base64url.js';

const reference = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('base64urlOfText', () => {
  it.each([
    ['empty', ''],
    ['ascii', 'baas:Card:card_0123456789'],
    ['a cursor payload', JSON.stringify({ v: 1, f: 'a1b2c3', s: { baas: '12', ledger: null } })],
    ['two-byte characters', 'Zoë Müller, Łódź'],
    ['three-byte characters', '東京都 — €'],
    ['astral characters (surrogate pairs)', '💳🏦 card'],
    ['a lone surrogate', 'a\ud800b\udc00c'],
  ])('encodes %s like Buffer.from(text).toString("base64url")', (_name, text) => {
    expect(base64urlOfText(text)).toBe(reference(text));
  });

  it('encodes texts at and past the scratch buffer bound, including the widest characters', () => {
    for (const length of [2729, 2730, 2731, 5000, 100_000]) {
      for (const unit of ['a', 'é', '€', '💳']) {
        const text = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
        expect(base64urlOfText(text)).toBe(reference(text));
      }
    }
  });

  it('does not let one encoding leak into the next (the scratch buffer is reused)', () => {
    const long = base64urlOfText('x'.repeat(2000));
    expect(base64urlOfText('ab')).toBe('YWI');
    expect(base64urlOfText('x'.repeat(2000))).toBe(long);
    expect(Buffer.from(base64urlOfText('é'.repeat(10)), 'base64url').toString('utf8')).toBe('é'.repeat(10));
  });
});
