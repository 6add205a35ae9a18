/**
 * The lists of the schema, as sources for `mergeSources`: which providers (or which scopes
 * of a provider) answer a list, and the filters the gateway applies itself. A list narrowed
 * to an object's id goes to that object's provider only; otherwise it fans out to every
 * configured provider with the capability.
 */
import { Capability, type CardProvider } from '../providers/provider.js';
import { type Page, type PageRequest, type TransactionFilter } from '../core/page.js';
import type { CallContext } from '../core/call-context.js';
import { badInput, unsupported } from '../core/errors.js';
import { decodeGlobalId, type NodeType } from '../core/global-id.js';
import type { Card, CardStatus, Cardholder, Transaction, TransactionStatus, Wallet } from '../core/model.js';
import { collectFiltered, mergeSources, validateFirst, type MergedPage, type Source } from './pagination.js';
import type { ProviderKey } from '../core/provider-key.js';
import type { ProviderRegistry } from './registry.js';

export interface ListArgs {
  first?: number | null;
  after?: string | null;
}

export interface CardListFilter {
  provider?: ProviderKey | null;
  cardholderId?: string | null;
  walletId?: string | null;
  status?: CardStatus | null;
}

export interface WalletListFilter {
  provider?: ProviderKey | null;
  cardholderId?: string | null;
}

export interface TransactionListFilter {
  provider?: ProviderKey | null;
  cardholderId?: string | null;
  cardId?: string | null;
  walletId?: string | null;
  status?: TransactionStatus | null;
}

const timeOf = (node: { createdAt: Date | null }): number | null => node.createdAt?.getTime() ?? null;

/** Ties a cursor to the list and filter it was issued for. */
function fingerprint(list: string, filter: object): string {
  return `${list}:${JSON.stringify(filter, Object.keys(filter).sort())}`;
}

/** The provider a filter's ids pin the list to, checking they agree with each other. */
function pinnedProvider(requested: ProviderKey | null | undefined, ids: Array<[string | null | undefined, NodeType]>): {
  provider: ProviderKey | undefined;
  refs: Partial<Record<NodeType, string>>;
} {
  let provider = requested ?? undefined;
  const refs: Partial<Record<NodeType, string>> = {};
  for (const [id, type] of ids) {
    if (id === null || id === undefined) continue;
    const decoded = decodeGlobalId(id, type);
    if (provider && decoded.provider !== provider) {
      throw badInput(`The ${type.toLowerCase()} ${id} belongs to ${decoded.provider.toUpperCase()}, not ${provider.toUpperCase()}`);
    }
    provider = decoded.provider;
    refs[type] = decoded.ref;
  }
  return { provider, refs };
}

function withStatus<T extends { status: string }>(fetch: (page: PageRequest) => Promise<Page<T>>, status: string | null | undefined) {
  if (!status) return fetch;
  return (page: PageRequest) => collectFiltered(page, (after, limit) => fetch({ after, limit }), (n) => n.status === status);
}

export class Lists {
  constructor(private readonly registry: ProviderRegistry) {}

  /** A provider outside the viewer's tenant answers like one holding nothing: an empty list. */
  private providers(pinned: ProviderKey | undefined, capability: Capability, operation: string): CardProvider[] {
    if (pinned && !this.registry.has(pinned)) return [];
    return pinned ? [this.registry.require(pinned, capability, operation)] : this.registry.capable(capability);
  }

  async cardholders(filter: { provider?: ProviderKey | null }, args: ListArgs, cx: CallContext): Promise<MergedPage<Cardholder>> {
    const first = validateFirst(args.first);
    const sources = this.providers(filter.provider ?? undefined, Capability.CARDHOLDER_LIST, 'listing cardholders').map(
      (p): Source<Cardholder> => ({ key: p.key, provider: p.key, undated: p.undatedLists.has('cardholders'), fetch: (page) => p.listCardholders(page, cx) }),
    );
    return mergeSources(sources, first, args.after, fingerprint('cardholders', filter), timeOf);
  }

  async cards(filter: CardListFilter, args: ListArgs, cx: CallContext): Promise<MergedPage<Card>> {
    const first = validateFirst(args.first);
    const { provider, refs } = pinnedProvider(filter.provider, [[filter.cardholderId, 'Cardholder'], [filter.walletId, 'Wallet']]);
    const sources = this.providers(provider, Capability.CARD_LIST, 'listing cards').map(
      (p): Source<Card> => ({
        key: p.key,
        provider: p.key,
        undated: p.undatedLists.has('cards'),
        fetch: withStatus((page) => p.listCards({ cardholderRef: refs.Cardholder, walletRef: refs.Wallet }, page, cx), filter.status),
      }),
    );
    return mergeSources(sources, first, args.after, fingerprint('cards', filter), timeOf);
  }

  async wallets(filter: WalletListFilter, args: ListArgs, cx: CallContext): Promise<MergedPage<Wallet>> {
    const first = validateFirst(args.first);
    const { provider, refs } = pinnedProvider(filter.provider, [[filter.cardholderId, 'Cardholder']]);
    const sources = this.providers(provider, Capability.WALLET_LIST, 'listing wallets').map(
      (p): Source<Wallet> => ({
        key: p.key,
        provider: p.key,
        undated: p.undatedLists.has('wallets'),
        fetch: (page) => p.listWallets({ cardholderRef: refs.Cardholder }, page, cx),
      }),
    );
    return mergeSources(sources, first, args.after, fingerprint('wallets', filter), timeOf);
  }

  async transactions(filter: TransactionListFilter, args: ListArgs, cx: CallContext): Promise<MergedPage<Transaction>> {
    const first = validateFirst(args.first);
    const { provider, refs } = pinnedProvider(filter.provider, [
      [filter.cardholderId, 'Cardholder'],
      [filter.cardId, 'Card'],
      [filter.walletId, 'Wallet'],
    ]);
    const sources = await this.transactionSources(provider, refs, cx);
    const filtered = sources.map((s) => ({ ...s, fetch: withStatus(s.fetch, filter.status) }));
    return mergeSources(filtered, first, args.after, fingerprint('transactions', filter), timeOf);
  }

  private async transactionSources(
    pinned: ProviderKey | undefined,
    refs: Partial<Record<NodeType, string>>,
    cx: CallContext,
  ): Promise<Source<Transaction>[]> {
    const source = (p: CardProvider, scope: TransactionFilter, key: string): Source<Transaction> => ({
      key,
      provider: p.key,
      fetch: (page) => p.listTransactions(scope, page, cx),
    });
    if (pinned && !this.registry.has(pinned)) return [];
    if (refs.Card || refs.Wallet) {
      const p = this.registry.require(pinned!, refs.Card ? Capability.TRANSACTION_LIST_BY_CARD : Capability.TRANSACTION_LIST_BY_WALLET, 'listing transactions');
      return [source(p, { cardRef: refs.Card, walletRef: refs.Wallet }, p.key)];
    }
    if (refs.Cardholder) {
      // A cardholder's transactions are those of their wallets and/or cards (the provider says which).
      const p = this.registry.get(pinned!);
      if (!p.capabilities.has(Capability.TRANSACTION_LIST_BY_WALLET) && !p.capabilities.has(Capability.TRANSACTION_LIST_BY_CARD)) {
        throw unsupported(p.key, "listing a cardholder's transactions");
      }
      const scopes = await p.cardholderTransactionScopes(refs.Cardholder, cx);
      return scopes.map((scope) => source(p, scope, `${p.key}:${scope.cardRef ? `card:${scope.cardRef}` : `wallet:${scope.walletRef}`}`));
    }
    return this.providers(pinned, Capability.TRANSACTION_LIST, 'listing transactions without a card or wallet').map((p) => source(p, {}, p.key));
  }
}
