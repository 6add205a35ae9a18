/**
 * ledger's writes at the provider level, over real HTTP against its simulator: a debit card
 * requested for a wallet (one per wallet, issued at once, nothing of its PAN or CVV kept but
 * the last four digits), block / unblock and the lost and stolen reports. ledger takes no
 * idempotency key: a card request is reconciled through the wallet it was for.
 */
import { randomUUID } from 'node:crypto';
import { createCallContext } from '../../../src/core/call-context.js';
import { ErrorCode } from '../../../src/core/errors.js';
import { deriveKeys } from '../../../src/gateway/writes/idempotency-keys.js';
import { CardType } from '../../../src/core/model.js';
import { createLogger } from '../../../src/core/logger.js';
import { Capability } from '../../../src/providers/provider.js';
import type { LedgerProvider } from '../../../src/providers/ledger/provider.js';
import {
  LEDGER_CARD_PRODUCT,
  LEDGER_TOKEN_SYMBOL,
  type LedgerWallet,
} from '../../../src/providers/ledger/sandbox/store.js';
import type { LedgerStore } from '../../../src/providers/ledger/sandbox/index.js';
import { CardAction, OperationKind, type WriteRequest } from '../../../src/core/writes.js';
import type { SandboxServer } from '../../../src/sandbox/server.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { failure } from '../../support/failure.js';

describe('ledger writes (provider level)', () => {
  let gw: TestGateway;
  let store: LedgerStore;
  let server: SandboxServer;

  beforeAll(async () => {
    gw = await startTestGateway();
    store = gw.sandboxes.stores.ledger!;
    server = gw.sandboxes.servers.ledger!;
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  const provider = () => gw.registry.get('ledger') as LedgerProvider;
  const cx = () => createCallContext(`req-${randomUUID()}`, createLogger('silent'));
  const write = (gatewayKey = randomUUID(), attempt = 0): WriteRequest => ({
    cx: cx(),
    gatewayKey,
    attempt,
    ...deriveKeys('acme', gatewayKey, 'ledger', attempt),
  });
  const refOf = (wallet: LedgerWallet) => `${wallet.customerAccountId}/${wallet.domainNamespace}`;
  /** Wallets without a card, taken one per test so that no test sees another's card. */
  const uncarded = () => store.wallets.filter((w) => !store.cardOf(w));
  const withCard = (status: string) => store.wallets.filter((w) => store.cardOf(w)?.status === status);
  const cardOf = (wallet: LedgerWallet) => store.cardOf(wallet)!;
  const requests = (method: string, path: string) => server.requests.filter((r) => r.method === method && r.path === path);
  const bodyOf = (r: { body: Buffer }) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
  const newCard = (wallet: LedgerWallet, cardholderRef = wallet.customerAccountId) => ({ cardholderRef, walletRef: refOf(wallet), type: CardType.VIRTUAL });


  it('declares card issuance, freeze and reports, and not cardholder creation (onboarding needs a selfie and bank details)', () => {
    const capabilities = provider().capabilities;
    expect(capabilities.has(Capability.CARD_ISSUE)).toBe(true);
    expect(capabilities.has(Capability.CARD_FREEZE)).toBe(true);
    expect(capabilities.has(Capability.CARD_REPORT)).toBe(true);
    expect(capabilities.has(Capability.CARD_CLOSE)).toBe(false);
    expect(capabilities.has(Capability.CARDHOLDER_CREATE)).toBe(false);
  });

  describe('issueCard', () => {
    it('requests a card for the wallet with an eligible product and the tenant token, and keeps nothing of its PAN or CVV but the last four', async () => {
      const wallet = uncarded()[0]!;
      const cards = store.cards.length;
      const issued = await provider().issueCard(newCard(wallet), write());
      expect(store.cards).toHaveLength(cards + 1);
      const stored = cardOf(wallet);
      expect(issued.operation).toBeNull();
      expect(issued.card).toEqual({
        provider: 'ledger',
        ref: refOf(wallet),
        cardholderRef: wallet.customerAccountId,
        walletRef: refOf(wallet),
        status: 'ACTIVE',
        providerStatus: '1000 Active',
        type: 'UNKNOWN',
        brand: 'VISA',
        last4: stored.cardNumber.slice(-4),
        expiryMonth: Number(stored.expiryDate.slice(5, 7)),
        expiryYear: Number(stored.expiryDate.slice(0, 4)),
        createdAt: null,
      });
      const text = JSON.stringify(issued);
      expect(text).not.toContain(stored.cardNumber);
      expect(text).not.toContain(`"${stored.cvv}"`);
      expect(requests('GET', '/cards/eligible-cards').map((r) => r.rawUrl)).toEqual([`/cards/eligible-cards?nameSpace=${encodeURIComponent(wallet.domainNamespace)}`]);
      expect(requests('POST', '/cards/request-card').map(bodyOf)).toEqual([
        { nameSpace: wallet.domainNamespace, cardProductId: LEDGER_CARD_PRODUCT.cardProductId, tokenSymbol: LEDGER_TOKEN_SYMBOL },
      ]);
    });

    it('answers CONFLICT for a wallet that already has a card, without requesting one', async () => {
      const wallet = withCard('Active')[0]!;
      const cards = store.cards.length;
      expect(await failure(provider().issueCard(newCard(wallet), write()))).toMatchObject({ code: ErrorCode.CONFLICT, provider: 'ledger' });
      expect(requests('POST', '/cards/request-card')).toHaveLength(0);
      expect(store.cards).toHaveLength(cards);
    });

    it('requires a wallet, and one of the cardholder\'s own', async () => {
      const wallet = uncarded()[0]!;
      const before = server.totalRequests;
      await expect(provider().issueCard({ cardholderRef: wallet.customerAccountId, walletRef: null, type: CardType.VIRTUAL }, write())).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
      });
      expect(server.totalRequests).toBe(before);
      const someoneElse = store.customers.find((c) => c.customerAccountId !== wallet.customerAccountId)!.customerAccountId;
      await expect(provider().issueCard(newCard(wallet, someoneElse), write())).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      // A ref pairing a customer with another customer's namespace names no wallet.
      await expect(
        provider().issueCard({ cardholderRef: someoneElse, walletRef: `${someoneElse}/${wallet.domainNamespace}`, type: CardType.VIRTUAL }, write()),
      ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      expect(requests('POST', '/cards/request-card')).toHaveLength(0);
      expect(store.cardOf(wallet)).toBeUndefined();
    });

    it('finds a card request whose answer was lost by its wallet, and a resend answers that card without requesting a second', async () => {
      const wallet = uncarded()[0]!;
      const cards = store.cards.length;
      const gatewayKey = randomUUID();
      server.inject({ method: 'POST', path: '/cards/request-card', dropAfterHandling: true, times: 1 });
      expect(await failure(provider().issueCard(newCard(wallet), write(gatewayKey)))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, provider: 'ledger' });
      expect(store.cards).toHaveLength(cards + 1);

      const first = write(gatewayKey);
      expect(await provider().findOperation(OperationKind.CARD_ISSUE, first.reference, first)).toMatchObject({
        provider: 'ledger',
        kind: OperationKind.CARD_ISSUE,
        status: 'COMPLETED',
        reference: first.reference,
        cardRef: refOf(wallet),
        ref: refOf(wallet),
      });

      // A resend (the gateway restarted and forgot, say) re-checks the wallet and answers its card.
      const resent = await provider().issueCard(newCard(wallet), write(gatewayKey, 1));
      expect(resent.card).toMatchObject({ ref: refOf(wallet), last4: cardOf(wallet).cardNumber.slice(-4) });
      expect(requests('POST', '/cards/request-card')).toHaveLength(1);
      expect(store.cards).toHaveLength(cards + 1);
    });

    it('answers null for a request that never reached ledger (a 503), and the resend issues the card once', async () => {
      const wallet = uncarded()[0]!;
      const cards = store.cards.length;
      const gatewayKey = randomUUID();
      server.inject({ method: 'POST', path: '/cards/request-card', status: 503, body: { errors: [{ type: 'Service', message: 'Unavailable' }] }, times: 1 });
      expect(await failure(provider().issueCard(newCard(wallet), write(gatewayKey)))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN });
      const first = write(gatewayKey);
      expect(await provider().findOperation(OperationKind.CARD_ISSUE, first.reference, first)).toBeNull();
      const resent = await provider().issueCard(newCard(wallet), write(gatewayKey, 1));
      expect(resent.card).toMatchObject({ ref: refOf(wallet), status: 'ACTIVE' });
      expect(requests('POST', '/cards/request-card')).toHaveLength(2);
      expect(store.cards).toHaveLength(cards + 1);
    });

    it('answers a 201 it cannot read as OUTCOME_UNKNOWN (the card may exist), and the look-up then asks the wallet', async () => {
      const wallet = uncarded()[0]!;
      const w = write();
      server.inject({ method: 'POST', path: '/cards/request-card', status: 201, body: { message: 'Debit card issued successfully' }, times: 1 });
      expect(await failure(provider().issueCard(newCard(wallet), w))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, provider: 'ledger' });
      // This fault answered without running the route: the wallet has no card, so nothing to find.
      expect(await provider().findOperation(OperationKind.CARD_ISSUE, w.reference, w)).toBeNull();
      expect(requests('GET', '/cards/details').length).toBeGreaterThanOrEqual(2);
    });

    it('answers null, asking nothing, for a reference it never sent, and refuses look-ups of other kinds', async () => {
      const w = write();
      const before = server.totalRequests;
      expect(await provider().findOperation(OperationKind.CARD_ISSUE, w.reference, w)).toBeNull();
      expect(server.totalRequests).toBe(before);
      await expect(provider().findOperation(OperationKind.TOP_UP, w.reference, w)).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_BY_PROVIDER });
    });
  });

  describe('changeCardState', () => {
    it('blocks and unblocks a card with block-unblock, sending a reason', async () => {
      const wallet = withCard('Active')[0]!;
      const frozen = await provider().changeCardState(refOf(wallet), CardAction.FREEZE, null, cx());
      expect(frozen).toMatchObject({ ref: refOf(wallet), status: 'FROZEN', providerStatus: '1005 Temporary block', last4: cardOf(wallet).cardNumber.slice(-4) });
      expect(cardOf(wallet)).toMatchObject({ status: 'Temporary block', statusCode: 1005 });
      const active = await provider().changeCardState(refOf(wallet), CardAction.UNFREEZE, 'Customer found the card', cx());
      expect(active).toMatchObject({ status: 'ACTIVE', providerStatus: '1000 Active' });
      expect(cardOf(wallet).status).toBe('Active');
      expect(requests('PATCH', '/cards/block-unblock').map(bodyOf)).toEqual([
        { block: true, reason: expect.stringMatching(/\S/), nameSpace: wallet.domainNamespace },
        { block: false, reason: 'Customer found the card', nameSpace: wallet.domainNamespace },
      ]);
      expect(JSON.stringify([frozen, active])).not.toContain(cardOf(wallet).cardNumber);
    });

    it('reports a card lost (dated today) and another stolen', async () => {
      const [lostWallet, stolenWallet] = withCard('Active').slice(1, 3);
      expect(await provider().changeCardState(refOf(lostWallet!), CardAction.REPORT_LOST, 'Left on a train', cx())).toMatchObject({ status: 'LOST' });
      expect(await provider().changeCardState(refOf(stolenWallet!), CardAction.REPORT_STOLEN, null, cx())).toMatchObject({ status: 'STOLEN' });
      expect(cardOf(lostWallet!)).toMatchObject({ status: 'Lost', statusCode: 1041 });
      expect(cardOf(stolenWallet!)).toMatchObject({ status: 'Stolen', statusCode: 1043 });
      const today = new Date().toISOString().slice(0, 10);
      expect(requests('POST', '/cards/report/lost').map(bodyOf)).toEqual([{ reason: 'Left on a train', reportDate: today, nameSpace: lostWallet!.domainNamespace }]);
      expect(requests('POST', '/cards/report/stolen').map(bodyOf)).toEqual([
        { reason: expect.stringMatching(/\S/), reportDate: today, nameSpace: stolenWallet!.domainNamespace },
      ]);
    });

    it.each(['Lost', 'Stolen'])('answers unblocking a %s card with INVALID_STATE, leaving it as it is', async (status) => {
      const wallet = withCard(status)[0]!;
      const code = cardOf(wallet).statusCode;
      const error = await failure(provider().changeCardState(refOf(wallet), CardAction.UNFREEZE, null, cx()));
      expect(error).toMatchObject({ code: ErrorCode.INVALID_STATE, provider: 'ledger', upstream: { status: 400 } });
      expect(cardOf(wallet)).toMatchObject({ status, statusCode: code });
    });

    it('answers NOT_FOUND for a wallet without a card and for another customer\'s namespace, changing nothing', async () => {
      const bare = uncarded()[0]!;
      await expect(provider().changeCardState(refOf(bare), CardAction.FREEZE, null, cx())).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      const victim = withCard('Active')[0]!;
      const intruder = store.customers.find((c) => c.customerAccountId !== victim.customerAccountId)!.customerAccountId;
      await expect(provider().changeCardState(`${intruder}/${victim.domainNamespace}`, CardAction.FREEZE, null, cx())).rejects.toMatchObject({
        code: ErrorCode.NOT_FOUND,
      });
      expect(requests('PATCH', '/cards/block-unblock')).toHaveLength(0);
      expect(cardOf(victim).status).toBe('Active');
    });

    it('refuses CLOSE with UNSUPPORTED_BY_PROVIDER, sending nothing', async () => {
      const before = server.totalRequests;
      await expect(provider().changeCardState(refOf(withCard('Active')[0]!), CardAction.CLOSE, null, cx())).rejects.toMatchObject({
        code: ErrorCode.UNSUPPORTED_BY_PROVIDER,
        provider: 'ledger',
      });
      expect(server.totalRequests).toBe(before);
    });
  });
});
