/**
 * The lists of the schema, as sources for `mergeSources`: which providers (or which scopes
 * of a provider) answer a list, and the filters the gateway applies itself. A list narrowed
 * to an object's id goes to that object's provider only; otherwise it fans out to every
 * configured provider with the capability.
 *
 * A provider that cannot serve a list never erases the answer: the list comes back (empty,
 * or with the other providers' items) and names it in `failures` with UNSUPPORTED_BY_PROVIDER
 * — corporate's wallet transactions, globex's unfiltered transactions.
 */
import { Capability, type CardProvider } from '../providers/provider.js';
import { type Page, type PageRequest, type TransactionFilter } from '../core/page.js';
import type { CallContext } from '../core/call-context.js';
import { badInput, unsupported } from '../core/errors.js';
import { decodeGlobalId, type NodeType } from '../core/global-id.js';
import type { Card, CardStatus, Cardholder, Transaction, TransactionStatus, Wallet } from '../core/model.js';
import { collectFiltered, mergeSources, validateFirst, type MergedPage, type Source, type SourceFailure } from './pagination.js';
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

/** Who answers a list, and who cannot (named in the page's failures, never thrown). */
interface Serving<S> {
  sources: S[];
  unsupported: SourceFailure[];
}

/** `skipped`: a fan-out passed it by (failures only); otherwise it was asked by name (errors too). */
const cannot = (provider: CardProvider, operation: string, skipped: boolean): SourceFailure => ({
  provider: provider.key,
  error: unsupported(provider.key, operation),
  ...(skipped ? { skipped } : {}),
});

/** The page, its failures followed by the providers that cannot serve the list (the page's cursors stay unencoded until read). */
function withUnsupported<T>(page: MergedPage<T>, unsupported: SourceFailure[]): MergedPage<T> {
  page.failures.push(...unsupported);
  return page;
}

export class Lists {
  constructor(private readonly registry: ProviderRegistry) {}

  /** A provider outside the viewer's tenant answers like one holding nothing: an empty list. */
  private providers(pinned: ProviderKey | undefined, capability: Capability, operation: string): Serving<CardProvider> {
    if (pinned && !this.registry.has(pinned)) return { sources: [], unsupported: [] };
    const asked = pinned ? [this.registry.get(pinned)] : this.registry.list().map((e) => e.provider);
    return {
      sources: asked.filter((p) => p.capabilities.has(capability)),
      unsupported: asked.filter((p) => !p.capabilities.has(capability)).map((p) => cannot(p, operation, !pinned)),
    };
  }

  async cardholders(filter: { provider?: ProviderKey | null }, args: ListArgs, cx: CallContext): Promise<MergedPage<Cardholder>> {
    const first = validateFirst(args.first);
    const serving = this.providers(filter.provider ?? undefined, Capability.CARDHOLDER_LIST, 'listing cardholders');
    const sources = serving.sources.map(
      (p): Source<Cardholder> => ({ key: p.key, provider: p.key, undated: p.undatedLists.has('cardholders'), fetch: (page) => p.listCardholders(page, cx) }),
    );
    return withUnsupported(await mergeSources(sources, first, args.after, fingerprint('cardholders', filter), timeOf), serving.unsupported);
  }

  async cards(filter: CardListFilter, args: ListArgs, cx: CallContext): Promise<MergedPage<Card>> {
    const first = validateFirst(args.first);
    const { provider, refs } = pinnedProvider(filter.provider, [[filter.cardholderId, 'Cardholder'], [filter.walletId, 'Wallet']]);
    const serving = this.providers(provider, Capability.CARD_LIST, 'listing cards');
    const sources = serving.sources.map(
      (p): Source<Card> => ({
        key: p.key,
        provider: p.key,
        undated: p.undatedLists.has('cards'),
        fetch: withStatus((page) => p.listCards({ cardholderRef: refs.Cardholder, walletRef: refs.Wallet }, page, cx), filter.status),
      }),
    );
    return withUnsupported(await mergeSources(sources, first, args.after, fingerprint('cards', filter), timeOf), serving.unsupported);
  }

  async wallets(filter: WalletListFilter, args: ListArgs, cx: CallContext): Promise<MergedPage<Wallet>> {
    const first = validateFirst(args.first);
    const { provider, refs } = pinnedProvider(filter.provider, [[filter.cardholderId, 'Cardholder']]);
    const serving = this.providers(provider, Capability.WALLET_LIST, 'listing wallets');
    const sources = serving.sources.map(
      (p): Source<Wallet> => ({
        key: p.key,
        provider: p.key,
        undated: p.undatedLists.has('wallets'),
        fetch: (page) => p.listWallets({ cardholderRef: refs.Cardholder }, page, cx),
      }),
    );
    return withUnsupported(await mergeSources(sources, first, args.after, fingerprint('wallets', filter), timeOf), serving.unsupported);
  }

  async transactions(filter: TransactionListFilter, args: ListArgs, cx: CallContext): Promise<MergedPage<Transaction>> {
    const first = validateFirst(args.first);
    const { provider, refs } = pinnedProvider(filter.provider, [
      [filter.cardholderId, 'Cardholder'],
      [filter.cardId, 'Card'],
      [filter.walletId, 'Wallet'],
    ]);
    const serving = await this.transactionSources(provider, refs, cx);
    const filtered = serving.sources.map((s) => ({ ...s, fetch: withStatus(s.fetch, filter.status) }));
    return withUnsupported(await mergeSources(filtered, first, args.after, fingerprint('transactions', filter), timeOf), serving.unsupported);
  }

  private async transactionSources(
    pinned: ProviderKey | undefined,
    refs: Partial<Record<NodeType, string>>,
    cx: CallContext,
  ): Promise<Serving<Source<Transaction>>> {
    const source = (p: CardProvider, scope: TransactionFilter, key: string): Source<Transaction> => ({
      key,
      provider: p.key,
      fetch: (page) => p.listTransactions(scope, page, cx),
    });
    if (pinned && !this.registry.has(pinned)) return { sources: [], unsupported: [] };
    if (refs.Card || refs.Wallet) {
      const p = this.registry.get(pinned!);
      const capability = refs.Card ? Capability.TRANSACTION_LIST_BY_CARD : Capability.TRANSACTION_LIST_BY_WALLET;
      const operation = `listing a ${refs.Card ? 'card' : 'wallet'}'s transactions`;
      if (!p.capabilities.has(capability)) return { sources: [], unsupported: [cannot(p, operation, false)] };
      return { sources: [source(p, { cardRef: refs.Card, walletRef: refs.Wallet }, p.key)], unsupported: [] };
    }
    if (refs.Cardholder) {
      // A cardholder's transactions are those of their wallets and/or cards (the provider says which).
      const p = this.registry.get(pinned!);
      if (!p.capabilities.has(Capability.TRANSACTION_LIST_BY_WALLET) && !p.capabilities.has(Capability.TRANSACTION_LIST_BY_CARD)) {
        return { sources: [], unsupported: [cannot(p, "listing a cardholder's transactions", false)] };
      }
      const scopes = await p.cardholderTransactionScopes(refs.Cardholder, cx);
      return {
        sources: scopes.map((scope) => source(p, scope, `${p.key}:${scope.cardRef ? `card:${scope.cardRef}` : `wallet:${scope.walletRef}`}`)),
        unsupported: [],
      };
    }
    const serving = this.providers(pinned, Capability.TRANSACTION_LIST, 'listing transactions without a card or wallet');
    return { sources: serving.sources.map((p) => source(p, {}, p.key)), unsupported: serving.unsupported };
  }
}
