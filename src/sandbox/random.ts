/**
 * Deterministic data for the simulators: a seeded PRNG (mulberry32) and small name pools,
 * so every start of a sandbox holds the same cardholders, cards and transactions.
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

/** A Luhn-valid PAN starting with `bin` and `length` digits long. */
export function luhnPan(rng: SeededRandom, bin: string, length = 16): string {
  let body = bin + rng.digits(length - bin.length - 1);
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  body += String((10 - (sum % 10)) % 10);
  return body;
}

/** A fixed clock for seeded data: timestamps count back from this instant. */
export const SEED_EPOCH = Date.UTC(2026, 9, 1, 12, 0, 0);

/** ISO-8601 UTC timestamp `minutesAgo` minutes before the seed epoch. */
export function seededTimestamp(minutesAgo: number): string {
  return new Date(SEED_EPOCH - minutesAgo * 60_000).toISOString();
}
