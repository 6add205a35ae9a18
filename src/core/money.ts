/**
 * Exact money. Amounts are decimal strings end to end; conversions from a provider's minor
 * units (pushpull) or 18-decimal base units (ledger) use BigInt, never a float.
 */
import { GatewayError, ErrorCode } from './errors.js';

export interface Money {
  /** A decimal string: optional minus sign, digits, optional fraction. */
  amount: string;
  currency: string;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** ISO 4217 exponents that differ from 2 (the default). */
const EXPONENTS: Record<string, number> = {
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0,
  RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
};

export function currencyExponent(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2;
}

export function isDecimalString(value: string): boolean {
  return DECIMAL.test(value);
}

/**
 * Formats an integer count of `10^-decimals` units as a decimal string, keeping at least
 * `minFraction` fraction digits and dropping further trailing zeros.
 */
export function formatUnits(units: bigint, decimals: number, minFraction = 0): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  let fraction = decimals > 0 ? (abs % scale).toString().padStart(decimals, '0') : '';
  while (fraction.length > minFraction && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Parses an integer string of base units, e.g. ledger's "2000000000000000000". */
export function parseUnits(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `The provider sent a malformed ${what}`);
  }
  return BigInt(value);
}

/** An amount in a currency's minor units (cents for USD, none for JPY, thousandths for BHD). */
export function fromMinorUnits(units: bigint | number, currency: string): Money {
  const exponent = currencyExponent(currency);
  return { amount: formatUnits(BigInt(units), exponent, exponent), currency: currency.toUpperCase() };
}

/** An amount in 18-decimal token base units (ledger), trimmed to at least two decimals. */
export function fromBaseUnits(units: bigint, currency: string, decimals = 18): Money {
  return { amount: formatUnits(units, decimals, 2), currency };
}

/**
 * A provider's decimal string, checked and normalised to the currency's precision
 * (`"1000.5"` → `"1000.50"`). Extra non-zero digits are kept rather than rounded away.
 */
export function fromDecimalString(value: unknown, currency: unknown, what = 'amount'): Money {
  if (typeof value !== 'string' || !DECIMAL.test(value) || typeof currency !== 'string' || currency.length === 0) {
    throw new GatewayError(ErrorCode.UPSTREAM_ERROR, `The provider sent a malformed ${what}`);
  }
  const exponent = currencyExponent(currency);
  const [whole, fraction = ''] = value.split('.');
  const padded = fraction.length >= exponent ? fraction : fraction.padEnd(exponent, '0');
  return { amount: padded ? `${whole}.${padded}` : `${whole}`, currency: currency.toUpperCase() };
}

/**
 * A positive amount in the currency's minor units (its ISO 4217 exponent), exactly, with
 * BigInt. Digits beyond the currency's precision that are not zero are refused, never rounded
 * away; so are zero and negative amounts. The gateway validates amounts before any write;
 * providers convert through here so nothing is ever sent inexactly.
 */
export function toMinorUnitsExact(money: Money): bigint {
  const exponent = currencyExponent(money.currency);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(money.amount);
  const fraction = match?.[2] ?? '';
  const units = match ? BigInt(match[1]!) * 10n ** BigInt(exponent) + BigInt(fraction.slice(0, exponent).padEnd(exponent, '0') || '0') : 0n;
  if (!match || /[1-9]/.test(fraction.slice(exponent)) || units <= 0n) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `amount must be a positive decimal with at most ${exponent} decimal places for ${money.currency}`, {
      details: { fields: ['amount'] },
    });
  }
  return units;
}

/** A positive amount as a decimal string at the currency's precision (`"5"` → `"5.00"`), exactly. */
export function toDecimalAmount(money: Money): string {
  return formatUnits(toMinorUnitsExact(money), currencyExponent(money.currency), currencyExponent(money.currency));
}
