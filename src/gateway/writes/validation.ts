/**
 * Checks on mutation input, before anything is recorded or sent: each failure is a
 * BAD_USER_INPUT naming the field. Money is a positive decimal string within the currency's
 * precision; free text is bounded and printable.
 */
import { badInput } from '../../core/errors.js';
import { currencyExponent, type Money } from '../../core/money.js';

const ISO_CURRENCY = /^[A-Z]{3}$/;

export function money(field: string, amount: string, currency: string): Money {
  if (!ISO_CURRENCY.test(currency)) throw badInput(`${field}.currency must be an ISO 4217 code such as USD`);
  const exponent = currencyExponent(currency);
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(amount);
  if (!match) throw badInput(`${field}.amount must be a positive decimal string such as "12.50"`);
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) throw badInput(`${field}.amount has more than ${exponent} decimal places, the precision of ${currency}`);
  if (/^0*$/.test(match[1]! + fraction)) throw badInput(`${field}.amount must be greater than zero`);
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  return { amount: exponent > 0 ? `${whole}.${fraction.padEnd(exponent, '0')}` : whole, currency };
}

export function text(field: string, value: string, max = 100): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw badInput(`${field} must not be empty`);
  if (trimmed.length > max) throw badInput(`${field} must be at most ${max} characters`);
  if (/[\u0000-\u001f\u007f<>]/.test(trimmed)) throw badInput(`${field} contains characters that are not allowed`);
  return trimmed;
}

export function optionalText(field: string, value: string | null | undefined, max = 200): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : text(field, value, max);
}

export function email(field: string, value: string): string {
  const v = text(field, value, 254);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) throw badInput(`${field} must be an email address`);
  return v.toLowerCase();
}

export function phone(field: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (!/^\+[1-9]\d{6,14}$/.test(value)) throw badInput(`${field} must be in E.164 form, e.g. +14155550123`);
  return value;
}

export function pastDate(field: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : null;
  if (!match || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw badInput(`${field} must be a date in YYYY-MM-DD form`);
  }
  if (date.getTime() >= Date.now() || Number(match[1]) < 1900) throw badInput(`${field} must be a past date`);
  return value;
}

export function country(field: string, value: string): string {
  if (!/^[A-Z]{2}$/.test(value)) throw badInput(`${field} must be an ISO 3166-1 alpha-2 code such as FR`);
  return value;
}
