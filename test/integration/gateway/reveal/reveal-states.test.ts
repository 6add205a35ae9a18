/**
 * A card that can never be used again (CLOSED, LOST, STOLEN, EXPIRED) cannot be revealed, on
 * every provider whose simulator holds such cards: INVALID_STATE, audited as DENIED, no reveal
 * token. FROZEN and ACTIVE cards still can be.
 */
import { resetSandboxes, startTestGateway, type TestGateway } from '../../../support/gateway.js';

const REVEAL = 'mutation($id: ID!) { revealCard(cardId: $id) { token } }';
const REVEAL_PROVIDERS = ['UTGL', 'BAAS', 'CORPORATE', 'LEDGER'] as const;
const REFUSED = ['CLOSED', 'LOST', 'STOLEN', 'EXPIRED'];

describe('revealing a card that can no longer be used', () => {
  let gw: TestGateway;
  /** provider → status → one card id in that status. */
  const byStatus = new Map<string, Map<string, string>>();
  beforeAll(async () => {
    gw = await startTestGateway({ REVEAL_RATE_PER_MINUTE: '600' });
    for (const provider of REVEAL_PROVIDERS) {
      const statuses = new Map<string, string>();
      let after: string | null = null;
      do {
        const res: any = await gw.query(
          'query($p: Provider!, $a: String) { cards(first: 100, after: $a, filter: { provider: $p }) { nodes { id status } pageInfo { hasNextPage endCursor } } }',
          { p: provider, a: after },
        );
        for (const card of res.data.cards.nodes) if (!statuses.has(card.status)) statuses.set(card.status, card.id);
        after = res.data.cards.pageInfo.hasNextPage ? res.data.cards.pageInfo.endCursor : null;
      } while (after);
      byStatus.set(provider, statuses);
    }
  });
  afterAll(() => gw.close());
  beforeEach(() => resetSandboxes(gw));

  it('finds every refused status in some provider\'s sandbox, so each is exercised', () => {
    const covered = new Set([...byStatus.values()].flatMap((statuses) => [...statuses.keys()]));
    for (const status of REFUSED) expect(covered).toContain(status);
  });

  it.each(REVEAL_PROVIDERS)('refuses CLOSED, LOST, STOLEN and EXPIRED %s cards with INVALID_STATE, audited as DENIED', async (provider) => {
    const cards = byStatus.get(provider)!;
    const present = REFUSED.filter((status) => cards.has(status));
    expect(present.length).toBeGreaterThan(0);
    for (const status of present) {
      const id = cards.get(status)!;
      const res: any = await gw.query(REVEAL, { id });
      expect(res.data?.revealCard ?? null).toBeNull();
      expect(res.errors[0].extensions).toMatchObject({ code: 'INVALID_STATE', provider, retryable: false });
      expect(res.errors[0].message).toContain(status);
      const audited = (await gw.auditTrail()).filter((e) => e.target === id && e.action === 'card.reveal.requested');
      expect(audited.at(-1)).toMatchObject({ outcome: 'DENIED', code: 'INVALID_STATE' });
    }
  });

  it.each(REVEAL_PROVIDERS)('still reveals an ACTIVE or FROZEN %s card', async (provider) => {
    const cards = byStatus.get(provider)!;
    for (const status of ['ACTIVE', 'FROZEN'].filter((s) => cards.has(s))) {
      const res: any = await gw.query(REVEAL, { id: cards.get(status)! });
      expect(res.errors).toBeUndefined();
      expect(res.data.revealCard.token).toMatch(/^rvl_/);
    }
  });
});
