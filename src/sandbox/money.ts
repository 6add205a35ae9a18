/** Money in the simulators: decimal strings with two minor digits ↔ exact integer cents. */

/** `"12.3"` → `1230n`. The caller has checked the format (each provider has its own rule). */
export function toCents(amount: string): bigint {
  const [whole = '0', fraction = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** `-1230n` → `"-12.30"`. */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}
