/**
 * Deterministic data for the simulators: a seeded PRNG (mulberry32), the draws built on it
 * (weighted tables, shuffles, seeded ages, Luhn-valid PANs) and small name pools, so every
 * start of a sandbox holds the same cardholders, cards and transactions.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A string of `length` decimal digits. */
  digits(length: number): string {
    let s = '';
    for (let i = 0; i < length; i += 1) s += String(this.int(0, 9));
    return s;
  }

  /** A lower-case hex string of `length` characters. */
  hex(length: number): string {
    let s = '';
    for (let i = 0; i < length; i += 1) s += this.int(0, 15).toString(16);
    return s;
  }

  /** An id such as `card_3f9a…`: the prefix, an underscore and 16 hex characters. */
  id(prefix: string): string {
    return `${prefix}_${this.hex(16)}`;
  }

  /** A deterministic RFC 4122-shaped v4 UUID. */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

export const FIRST_NAMES = [
  'Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'Dennis',
  'Radia', 'Leslie', 'Shafi', 'Tim', 'Katherine', 'John', 'Hedy', 'Linus', 'Annie', 'Niklaus',
];
export const LAST_NAMES = [
  'Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'Ritchie',
  'Perlman', 'Lamport', 'Goldwasser', 'Berners-Lee', 'Johnson', 'McCarthy', 'Lamarr', 'Torvalds', 'Easley', 'Wirth',
];
export const MERCHANTS: ReadonlyArray<{ name: string; mcc: string; country: string }> = [
  { name: 'Blue Bottle Coffee', mcc: '5814', country: 'US' },
  { name: 'Deutsche Bahn', mcc: '4112', country: 'DE' },
  { name: 'Amazon Web Services', mcc: '7372', country: 'US' },
  { name: 'Monoprix', mcc: '5411', country: 'FR' },
  { name: 'Uber', mcc: '4121', country: 'NL' },
  { name: 'Shell', mcc: '5541', country: 'GB' },
  { name: 'IKEA', mcc: '5712', country: 'SE' },
  { name: 'Spotify', mcc: '5815', country: 'SE' },
  { name: 'Lufthansa', mcc: '3008', country: 'DE' },
  { name: 'Netflix', mcc: '4899', country: 'US' },
];

/** The Luhn sum of `digits` (check digit last): every second digit from the right, starting with the second, doubled. */
function luhnSum(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum;
}

/** Whether the last digit of `digits` is its Luhn check digit. */
export function isLuhnValid(digits: string): boolean {
  return luhnSum(digits) % 10 === 0;
}

/** A Luhn-valid PAN starting with `bin` and `length` digits long. */
export function luhnPan(rng: SeededRandom, bin: string, length = 16): string {
  const body = bin + rng.digits(length - bin.length - 1);
  return body + String((10 - (luhnSum(`${body}0`) % 10)) % 10);
}

/** A fixed clock for seeded data: timestamps count back from this instant. */
export const SEED_EPOCH = Date.UTC(2026, 9, 1, 12, 0, 0);

/** ISO-8601 UTC timestamp `minutesAgo` minutes before the seed epoch. */
export function seededTimestamp(minutesAgo: number): string {
  return new Date(SEED_EPOCH - minutesAgo * 60_000).toISOString();
}

/** Minutes in a day, for seeded ages. */
export const DAY_MINUTES = 24 * 60;

/**
 * A seeded timestamp `fromDays` to `toDays` days before the seed epoch, and at least a minute
 * before it, so seeded objects are all in its past.
 */
export function daysAgo(rng: SeededRandom, fromDays: number, toDays: number): string {
  return seededTimestamp(rng.int(Math.max(1, fromDays * DAY_MINUTES), toDays * DAY_MINUTES));
}

/** Values and their relative weights. */
export type WeightTable<T> = ReadonlyArray<readonly [T, number]>;

/** A value of `table`, drawn with one `next()` in proportion to the weights. */
export function weighted<T>(rng: SeededRandom, table: WeightTable<T>): T {
  const total = table.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = rng.next() * total;
  for (const [value, weight] of table) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return table[table.length - 1]![0];
}

/** The first records take each value once (no draw), so every seed shows every value; then weighted. */
export function spread<T>(rng: SeededRandom, index: number, table: WeightTable<T>): T {
  return index < table.length ? table[index]![0] : weighted(rng, table);
}

/** A shuffled copy of `items` (Fisher–Yates, one `int` per position from the end). */
export function shuffle<T>(rng: SeededRandom, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
