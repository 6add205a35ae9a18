/**
 * corporate's writes at the provider level, over real HTTP against its simulator: users
 * created as cardholders, cards issued and topped up through asynchronous orders followed
 * with `getOperation`, freeze and unfreeze. Every order carries the write's stable
 * `upstreamKey` as its Idempotency-Key, which is also how an uncertain write is reconciled:
 * `findOperation` answers null and the resend returns the original order, charged once.
 */
import { randomUUID } from 'node:crypto';
import { createCallContext } from '../../../src/core/call-context.js';
import { ErrorCode } from '../../../src/core/errors.js';
import { deriveKeys } from '../../../src/gateway/writes/idempotency-keys.js';
import { CardType } from '../../../src/core/model.js';
import { createLogger } from '../../../src/core/logger.js';
import { openBody } from '../../../src/providers/corporate/envelope.js';
import { CorporateProvider } from '../../../src/providers/corporate/provider.js';
import { CORPORATE_PRODUCTS, type CorporateCard } from '../../../src/providers/corporate/sandbox/store.js';
import { formatCents, toCents } from '../../../src/sandbox/money.js';
import { sealedError } from '../../../src/providers/corporate/sandbox/routes.js';
import type { CorporateStore } from '../../../src/providers/corporate/sandbox/index.js';
import { CardAction, OperationKind, type NewCardholder, type WriteRequest } from '../../../src/core/writes.js';
import type { RecordedRequest, SandboxServer } from '../../../src/sandbox/server.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { failure } from '../../support/failure.js';

describe('corporate writes (provider level)', () => {
  let gw: TestGateway;
  let store: CorporateStore;
  let server: SandboxServer;
  let secretKey: Uint8Array;

  beforeAll(async () => {
    gw = await startTestGateway();
    store = gw.sandboxes.stores.corporate!;
    server = gw.sandboxes.servers.corporate!;
    ({ secretKey } = gw.sandboxes.endpoints.corporate!);
  });
  afterAll(() => gw.close());
  afterEach(() => {
    resetSandboxes(gw);
    store.cardProviderDown = false;
  });

  const provider = () => gw.registry.get('corporate') as CorporateProvider;
  const cx = () => createCallContext(`req-${randomUUID()}`, createLogger('silent'));
  /** A write as the gateway hands it over: keys derived from the gateway key and the attempt. */
  const write = (gatewayKey = randomUUID(), attempt = 0): WriteRequest => ({
    cx: cx(),
    gatewayKey,
    attempt,
    ...deriveKeys('acme', gatewayKey, 'corporate', attempt),
  });
  const usd = (amount: string) => ({ amount, currency: 'USD' });

  /** The decrypted payload of a request the simulator received, without its timestamp. */
  const payloadOf = (request: RecordedRequest): Record<string, unknown> => {
    const opened = openBody(request.body, secretKey);
    if (!opened.ok) throw new Error(`the gateway sent an envelope that ${opened.failure}`);
    const { request_timestamp: _ts, ...fields } = opened.payload;
    return fields;
  };
  const requestsTo = (path: string) => server.requests.filter((r) => r.path === `/api/v1${path}`);
  const refOf = (card: CorporateCard) => `${card.external_user_id}/${card.card_id}`;
  const cardsWith = (status: CorporateCard['status']) => [...store.cards.values()].filter((c) => c.status === status);
  const holderWith = (kyc: 'approved' | 'pending' | 'rejected') => [...store.cardholders.values()].find((c) => c.kyc_status === kyc)!.external_user_id;
  const cents = (card: CorporateCard) => toCents(store.cards.get(card.card_id)!.balance);


  /** Follows an order with getOperation until it is no longer pending (each read moves it a step). */
  async function settle(ref: string) {
    for (let i = 0; i < 5; i += 1) {
      const operation = await provider().getOperation(ref, cx());
      if (operation && operation.status !== 'PENDING' && operation.status !== 'PROCESSING') return operation;
    }
    throw new Error(`order ${ref} did not settle`);
  }

  describe('createCardholder', () => {
    const person = (): NewCardholder => ({
      firstName: 'Grace',
      lastName: 'Hopper',
      email: `grace.${randomUUID().slice(0, 8)}@navy.example`,
      phone: null,
      dateOfBirth: '1906-12-09',
      address: null,
    });

    it('creates the user under an external_user_id derived from the reference, with KYC not started', async () => {
      const input = person();
      const w = write();
      const users = store.users.size;
      const cardholders = store.cardholders.size;
      const created = await provider().createCardholder(input, w);
      expect(created).toMatchObject({
        provider: 'corporate',
        ref: w.reference,
        firstName: 'Grace',
        lastName: 'Hopper',
        email: input.email,
        kycStatus: 'NOT_STARTED',
        providerKycStatus: null,
      });
      expect(store.users.size).toBe(users + 1);
      expect(store.users.get(w.reference)).toMatchObject({ email: input.email, first_name: 'Grace', last_name: 'Hopper' });
      // The cardholder record is the KYC submission, which the unified input cannot make.
      expect(store.cardholders.size).toBe(cardholders);
      expect(requestsTo('/cardholders/create')).toHaveLength(0);
      expect(requestsTo('/users/create').map(payloadOf)).toEqual([
        { external_user_id: w.reference, email: input.email, first_name: 'Grace', last_name: 'Hopper' },
      ]);
    });

    it('answers a resend after a lost answer with the user the first attempt created, and creates no second one', async () => {
      const input = person();
      const gatewayKey = randomUUID();
      server.inject({ path: '/api/v1/users/create', dropAfterHandling: true, times: 1 });
      expect(await failure(provider().createCardholder(input, write(gatewayKey)))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN });
      const users = store.users.size;
      const again = await provider().createCardholder(input, write(gatewayKey, 1));
      expect(again).toMatchObject({ ref: write(gatewayKey).reference, email: input.email, kycStatus: 'NOT_STARTED' });
      expect(store.users.size).toBe(users);
      expect(requestsTo('/users/create')).toHaveLength(2);
    });

    it('answers CONFLICT when the reference already names a different person', async () => {
      const gatewayKey = randomUUID();
      await provider().createCardholder(person(), write(gatewayKey));
      const users = store.users.size;
      const other = { ...person(), firstName: 'Ada', lastName: 'Lovelace' };
      expect(await failure(provider().createCardholder(other, write(gatewayKey, 1)))).toMatchObject({
        code: ErrorCode.CONFLICT,
        upstream: { status: 409, code: 'external_user_id_exists' },
      });
      expect(store.users.size).toBe(users);
      expect(store.users.get(write(gatewayKey).reference)!.first_name).toBe('Grace');
    });

    it('refuses a card for the new user (no KYC yet) with INVALID_STATE, creating no order', async () => {
      const created = await provider().createCardholder(person(), write());
      const orders = store.orders.size;
      expect(await failure(provider().issueCard({ cardholderRef: created.ref, walletRef: null, type: CardType.VIRTUAL }, write()))).toMatchObject({
        code: ErrorCode.INVALID_STATE,
        upstream: { status: 404, code: 'cardholder_not_found' },
      });
      expect(store.orders.size).toBe(orders);
    });
  });

  describe('issueCard', () => {
    it('orders a card with the first product under the write\'s upstream key, and the completed order names the new card', async () => {
      const user = holderWith('approved');
      const w = write();
      const cards = store.cards.size;
      const issued = await provider().issueCard({ cardholderRef: user, walletRef: null, type: CardType.VIRTUAL }, w);
      expect(issued.card).toBeNull();
      expect(issued.operation).toMatchObject({
        provider: 'corporate',
        kind: OperationKind.CARD_ISSUE,
        status: 'PENDING',
        providerStatus: 'pending',
        amount: null,
        cardRef: null,
        ref: expect.stringMatching(new RegExp(`^${user}/ord_[0-9a-f]+$`)),
      });
      const [sent] = requestsTo('/cards/create');
      expect(sent!.headers['idempotency-key']).toBe(w.upstreamKey);
      expect(payloadOf(sent!)).toEqual({ external_user_id: user, product_id: CORPORATE_PRODUCTS[0]!.product_id });
      expect(store.cards.size).toBe(cards);

      expect(await provider().getOperation(issued.operation!.ref, cx())).toMatchObject({ status: 'PROCESSING', providerStatus: 'processing' });
      const done = await provider().getOperation(issued.operation!.ref, cx());
      expect(done).toMatchObject({ kind: OperationKind.CARD_ISSUE, status: 'COMPLETED', failureReason: null });
      const cardId = done!.cardRef!.split('/')[1]!;
      expect(done!.cardRef).toBe(`${user}/${cardId}`);
      expect(store.cards.get(cardId)).toMatchObject({ external_user_id: user, status: 'active', product_id: CORPORATE_PRODUCTS[0]!.product_id });
      // Reading a completed order again changes nothing.
      await provider().getOperation(issued.operation!.ref, cx());
      expect(store.cards.size).toBe(cards + 1);
      const [card] = await provider().getCards([done!.cardRef!], cx());
      expect(card).toMatchObject({ status: 'ACTIVE', cardholderRef: user });
    });

    it('orders the configured default product when one is set', async () => {
      const endpoint = gw.sandboxes.endpoints.corporate!;
      const configured = new CorporateProvider({
        ...endpoint,
        connectTimeoutMs: 2_000,
        headersTimeoutMs: 5_000,
        bodyTimeoutMs: 5_000,
        maxRetries: 0,
        defaultProductId: CORPORATE_PRODUCTS[1]!.product_id,
      });
      try {
        await configured.issueCard({ cardholderRef: holderWith('approved'), walletRef: null, type: CardType.VIRTUAL }, write());
        expect(requestsTo('/card-products/list')).toHaveLength(0);
        expect(payloadOf(requestsTo('/cards/create')[0]!)).toMatchObject({ product_id: CORPORATE_PRODUCTS[1]!.product_id });
      } finally {
        await configured.close();
      }
    });

    it('follows an order for a cardholder whose KYC is pending to FAILED, with no card issued', async () => {
      const cards = store.cards.size;
      const { operation } = await provider().issueCard({ cardholderRef: holderWith('pending'), walletRef: null, type: CardType.VIRTUAL }, write());
      expect(await settle(operation!.ref)).toMatchObject({ status: 'FAILED', providerStatus: 'failed', failureReason: 'kyc_pending', cardRef: null });
      expect(store.cards.size).toBe(cards);
    });

    it('refuses a physical card and a wallet before sending anything, and an unknown user with NOT_FOUND', async () => {
      const user = holderWith('approved');
      const before = server.totalRequests;
      await expect(provider().issueCard({ cardholderRef: user, walletRef: null, type: CardType.PHYSICAL }, write())).rejects.toMatchObject({
        code: ErrorCode.UNSUPPORTED_BY_PROVIDER,
      });
      await expect(provider().issueCard({ cardholderRef: user, walletRef: 'master', type: CardType.VIRTUAL }, write())).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
      });
      expect(server.totalRequests).toBe(before);
      await expect(provider().issueCard({ cardholderRef: 'emp-nobody', walletRef: null, type: CardType.VIRTUAL }, write())).rejects.toMatchObject({
        code: ErrorCode.NOT_FOUND,
        upstream: { code: 'user_not_found' },
      });
    });
  });

  describe('topUpCard', () => {
    const topUp = (card: CorporateCard | string, amount: string, w = write(), currency = 'USD') =>
      provider().topUpCard({ cardRef: typeof card === 'string' ? card : refOf(card), amount: { amount, currency }, fundingWalletRef: null }, w);

    it('orders a top-up under the upstream key, and its completion moves the exact amount from the master wallet to the card once', async () => {
      const card = cardsWith('active')[2]!;
      const master = store.masterCents;
      const balance = cents(card);
      const topups = store.transactionsOf(card.card_id).length;
      const w = write();
      const operation = await topUp(card, '40.25', w);
      expect(operation).toMatchObject({
        provider: 'corporate',
        kind: OperationKind.TOP_UP,
        status: 'PENDING',
        amount: usd('40.25'),
        cardRef: refOf(card),
        reference: null,
        ref: expect.stringMatching(new RegExp(`^${card.external_user_id}/ord_`)),
      });
      const [sent] = requestsTo('/cards/topup');
      expect(sent!.headers['idempotency-key']).toBe(w.upstreamKey);
      expect(payloadOf(sent!)).toEqual({ external_user_id: card.external_user_id, card_id: card.card_id, amount: '40.25' });
      // Nothing moves until the order completes.
      expect(store.masterCents).toBe(master);

      expect(await settle(operation.ref)).toMatchObject({ status: 'COMPLETED', cardRef: refOf(card), amount: usd('40.25') });
      await provider().getOperation(operation.ref, cx());
      expect(store.masterCents).toBe(master - 4_025n);
      expect(cents(card)).toBe(balance + 4_025n);
      expect(store.transactionsOf(card.card_id)).toHaveLength(topups + 1);
    });

    it('sends the amount with exactly two decimals', async () => {
      await topUp(cardsWith('active')[2]!, '7.5');
      await topUp(cardsWith('active')[2]!, '12.300');
      expect(requestsTo('/cards/topup').map((r) => payloadOf(r).amount)).toEqual(['7.50', '12.30']);
    });

    it('refuses another currency, sub-cent precision and another funding wallet before sending anything', async () => {
      const card = cardsWith('active')[2]!;
      const before = server.totalRequests;
      await expect(topUp(card, '10.00', write(), 'EUR')).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
      await expect(topUp(card, '1.005')).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
      await expect(topUp(card, '0.00')).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
      await expect(
        provider().topUpCard({ cardRef: refOf(card), amount: usd('1.00'), fundingWalletRef: 'another' }, write()),
      ).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
      expect(server.totalRequests).toBe(before);
    });

    it('answers INSUFFICIENT_FUNDS when the master wallet cannot cover it, moving nothing', async () => {
      const master = store.masterCents;
      const orders = store.orders.size;
      const error = await failure(topUp(cardsWith('active')[0]!, formatCents(master + 1n)));
      expect(error).toMatchObject({ code: ErrorCode.INSUFFICIENT_FUNDS, provider: 'corporate', upstream: { status: 403, code: 'insufficient_funds' } });
      expect(store.masterCents).toBe(master);
      expect(store.orders.size).toBe(orders);
    });

    it('answers INVALID_STATE for a card that is not active', async () => {
      for (const status of ['frozen', 'inactive', 'closed'] as const) {
        const error = await failure(topUp(cardsWith(status)[0]!, '1.00'));
        expect(error).toMatchObject({ code: ErrorCode.INVALID_STATE, upstream: { status: 422, code: 'card_not_active' } });
      }
    });

    it('answers a 500 with OUTCOME_UNKNOWN after one attempt (never retried by the transport)', async () => {
      const { status, body } = sealedError('internal_error', secretKey);
      server.inject({ path: '/api/v1/cards/topup', status, body, times: 1 });
      expect(await failure(topUp(cardsWith('active')[0]!, '1.00'))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, retryable: false });
      expect(requestsTo('/cards/topup')).toHaveLength(1);
    });

    it('answers a success it cannot decrypt as OUTCOME_UNKNOWN (the order may exist), never as a failure to resend', async () => {
      server.inject({ path: '/api/v1/cards/topup', status: 200, body: { encrypted: Buffer.alloc(64, 7).toString('base64') }, times: 1 });
      expect(await failure(topUp(cardsWith('active')[0]!, '1.00'))).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, provider: 'corporate', upstream: { status: 200 } });
    });

    it('reconciles a top-up whose answer was lost: no look-up, the resend under the same key returns the same order, debited once', async () => {
      const card = cardsWith('active')[3]!;
      const master = store.masterCents;
      const balance = cents(card);
      const orders = store.orders.size;
      const gatewayKey = randomUUID();
      server.inject({ path: '/api/v1/cards/topup', dropAfterHandling: true, times: 1 });

      const lost = await failure(topUp(card, '25.00', write(gatewayKey)));
      expect(lost).toMatchObject({ code: ErrorCode.OUTCOME_UNKNOWN, provider: 'corporate' });
      expect(store.orders.size).toBe(orders + 1); // the order was created; only the answer was lost

      const first = write(gatewayKey);
      const before = server.totalRequests;
      expect(await provider().findOperation(OperationKind.TOP_UP, first.reference, first)).toBeNull();
      expect(server.totalRequests).toBe(before); // nothing to look up at corporate

      const resent = await topUp(card, '25.00', write(gatewayKey, 1));
      expect(store.orders.size).toBe(orders + 1);
      const created = [...store.orders.values()].at(-1)!.order;
      expect(resent).toMatchObject({ ref: `${card.external_user_id}/${created.order_id}`, kind: OperationKind.TOP_UP, amount: usd('25.00') });
      // Both attempts carried the stable key (the per-attempt key is for providers that need one).
      const keys = requestsTo('/cards/topup').map((r) => r.headers['idempotency-key']);
      expect(keys).toEqual([first.upstreamKey, first.upstreamKey]);
      expect(keys).not.toContain(write(gatewayKey, 1).attemptKey);

      expect(await settle(resent.ref)).toMatchObject({ status: 'COMPLETED' });
      await topUp(card, '25.00', write(gatewayKey, 2)); // a late third copy: the same order again
      expect(store.orders.size).toBe(orders + 1);
      expect(store.masterCents).toBe(master - 2_500n);
      expect(cents(card)).toBe(balance + 2_500n);
    });

    it('answers a look-up of kinds corporate never writes with UNSUPPORTED_BY_PROVIDER', async () => {
      const w = write();
      await expect(provider().findOperation(OperationKind.PUSH, w.reference, w)).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_BY_PROVIDER });
    });
  });

  describe('getOperation', () => {
    it('answers null for an order corporate does not know, and reads a bare order id without naming its card', async () => {
      expect(await provider().getOperation('emp-x/ord_doesnotexist', cx())).toBeNull();
      const seeded = [...store.orders.values()].find((r) => r.order.type === 'topup' && r.order.status === 'completed')!.order;
      expect(await provider().getOperation(seeded.order_id, cx())).toMatchObject({
        ref: seeded.order_id,
        kind: OperationKind.TOP_UP,
        status: 'COMPLETED',
        cardRef: null,
        amount: usd(seeded.amount!),
      });
    });
  });

  describe('changeCardState', () => {
    it('freezes and unfreezes a card', async () => {
      const card = cardsWith('active')[4]!;
      expect(await provider().changeCardState(refOf(card), CardAction.FREEZE, null, cx())).toMatchObject({ ref: refOf(card), status: 'FROZEN', providerStatus: 'frozen' });
      expect(store.cards.get(card.card_id)!.status).toBe('frozen');
      expect(await provider().changeCardState(refOf(card), CardAction.UNFREEZE, 'found it', cx())).toMatchObject({ status: 'ACTIVE' });
      expect(store.cards.get(card.card_id)!.status).toBe('active');
      expect(payloadOf(requestsTo('/cards/freeze')[0]!)).toEqual({ external_user_id: card.external_user_id, card_id: card.card_id });
    });

    it('answers INVALID_STATE for unfreezing a card that is not frozen (inactive)', async () => {
      const card = cardsWith('inactive')[0]!;
      expect(await failure(provider().changeCardState(refOf(card), CardAction.UNFREEZE, null, cx()))).toMatchObject({
        code: ErrorCode.INVALID_STATE,
        upstream: { code: 'card_not_active' },
      });
    });

    it.each([CardAction.REPORT_LOST, CardAction.REPORT_STOLEN, CardAction.CLOSE])('refuses %s with UNSUPPORTED_BY_PROVIDER, sending nothing', async (action) => {
      const before = server.totalRequests;
      await expect(provider().changeCardState(refOf(cardsWith('active')[0]!), action, null, cx())).rejects.toMatchObject({
        code: ErrorCode.UNSUPPORTED_BY_PROVIDER,
        provider: 'corporate',
      });
      expect(server.totalRequests).toBe(before);
    });
  });
});
