/**
 * What `providers` publishes is what each provider can do: for every registered provider, a
 * declared capability is backed by an operation it overrides from `BaseProvider`, an
 * overridden operation is declared, and an operation it does not declare is refused with
 * UNSUPPORTED_BY_PROVIDER before any request reaches the provider.
 */
import { createCallContext } from '../../src/core/call-context.js';
import { CardType } from '../../src/core/model.js';
import { CardAction, type WriteRequest } from '../../src/core/writes.js';
import { ErrorCode } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { BaseProvider, Capability, type CardProvider } from '../../src/providers/provider.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

type Operation =
  | 'getCardholders'
  | 'listCardholders'
  | 'getCards'
  | 'listCards'
  | 'getWallets'
  | 'listWallets'
  | 'getWalletBalances'
  | 'getTransactions'
  | 'listTransactions'
  | 'revealCard'
  | 'createCardholder'
  | 'issueCard'
  | 'changeCardState'
  | 'topUpCard'
  | 'transferFunds'
  | 'pushPull';

const cx = () => createCallContext('conformance', createLogger('silent'));
const write = (): WriteRequest => ({
  cx: cx(),
  gatewayKey: 'conformance',
  upstreamKey: '00000000-0000-4000-8000-000000000000',
  attemptKey: '00000000-0000-4000-8000-000000000001',
  reference: 'cp_conformance',
  attempt: 0,
});
const USD_1 = { amount: '1.00', currency: 'USD' };
const NEW_CARDHOLDER = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: null, dateOfBirth: null, address: null };
const page = { limit: 1 };
const REF = 'conformance-ref';

/**
 * Each capability: the operations that serve it, and a call of it. Written as a full record
 * so that a new capability does not compile until it is mapped here.
 */
const CAPABILITIES = {
  CARDHOLDER_READ: { operations: ['getCardholders'], call: (p) => p.getCardholders([REF], cx()) },
  CARDHOLDER_LIST: { operations: ['listCardholders'], call: (p) => p.listCardholders(page, cx()) },
  CARD_READ: { operations: ['getCards'], call: (p) => p.getCards([REF], cx()) },
  CARD_LIST: { operations: ['listCards'], call: (p) => p.listCards({}, page, cx()) },
  WALLET_READ: { operations: ['getWallets'], call: (p) => p.getWallets([REF], cx()) },
  WALLET_LIST: {
    operations: ['listWallets', 'getWalletBalances'],
    call: async (p) => {
      // Both halves must refuse: either reaching the provider would be a capability it hides.
      await p.listWallets({}, page, cx()).then(
        () => Promise.reject(new Error('listWallets answered')),
        (error: unknown) => expect(error).toMatchObject({ code: ErrorCode.UNSUPPORTED_BY_PROVIDER }),
      );
      return p.getWalletBalances([REF], cx());
    },
  },
  TRANSACTION_READ: { operations: ['getTransactions'], call: (p) => p.getTransactions([REF], cx()) },
  TRANSACTION_LIST: { operations: ['listTransactions'], call: (p) => p.listTransactions({}, page, cx()) },
  TRANSACTION_LIST_BY_CARD: { operations: ['listTransactions'], call: (p) => p.listTransactions({ cardRef: REF }, page, cx()) },
  TRANSACTION_LIST_BY_WALLET: { operations: ['listTransactions'], call: (p) => p.listTransactions({ walletRef: REF }, page, cx()) },
  CARD_REVEAL: { operations: ['revealCard'], call: (p) => p.revealCard(REF, cx()) },
  CARDHOLDER_CREATE: { operations: ['createCardholder'], call: (p) => p.createCardholder(NEW_CARDHOLDER, write()) },
  CARD_ISSUE: { operations: ['issueCard'], call: (p) => p.issueCard({ cardholderRef: REF, walletRef: null, type: CardType.VIRTUAL }, write()) },
  CARD_FREEZE: { operations: ['changeCardState'], call: (p) => p.changeCardState(REF, CardAction.FREEZE, null, cx()) },
  CARD_REPORT: { operations: ['changeCardState'], call: (p) => p.changeCardState(REF, CardAction.REPORT_LOST, null, cx()) },
  CARD_CLOSE: { operations: ['changeCardState'], call: (p) => p.changeCardState(REF, CardAction.CLOSE, null, cx()) },
  CARD_TOP_UP: { operations: ['topUpCard'], call: (p) => p.topUpCard({ cardRef: REF, amount: USD_1, fundingWalletRef: null }, write()) },
  FUNDS_TRANSFER: {
    operations: ['transferFunds'],
    call: (p) => p.transferFunds({ fromWalletRef: REF, toWalletRef: `${REF}-2`, toCardRef: null, amount: USD_1 }, write()),
  },
  CARD_PUSH_PULL: { operations: ['pushPull'], call: (p) => p.pushPull({ cardRef: REF, direction: 'PUSH', amount: USD_1 }, write()) },
} satisfies Record<Capability, { operations: Operation[]; call: (p: CardProvider) => Promise<unknown> }>;

const TRANSACTION_LISTS = [Capability.TRANSACTION_LIST, Capability.TRANSACTION_LIST_BY_CARD, Capability.TRANSACTION_LIST_BY_WALLET];
const CARD_STATE_CHANGES = [Capability.CARD_FREEZE, Capability.CARD_REPORT, Capability.CARD_CLOSE];

const ALL_CAPABILITIES = Object.values(Capability);
const ALL_OPERATIONS = [...new Set(Object.values(CAPABILITIES).flatMap((c) => c.operations as Operation[]))];

/** Whether the provider replaces `BaseProvider`'s answer for this operation. */
/** Whether the provider's class overrides the operation (the registry hands out providers whose operations are wrapped in spans, so the class is asked). */
function overrides(provider: CardProvider, operation: Operation): boolean {
  expect(provider).toBeInstanceOf(BaseProvider);
  const implementation = (Object.getPrototypeOf(provider) as CardProvider)[operation];
  return implementation !== BaseProvider.prototype[operation];
}

describe('declared capabilities agree with what each provider implements', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());

  const providers = (): CardProvider[] => gw.registry.list().map((e) => e.provider);

  it('registers all five providers (the checks below cover each of them)', () => {
    expect(providers().map((p) => p.key)).toEqual(['utgl', 'baas', 'corporate', 'ledger', 'pushpull']);
  });

  it('declares only known capabilities', () => {
    for (const provider of providers()) {
      for (const capability of provider.capabilities) expect(ALL_CAPABILITIES).toContain(capability);
    }
  });

  it('overrides every operation a declared capability needs', () => {
    const missing: string[] = [];
    for (const provider of providers()) {
      for (const capability of provider.capabilities) {
        for (const operation of CAPABILITIES[capability].operations) {
          if (!overrides(provider, operation)) missing.push(`${provider.key}: ${capability} declared, ${operation} not implemented`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('declares a capability for every operation it overrides', () => {
    const undeclared: string[] = [];
    for (const provider of providers()) {
      for (const operation of ALL_OPERATIONS) {
        if (!overrides(provider, operation)) continue;
        const servedBy = ALL_CAPABILITIES.filter((c) => (CAPABILITIES[c].operations as Operation[]).includes(operation));
        // listTransactions and changeCardState serve three capabilities each: at least one of
        // them must be declared. Every other operation serves exactly one, which must be.
        if (!servedBy.some((c) => provider.capabilities.has(c))) {
          undeclared.push(`${provider.key}: ${operation} implemented, none of ${servedBy.join(', ')} declared`);
        }
      }
    }
    expect(undeclared).toEqual([]);
    // The transaction lists and the card state changes are the only capabilities sharing an operation.
    const sharing = (operation: Operation) => ALL_CAPABILITIES.filter((c) => (CAPABILITIES[c].operations as Operation[]).includes(operation));
    expect(sharing('listTransactions').sort()).toEqual([...TRANSACTION_LISTS].sort());
    expect(sharing('changeCardState').sort()).toEqual([...CARD_STATE_CHANGES].sort());
  });

  it('refuses every undeclared operation with UNSUPPORTED_BY_PROVIDER, sending nothing upstream', async () => {
    const checked: string[] = [];
    for (const provider of providers()) {
      const server = gw.sandboxes.servers[provider.key];
      expect(server).toBeDefined();
      for (const capability of ALL_CAPABILITIES) {
        if (provider.capabilities.has(capability)) continue;
        const before = server!.totalRequests;
        let answer: Promise<unknown>;
        try {
          answer = CAPABILITIES[capability].call(provider);
        } catch (error) {
          throw new Error(`${provider.key}: ${capability} threw synchronously instead of rejecting: ${String(error)}`);
        }
        await expect(answer).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_BY_PROVIDER, provider: provider.key });
        expect({ provider: provider.key, capability, requests: server!.totalRequests - before }).toEqual({
          provider: provider.key,
          capability,
          requests: 0,
        });
        checked.push(`${provider.key}:${capability}`);
      }
    }
    // Every provider lacks something, so none of them went unchecked.
    for (const provider of providers()) expect(checked.some((c) => c.startsWith(`${provider.key}:`))).toBe(true);
  });

  it('publishes CARD_REVEAL exactly where a sensitive-details read exists', () => {
    const revealing = providers()
      .filter((p) => p.capabilities.has(Capability.CARD_REVEAL))
      .map((p) => p.key);
    expect(revealing).toEqual(['utgl', 'baas', 'corporate', 'ledger']);
  });
});
