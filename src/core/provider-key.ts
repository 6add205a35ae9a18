/** The five upstream providers, by their configuration key. */
export const PROVIDER_KEYS = ['utgl', 'baas', 'corporate', 'ledger', 'pushpull'] as const;
export type ProviderKey = (typeof PROVIDER_KEYS)[number];

export function isProviderKey(value: string): value is ProviderKey {
  return (PROVIDER_KEYS as readonly string[]).includes(value);
}
