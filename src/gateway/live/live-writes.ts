/**
 * What the writes tell the live updates: a card state changed through the gateway is
 * published as it is; an operation a money write or an issuance answered is published when
 * nobody has published anything newer about it (a replayed answer must not take a followed
 * operation back to PENDING), and followed by this replica while it is pending; once money
 * has moved, the cards and wallets it touched are read again if someone watches them (the read
 * publishes what changed).
 */
import type { Card } from '../../core/model.js';
import { isFinalStatus, type Operation } from '../../core/writes.js';
import type { Logger } from '../../core/logger.js';
import type { TenantScope } from '../tenant-scope.js';
import type { LiveUpdates } from './live-updates.js';
import type { OperationFollower } from './operation-follower.js';

/** The provider refs of what a money write touched. */
export interface Touched {
  cards: Array<string | null>;
  wallets: Array<string | null>;
}

export class LiveWrites {
  constructor(
    private readonly updates: LiveUpdates,
    private readonly follower: OperationFollower,
    private readonly log: Logger,
  ) {}

  async cardChanged(card: Card): Promise<void> {
    await this.updates.publish('card', card);
  }

  async operationAnswered(scope: TenantScope, operation: Operation, touched: Touched): Promise<void> {
    if (!this.updates.isWatched('operation', operation.provider, operation.ref)) await this.updates.publish('operation', operation);
    if (!isFinalStatus(operation.status)) {
      this.follower.follow(operation, true);
      return;
    }
    // Fire and forget: the mutation's answer does not wait for these reads.
    void this.refresh(scope, operation.provider, { cards: [...touched.cards, operation.cardRef], wallets: touched.wallets }).catch((error: Error) =>
      this.log.debug({ event: 'live.refresh_failed', err: error.message }, 'a watched card or wallet could not be read after a write'),
    );
  }

  private async refresh(scope: TenantScope, provider: Card['provider'], touched: Touched): Promise<void> {
    const reads: Array<Promise<unknown>> = [];
    for (const ref of new Set(touched.cards)) {
      if (!ref || !this.updates.isWatched('card', provider, ref)) continue;
      scope.loaders.card.clear({ provider, ref });
      reads.push(scope.loaders.card.load({ provider, ref }));
    }
    for (const ref of new Set(touched.wallets)) {
      if (!ref || !this.updates.isWatched('wallet', provider, ref)) continue;
      scope.loaders.wallet.clear({ provider, ref });
      scope.loaders.walletBalance.clear({ provider, ref });
      reads.push(
        scope.loaders.wallet.load({ provider, ref }).then(async (wallet) => {
          if (wallet && !wallet.balance) await scope.loaders.walletBalance.load({ provider, ref });
        }),
      );
    }
    await Promise.all(reads);
  }
}
