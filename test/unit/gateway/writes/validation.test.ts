import { ErrorCode } from '../../../../src/core/errors.js';
import { email, money, pastDate, phone, text } from '../../../../src/gateway/writes/validation.js';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('accepted');
};

describe('mutation input validation', () => {
  it('accepts positive amounts within the currency precision and normalises them', () => {
    expect(money('input', '12.5', 'USD')).toEqual({ amount: '12.50', currency: 'USD' });
    expect(money('input', '1200', 'JPY')).toEqual({ amount: '1200', currency: 'JPY' });
    expect(money('input', '1.250', 'BHD')).toEqual({ amount: '1.250', currency: 'BHD' });
    expect(money('input', '007.10', 'EUR')).toEqual({ amount: '7.10', currency: 'EUR' });
  });

  it.each([
    ['0', 'USD', 'greater than zero'],
    ['-5', 'USD', 'positive decimal'],
    ['1.001', 'USD', 'more than 2 decimal places'],
    ['1.5', 'JPY', 'more than 0 decimal places'],
    ['1e3', 'USD', 'positive decimal'],
    ['12.50', 'usd', 'ISO 4217'],
    ['99999999999999999', 'USD', 'positive decimal'],
  ])('refuses amount %s %s, naming the field', (amount, currency, problem) => {
    const error = refusal(() => money('input', amount, currency));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.message).toContain(problem);
    expect(error.message).toContain('input.');
  });

  it('checks text, emails, phones and dates', () => {
    expect(refusal(() => text('input.reason', 'x'.repeat(300), 200)).message).toContain('at most 200');
    expect(refusal(() => text('input.firstName', '<b>')).message).toContain('not allowed');
    expect(refusal(() => email('input.email', 'not-an-email')).message).toContain('email address');
    expect(refusal(() => phone('input.phone', '555-0100')).message).toContain('E.164');
    expect(refusal(() => pastDate('input.dateOfBirth', '2999-01-01')).message).toContain('past date');
    expect(refusal(() => pastDate('input.dateOfBirth', '1990-02-30')).message).toContain('YYYY-MM-DD');
    expect(pastDate('input.dateOfBirth', '1990-02-28')).toBe('1990-02-28');
  });
});
