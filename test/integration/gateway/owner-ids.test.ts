/**
 * Ids verified against their owner. ledger's cards and wallets (`<customerAccountId>/<nameSpace>`)
 * and corporate's cards (`<external_user_id>/<card_id>`) name their owner in the id; a forged id
 * pairing one customer or user with another's card must answer like a card that does not exist —
 * on every read path, every write (nothing sent upstream) and revealCard (no token, audited as
 * DENIED) — whether or not the provider itself would have noticed.
 */
import { randomUUID } from 'node:crypto';
import { seal } from '../../../src/providers/corporate/envelope.js';
import type { CorporateStore } from '../../../src/providers/corporate/sandbox/index.js';
import type { LedgerStore } from '../../../src/providers/ledger/sandbox/index.js';
import type { SandboxServer } from '../../../src/sandbox/server.js';
import { globalId } from '../../support/global-id.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';

const NODE = 'query($id: ID!) { node(id: $id) { id } }';
const NODES = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
const CARD = 'query($id: ID!) { card(id: $id) { id status } }';
const REVEAL = 'mutation($id: ID!) { revealCard(cardId: $id) { token } }';
const STATE_CHANGES = ['freezeCard', 'unfreezeCard', 'reportCardLost', 'reportCardStolen', 'closeCard'] as const;

/** One provider's forged id, the paths it must not reach, and the requests that would betray it. */
interface ForgeryCase {
  provider: 'ledger' | 'corporate';
  /** An id naming one owner and another owner's existing, ACTIVE card. */
  forgedCard(): string;
  /** Requests the sandbox received that touch the victim's card (none may be a write or a reveal). */
  touched(): Array<{ method: string; path: string }>;
  /** The mutations taking a card id that this provider supports (others are refused before any look-up). */
  stateChanges: ReadonlyArray<(typeof STATE_CHANGES)[number]>;
}

describe('ids verified against their owner', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ REVEAL_RATE_PER_MINUTE: '600' });
  });
  afterAll(() => gw.close());
  beforeEach(() => resetSandboxes(gw));

  const ledger = (): LedgerStore => gw.sandboxes.stores.ledger!;
  const corporate = (): CorporateStore => gw.sandboxes.stores.corporate!;
  const server = (provider: string): SandboxServer => gw.sandboxes.servers[provider as 'ledger']!;
  const errorOf = (res: { errors?: Array<{ extensions: { code: string } }> }) => res.errors?.[0]?.extensions.code;

  const ledgerVictim = () => {
    const wallet = ledger().wallets.find((w) => ledger().cardOf(w)?.status === 'Active')!;
    const intruder = ledger().customers.find((c) => c.customerAccountId !== wallet.customerAccountId)!.customerAccountId;
    return { wallet, intruder };
  };
  const corporateVictim = () => {
    const card = [...corporate().cards.values()].find((c) => c.status === 'active')!;
    const intruder = [...corporate().users.keys()].find((id) => id !== card.external_user_id)!;
    return { card, intruder };
  };

  const cases: ForgeryCase[] = [
    {
      provider: 'ledger',
      forgedCard() {
        const { wallet, intruder } = ledgerVictim();
        return globalId('ledger', 'Card', `${intruder}/${wallet.domainNamespace}`);
      },
      // ledger acts on a namespace alone: any request naming the victim's namespace reached it.
      touched() {
        const nameSpace = ledgerVictim().wallet.domainNamespace;
        return server('ledger').requests.filter((r) => r.rawUrl.includes(encodeURIComponent(nameSpace)) || r.body.toString('utf8').includes(nameSpace));
      },
      stateChanges: ['freezeCard', 'unfreezeCard', 'reportCardLost', 'reportCardStolen'],
    },
    {
      provider: 'corporate',
      forgedCard() {
        const { card, intruder } = corporateVictim();
        return globalId('corporate', 'Card', `${intruder}/${card.card_id}`);
      },
      // Bodies are encrypted: any call other than the card read is a write or a reveal here.
      touched: () => server('corporate').requests.filter((r) => r.path !== '/api/v1/cards/get' && r.path !== '/api/v1/users/get'),
      stateChanges: ['freezeCard', 'unfreezeCard'],
    },
  ];

  describe.each(cases)('$provider', (c) => {
    it('answers reads of a forged card id as nothing: node null, nodes [null], card NOT_FOUND', async () => {
      const id = c.forgedCard();
      const node: any = await gw.query(NODE, { id });
      expect(node.errors).toBeUndefined();
      expect(node.data.node).toBeNull();
      const nodes: any = await gw.query(NODES, { ids: [id] });
      expect(nodes.data.nodes).toEqual([null]);
      const card: any = await gw.query(CARD, { id });
      expect(errorOf(card)).toBe('NOT_FOUND');
      expect(c.touched()).toEqual([]);
    });

    it('refuses every state change of a forged card id with NOT_FOUND, sending no write', async () => {
      const id = c.forgedCard();
      for (const mutation of c.stateChanges) {
        const res: any = await gw.query(`mutation($id: ID!) { ${mutation}(cardId: $id) { id status } }`, { id });
        expect([mutation, errorOf(res)]).toEqual([mutation, 'NOT_FOUND']);
      }
      expect(c.touched()).toEqual([]);
    });

    it('issues no reveal token for a forged card id, audits DENIED and reads no secret', async () => {
      const id = c.forgedCard();
      const res: any = await gw.query(REVEAL, { id });
      expect(errorOf(res)).toBe('NOT_FOUND');
      expect(res.data?.revealCard ?? null).toBeNull();
      const audited = (await gw.auditTrail()).filter((e) => e.target === id && e.action === 'card.reveal.requested');
      expect(audited).toEqual([expect.objectContaining({ outcome: 'DENIED', code: 'NOT_FOUND' })]);
      expect(c.touched()).toEqual([]);
    });
  });

  describe('ledger relations and lists', () => {
    it("answers another customer's namespace as no wallet, no card of the wallet and no history", async () => {
      const { wallet, intruder } = ledgerVictim();
      const forgedWallet = globalId('ledger', 'Wallet', `${intruder}/${wallet.domainNamespace}`);
      const forgedCard = globalId('ledger', 'Card', `${intruder}/${wallet.domainNamespace}`);
      const read: any = await gw.query('query($id: ID!) { wallet(id: $id) { id balance { amount } } }', { id: forgedWallet });
      expect(errorOf(read)).toBe('NOT_FOUND');
      const cards: any = await gw.query('query($w: ID!) { cards(first: 5, filter: { walletId: $w }) { nodes { id } } }', { w: forgedWallet });
      expect(cards.data.cards.nodes).toEqual([]);
      for (const filter of [{ cardId: forgedCard }, { walletId: forgedWallet }]) {
        const history: any = await gw.query('query($f: TransactionFilter) { transactions(first: 5, filter: $f) { nodes { id } } }', { f: filter });
        expect(errorOf(history)).toBe('NOT_FOUND');
      }
      expect(cases[0]!.touched()).toEqual([]);
    });

    it('issues no card on a wallet named with another customer as its holder, sending nothing', async () => {
      const bare = ledger().wallets.find((w) => !ledger().cardOf(w))!;
      const intruder = ledger().customers.find((c) => c.customerAccountId !== bare.customerAccountId)!.customerAccountId;
      const res: any = await gw.query(
        'mutation($k: String!, $i: IssueCardInput!) { issueCard(idempotencyKey: $k, input: $i) { card { id } } }',
        {
          k: randomUUID(),
          i: { cardholderId: globalId('ledger', 'Cardholder', intruder), walletId: globalId('ledger', 'Wallet', `${intruder}/${bare.domainNamespace}`), type: 'VIRTUAL' },
        },
      );
      expect(errorOf(res)).toBe('NOT_FOUND');
      expect(server('ledger').requests.filter((r) => r.method === 'POST')).toEqual([]);
      expect(ledger().cardOf(bare)).toBeUndefined();
    });
  });

  describe('corporate, when the provider itself does not check the owner', () => {
    /** corporate answers `/cards/get` with the victim's card whatever user was named. */
    const lenient = (card: object) =>
      server('corporate').inject({ method: 'POST', path: '/api/v1/cards/get', status: 200, body: seal({ success: true, data: card }, gw.sandboxes.endpoints.corporate!.secretKey) });

    it("does not take another user's card for the forged id's: NOT_FOUND on read, write and reveal, nothing sent", async () => {
      const { card } = corporateVictim();
      lenient(card);
      const id = cases[1]!.forgedCard();
      expect(errorOf(await gw.query(CARD, { id }))).toBe('NOT_FOUND');
      expect(errorOf(await gw.query('mutation($id: ID!) { freezeCard(cardId: $id) { id } }', { id }))).toBe('NOT_FOUND');
      const topUp: any = await gw.query(
        'mutation($k: String!, $i: TopUpCardInput!) { topUpCard(idempotencyKey: $k, input: $i) { id } }',
        { k: randomUUID(), i: { cardId: id, amount: '5.00', currency: 'USD' } },
      );
      expect(errorOf(topUp)).toBe('NOT_FOUND');
      const reveal: any = await gw.query(REVEAL, { id });
      expect(errorOf(reveal)).toBe('NOT_FOUND');
      expect(cases[1]!.touched()).toEqual([]);
      expect(corporate().cards.get(card.card_id)!.status).toBe('active');
    });

    it('tops up no card named with another user, sending no top-up order', async () => {
      const id = cases[1]!.forgedCard();
      const res: any = await gw.query(
        'mutation($k: String!, $i: TopUpCardInput!) { topUpCard(idempotencyKey: $k, input: $i) { id } }',
        { k: randomUUID(), i: { cardId: id, amount: '5.00', currency: 'USD' } },
      );
      expect(errorOf(res)).toBe('NOT_FOUND');
      expect(cases[1]!.touched()).toEqual([]);
    });
  });
});
