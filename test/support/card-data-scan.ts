/**
 * The log-capture check every integration gateway runs when it closes: collect the card
 * numbers and CVVs the simulators hold (walking their stores generically: Luhn-valid 12–19
 * digit strings, and any value under a `cvv` key), and fail if any of them, or any `cvv`
 * field at all, appears in what the gateway logged.
 */
export interface CardData {
  pans: Set<string>;
  cvvs: Set<string>;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function collectCardData(root: unknown): CardData {
  const data: CardData = { pans: new Set(), cvvs: new Set() };
  const seen = new Set<unknown>();
  const visit = (value: unknown, key: string | undefined, depth: number): void => {
    if (depth > 12) return;
    if (typeof value === 'string') {
      if (/^\d{12,19}$/.test(value) && luhn(value)) data.pans.add(value);
      if (key && /^cvv$/i.test(key)) data.cvvs.add(value);
      return;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (value instanceof Map) {
      for (const [k, v] of value) visit(v, typeof k === 'string' ? k : undefined, depth + 1);
    } else if (Array.isArray(value) || value instanceof Set) {
      for (const v of value) visit(v, key, depth + 1);
    } else {
      for (const [k, v] of Object.entries(value)) visit(v, k, depth + 1);
    }
  };
  visit(root, undefined, 0);
  return data;
}

/** The leaks found in `logText`: PANs verbatim, and any cvv field. */
export function findCardDataLeaks(logText: string, data: CardData): string[] {
  const leaks: string[] = [];
  for (const pan of data.pans) if (logText.includes(pan)) leaks.push(`PAN ending ${pan.slice(-4)}`);
  if (/"cvv"\s*:/i.test(logText)) leaks.push('a cvv field');
  return leaks;
}
