/**
 * Reading provider objects defensively: a field that is missing or of the wrong type is a
 * typed UPSTREAM_ERROR naming the object and field, never an `undefined` that leaks into
 * the schema or a crash further down.
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';
import type { ProviderKey } from '../../core/provider-key.js';

export class UpstreamObject {
  private readonly record: Record<string, unknown>;

  constructor(
    private readonly provider: ProviderKey,
    private readonly what: string,
    value: unknown,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.malformed(`is not an object`);
    }
    this.record = value as Record<string, unknown>;
  }

  raw(field: string): unknown {
    return this.record[field];
  }

  string(field: string): string {
    const value = this.record[field];
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value !== 'string' || value.length === 0) throw this.malformed(`has no ${field}`);
    return value;
  }

  optString(field: string): string | null {
    const value = this.record[field];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value !== 'string') throw this.malformed(`has a malformed ${field}`);
    return value;
  }

  optInt(field: string): number | null {
    const value = this.record[field];
    if (value === undefined || value === null || value === '') return null;
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw this.malformed(`has a malformed ${field}`);
    return n;
  }

  optBoolean(field: string): boolean | null {
    const value = this.record[field];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'boolean') throw this.malformed(`has a malformed ${field}`);
    return value;
  }

  object(field: string): UpstreamObject {
    return new UpstreamObject(this.provider, `${this.what}.${field}`, this.record[field]);
  }

  optObject(field: string): UpstreamObject | null {
    const value = this.record[field];
    return value === undefined || value === null ? null : new UpstreamObject(this.provider, `${this.what}.${field}`, value);
  }

  array(field: string): unknown[] {
    const value = this.record[field];
    if (!Array.isArray(value)) throw this.malformed(`has no ${field} list`);
    return value;
  }

  private malformed(problem: string): GatewayError {
    return new GatewayError(ErrorCode.UPSTREAM_ERROR, `${this.provider.toUpperCase()} sent a ${this.what} that ${problem}`, {
      provider: this.provider,
    });
  }
}

/**
 * A contract table's entry for a value a provider sent; undefined for a value its contract
 * does not list. Own keys only, so a hostile `constructor` or `__proto__` is never an entry.
 */
export function documented<K extends PropertyKey, V>(table: { readonly [P in K]: V }, value: string | number | null | undefined): V | undefined {
  if (value === null || value === undefined || !Object.hasOwn(table, value)) return undefined;
  return table[value as K];
}

export function upstreamObject(provider: ProviderKey, what: string, value: unknown): UpstreamObject {
  return new UpstreamObject(provider, what, value);
}
