import { ErrorCode } from '../../../../src/core/errors.js';
import { checkedCardSecrets, type RawCardSecrets } from '../../../../src/providers/transport/card-secrets.js';

const valid: RawCardSecrets = { pan: '4111111111111111', cvv: '123', expiryMonth: 4, expiryYear: 2030 };

describe('checkedCardSecrets', () => {
  it('accepts PANs of 12 to 19 digits, CVVs of 3 or 4, and month and year as integers or digit strings', () => {
    expect(checkedCardSecrets('utgl', { ...valid, pan: '411111111111' }).pan).toBe('411111111111');
    expect(checkedCardSecrets('utgl', { ...valid, pan: '4111111111111111111' }).pan).toBe('4111111111111111111');
    expect(checkedCardSecrets('utgl', { ...valid, cvv: '0123' }).cvv).toBe('0123');
    expect(checkedCardSecrets('utgl', { ...valid, expiryMonth: '04', expiryYear: '2030' })).toEqual(valid);
    expect(checkedCardSecrets('utgl', { ...valid, expiryMonth: 12 }).expiryMonth).toBe(12);
  });

  it.each<[string, Partial<RawCardSecrets>, string]>([
    ['a PAN with separators', { pan: '4111-1111-1111-1111' }, 'pan'],
    ['a CVV sent as a number', { cvv: 123 }, 'cvv'],
    ['a fractional month', { expiryMonth: 4.5 }, 'exp_month'],
    ['a 5-digit year', { expiryYear: 20300 }, 'exp_year'],
    ['a year as a 2-digit string', { expiryYear: '30' }, 'exp_year'],
  ])('refuses %s with an UPSTREAM_ERROR naming the field, not the value', (_what, change, field) => {
    const names = { expiryMonth: 'exp_month', expiryYear: 'exp_year' };
    expect(() => checkedCardSecrets('utgl', { ...valid, ...change }, names)).toThrow(
      expect.objectContaining({ code: ErrorCode.UPSTREAM_ERROR, provider: 'utgl', message: expect.stringMatching(new RegExp(`malformed ${field}$`)) }),
    );
    try {
      checkedCardSecrets('utgl', { ...valid, ...change }, names);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/\d/);
    }
  });
});
