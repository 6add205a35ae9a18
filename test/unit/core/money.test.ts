import { GatewayError } from '../../../src/core/errors.js';
import { formatUnits, fromBaseUnits, fromDecimalString, fromMinorUnits, parseUnits } from '../../../src/core/money.js';

describe('money', () => {
  it('converts 18-decimal base units exactly, beyond float precision', () => {
    expect(fromBaseUnits(parseUnits('2000000000000000000', 'x'), 'USBC').amount).toBe('2.00');
    expect(fromBaseUnits(parseUnits('196999000000000000000', 'x'), 'USBC').amount).toBe('196.999');
    expect(fromBaseUnits(1n, 'USBC').amount).toBe('0.000000000000000001');
    expect(fromBaseUnits(parseUnits('123456789012345678901234567', 'x'), 'USBC').amount).toBe('123456789.012345678901234567');
  });

  it('converts minor units with the currency exponent', () => {
    expect(fromMinorUnits(1999, 'USD')).toEqual({ amount: '19.99', currency: 'USD' });
    expect(fromMinorUnits(1200, 'JPY')).toEqual({ amount: '1200', currency: 'JPY' });
    expect(fromMinorUnits(1250, 'BHD')).toEqual({ amount: '1.250', currency: 'BHD' });
    expect(fromMinorUnits(-5, 'EUR')).toEqual({ amount: '-0.05', currency: 'EUR' });
  });

  it('normalises decimal strings to the currency precision without rounding', () => {
    expect(fromDecimalString('1000.5', 'usd')).toEqual({ amount: '1000.50', currency: 'USD' });
    expect(fromDecimalString('7', 'JPY')).toEqual({ amount: '7', currency: 'JPY' });
    expect(fromDecimalString('0.125', 'USD').amount).toBe('0.125');
  });

  it('rejects malformed upstream amounts with a typed error', () => {
    expect(() => fromDecimalString(12.5, 'USD')).toThrow(GatewayError);
    expect(() => fromDecimalString('1e3', 'USD')).toThrow(/malformed amount/);
    expect(() => parseUnits('12.5', 'balance')).toThrow(/malformed balance/);
  });

  it('keeps a minimum number of fraction digits', () => {
    expect(formatUnits(1500n, 3, 0)).toBe('1.5');
    expect(formatUnits(1500n, 3, 2)).toBe('1.50');
    expect(formatUnits(0n, 18, 2)).toBe('0.00');
  });
});
