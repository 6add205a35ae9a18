/** What a provider returns for one page of a list, and the page sizes the API allows. */
import type { GatewayError } from './errors.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/**
 * Why a page size is refused, or null when it is fine: one wording, whichever check finds it
 * (the cost check before execution for every connection in the operation, or the list itself).
 */
export function pageSizeProblem(first: unknown): string | null {
  if (typeof first === 'number' && Number.isInteger(first) && first >= 1 && first <= MAX_PAGE_SIZE) return null;
  return `first must be an integer from 1 to ${MAX_PAGE_SIZE} (got ${String(first)})`;
}

/** The lists of the schema. */
export type ListKind = 'cardholders' | 'cards' | 'wallets' | 'transactions';

/** A position in one provider's list: `after` is a token this provider returned, opaque to others. */
export interface PageRequest {
  after?: string;
  limit: number;
}

export interface PageItem<T> {
  node: T;
  /** Resuming the list with `after: token` continues right after this item. */
  token: string;
}

export interface Page<T> {
  items: PageItem<T>[];
  hasMore: boolean;
}

export interface CardFilter {
  cardholderRef?: string;
  walletRef?: string;
}

export interface WalletFilter {
  cardholderRef?: string;
}

/** Narrows to one card or one wallet; status filters are applied by the gateway. */
export interface TransactionFilter {
  cardRef?: string;
  walletRef?: string;
}


/**
 * One entry per requested ref, in order; null where the provider has no such object; a
 * GatewayError where that one ref was refused without asking (the others still answer).
 */
export type Found<T> = Array<T | null | GatewayError>;
