/**
 * Redaction, proven over generated renderings (fast-check): Luhn-valid PANs of 13–19 digits
 * in any grouping and with any separators keep nothing but their last four digits; CVVs under
 * any label spelling, case and punctuation lose their value; ordinary text around them
 * (amounts, dates, times, ids) comes out unchanged.
 */
import fc from 'fast-check';
import { redact } from '../../../src/core/redact.js';

/** The Luhn check digit that makes `body + digit` valid. */
function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    // From the right of the final number, the check digit is position 0: double odd positions.
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

const digit = fc.constantFrom(...'0123456789'.split(''));
const pan = fc
  .integer({ min: 13, max: 19 })
  .chain((length) => fc.tuple(fc.constantFrom(...'23456'.split('')), fc.array(digit, { minLength: length - 2, maxLength: length - 2 })))
  .map(([first, rest]) => {
    const body = first + rest.join('');
    return body + luhnDigit(body);
  });

const SEPARATORS = ['', ' ', '-', '.', '  ', ' - ', '\u2013', '\u00a0', '\t', ' . '];

/** A PAN cut into groups of 1–8 digits, with one separator throughout or a different one per gap. */
const renderedPan = pan.chain((number) =>
  fc
    .record({
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: number.length - 1 }), { maxLength: 6 }),
      uniform: fc.boolean(),
      separators: fc.array(fc.constantFrom(...SEPARATORS), { minLength: 7, maxLength: 7 }),
    })
    .map(({ cuts, uniform, separators }) => {
      const points = [0, ...cuts.sort((a, b) => a - b), number.length];
      const groups = points.slice(1).map((end, i) => number.slice(points[i], end));
      const text = groups.reduce((acc, group, i) => (i === 0 ? group : acc + (uniform ? separators[0] : separators[i % 7]) + group), '');
      return { number, text };
    }),
);

/** Ordinary text: words, each number separated from the next by a word (as people write). */
const word = fc.constantFrom('amount', 'EUR', 'on', 'at', 'ref', 'declined', 'balance', 'card', 'limit', 'until', 'id', 'for', 'the', 'merchant');
const ordinaryValue = fc.oneof(
  fc.integer({ min: 0, max: 99_999 }).map((n) => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`),
  fc.integer({ min: 0, max: 9_999_999 }).map((n) => n.toLocaleString('en-US')),
  fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(11, 19)),
  fc.integer({ min: 0, max: 999_999_999 }).map((n) => String(n)),
  fc.stringMatching(/^(card|txn|acct)_[a-z0-9]{6,12}$/),
  fc.uuid(),
);
const ordinary = fc.array(fc.tuple(word, fc.option(ordinaryValue, { nil: undefined })), { minLength: 1, maxLength: 8 }).map((pairs) =>
  pairs.map(([w, v]) => (v === undefined ? w : `${w} ${v}`)).join(' '),
);

const CVV_LABELS = ['cvv', 'CVV', 'Cvv', 'cvv2', 'CVV2', 'cvc', 'CVC', 'Cvc2', 'cid', 'CID', 'csc', 'CSC', 'security code', 'Security Code', 'SECURITY CODE', 'security_code', 'security-code', 'securityCode', 'SecurityCode', 'card verification value', 'card_verification_code', 'cardCvv', 'card_cvv', 'x-cvv'];
const cvvValue = fc.integer({ min: 3, max: 4 }).chain((n) => fc.array(digit, { minLength: n, maxLength: n }).map((d) => d.join('')));
const cvvRendering = fc
  .record({
    label: fc.constantFrom(...CVV_LABELS),
    value: cvvValue,
    style: fc.constantFrom<(l: string, v: string) => string>(
      (l, v) => `${l} ${v}`,
      (l, v) => `${l}: ${v}`,
      (l, v) => `${l}:${v}`,
      (l, v) => `${l}=${v}`,
      (l, v) => `${l} = ${v}`,
      (l, v) => `${l} is ${v}`,
      (l, v) => `${l} #${v}`,
      (l, v) => `"${l}":"${v}"`,
      (l, v) => `"${l}": "${v}"`,
      (l, v) => `"${l}": ${v}`,
      (l, v) => `'${l}': '${v}'`,
      (l, v) => `{"${l}":"${v}"}`,
      (l, v) => `<${l.replace(/\s/g, '')}>${v}</${l.replace(/\s/g, '')}>`,
      (l, v) => `${l}=${v}&`,
      (l, v) => `[${l}] ${v}`,
    ),
  })
  .map(({ label, value, style }) => ({ value, text: style(label, value) }));

describe('redact, over generated renderings', () => {
  it('leaves ordinary text (amounts, dates, times, ids) unchanged', () => {
    fc.assert(fc.property(ordinary, (text) => redact(text) === text));
  });

  it('keeps only the last four digits of a Luhn-valid 13–19 digit PAN, whatever its grouping and separators', () => {
    fc.assert(
      fc.property(ordinary, renderedPan, ordinary, (before, { number, text }, after) => {
        const prefix = `${before} card `;
        const suffix = ` declined ${after}`;
        expect(redact(prefix + text + suffix)).toBe(`${prefix}••••${number.slice(-4)}${suffix}`);
      }),
      { numRuns: 500 },
    );
  });

  it('removes a CVV under any label spelling, case and punctuation', () => {
    fc.assert(
      fc.property(ordinary, cvvRendering, ordinary, (before, { value, text }, after) => {
        const prefix = `${before} and `;
        const suffix = ` then ${after}`;
        const out = redact(prefix + text + suffix);
        expect(out.startsWith(prefix)).toBe(true);
        expect(out.endsWith(suffix)).toBe(true);
        const middle = out.slice(prefix.length, out.length - suffix.length);
        expect(middle).not.toContain(value);
        expect(middle).toContain('[REDACTED]');
      }),
      { numRuns: 500 },
    );
  });

  it('removes both from one message that has a PAN and its CVV', () => {
    fc.assert(
      fc.property(renderedPan, cvvRendering, ({ number, text }, cvv) => {
        const out = redact(`upstream said: card ${text} ${cvv.text} expired`);
        // Every digit left is the PAN's last four (or the "2" of a CVV2/CVC2 label).
        expect(out.replace(/[A-Za-z]2\b/g, '').replace(/[^0-9]/g, '')).toBe(number.slice(-4));
      }),
      { numRuns: 300 },
    );
  });
});
