/**
 * The reveal path, provider by provider, against the running simulators: each provider that
 * has a sensitive-details read answers the card's PAN, CVV and expiry exactly as its simulator
 * holds them, answers null for a card it does not have, reads afresh on every call (nothing
 * memoised or cached), logs none of it, and turns a malformed answer into an UPSTREAM_ERROR
 * that carries no part of the card number. pushpull has no such read: UNSUPPORTED_BY_PROVIDER.
 */
import { Writable } from 'node:stream';
import { createCallContext, type CallContext } from '../../../../src/core/call-context.js';
import { ErrorCode, GatewayError } from '../../../../src/core/errors.js';
import type { ProviderKey } from '../../../../src/core/provider-key.js';
import { createLogger } from '../../../../src/core/logger.js';
import type { BaasStore } from '../../../../src/providers/baas/sandbox/index.js';
import { seal } from '../../../../src/providers/corporate/envelope.js';
import type { CorporateStore } from '../../../../src/providers/corporate/sandbox/index.js';
import type { LedgerStore } from '../../../../src/providers/ledger/sandbox/index.js';
import { Capability } from '../../../../src/providers/provider.js';
import { type CardSecrets } from '../../../../src/core/model.js';
import type { UtglStore } from '../../../../src/providers/utgl/sandbox/index.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../../support/gateway.js';

const silent = createLogger('silent');
const newCx = (log = silent): CallContext => createCallContext('reveal-test', log);

/** What one provider's reveal looks like from the outside, for the shared tests below. */
interface RevealCase {
  key: Exclude<ProviderKey, 'pushpull'>;
  /** A card the simulator holds, by the gateway's ref, with its secrets as the simulator keeps them. */
  known(): { ref: string; secrets: CardSecrets };
  /** Refs of cards the provider does not have (for this ref's owner). */
  unknown(): string[];
  /** The reveal route, as the simulator records it (method and pattern). */
  route: { method: string; pattern: string };
  /** A 200 answer in the provider's wire shape carrying these (possibly malformed) fields. */
  answer(fields: Record<string, unknown>): unknown;
}

describe('revealing card secrets, provider by provider', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  const utgl = (): UtglStore => gw.sandboxes.stores.utgl!;
  const baas = (): BaasStore => gw.sandboxes.stores.baas!;
  const corporate = (): CorporateStore => gw.sandboxes.stores.corporate!;
  const ledger = (): LedgerStore => gw.sandboxes.stores.ledger!;

  const cases: RevealCase[] = [
    {
      key: 'utgl',
      known() {
        const card = [...utgl().cards.values()][0]!;
        const s = utgl().cardSensitive.get(card.id)!;
        return { ref: card.id, secrets: { pan: s.pan, cvv: s.cvv, expiryMonth: s.exp_month, expiryYear: s.exp_year } };
      },
      unknown: () => ['card_does_not_exist'],
      route: { method: 'GET', pattern: '/v1/cards/:id/sensitive' },
      answer: (f) => ({ pan: f.pan, cvv: f.cvv, exp_month: f.expiryMonth, exp_year: f.expiryYear }),
    },
    {
      key: 'baas',
      known() {
        const card = [...baas().cards.values()][0]!;
        const s = baas().secretsOf(card.id)!;
        return { ref: card.id, secrets: { pan: s.pan, cvv: s.cvv, expiryMonth: card.expiryMonth, expiryYear: card.expiryYear } };
      },
      unknown: () => ['00000000-0000-4000-8000-000000000000'],
      route: { method: 'GET', pattern: '/cards/:cardId/secure-details' },
      answer: (f) => ({ status: 'success', data: { pan: f.pan, cvv: f.cvv, expiryMonth: f.expiryMonth, expiryYear: f.expiryYear } }),
    },
    {
      key: 'corporate',
      known() {
        const card = [...corporate().cards.values()][0]!;
        const s = corporate().sensitive.get(card.card_id)!;
        return {
          ref: `${card.external_user_id}/${card.card_id}`,
          secrets: { pan: s.pan, cvv: s.cvv, expiryMonth: s.expiry_month, expiryYear: s.expiry_year },
        };
      },
      unknown() {
        const cards = [...corporate().cards.values()];
        const card = cards[0]!;
        const othersCard = cards.find((c) => c.external_user_id !== card.external_user_id)!;
        return [
          `${card.external_user_id}/card_does_not_exist`,
          `user_does_not_exist/${card.card_id}`,
          // Another user's card: the provider's card_user_mismatch.
          `${card.external_user_id}/${othersCard.card_id}`,
          'not-a-card-ref',
        ];
      },
      route: { method: 'POST', pattern: '/api/v1/cards/sensitive' },
      answer: (f) =>
        seal(
          { success: true, data: { pan: f.pan, cvv: f.cvv, expiry_month: f.expiryMonth, expiry_year: f.expiryYear } },
          gw.sandboxes.endpoints.corporate!.secretKey,
        ),
    },
    {
      key: 'ledger',
      known() {
        const card = ledger().cards[0]!;
        const wallet = ledger().walletByIdentifier(card.walletNamespace)!;
        const [year, month] = card.expiryDate.split('-').map(Number);
        return {
          ref: `${wallet.customerAccountId}/${wallet.domainNamespace}`,
          secrets: { pan: card.cardNumber, cvv: card.cvv, expiryMonth: month!, expiryYear: year! },
        };
      },
      unknown() {
        const store = ledger();
        const bare = store.wallets.find((w) => !store.cardOf(w))!;
        const carded = store.wallets.find((w) => store.cardOf(w))!;
        const stranger = store.customers.find((c) => c.customerAccountId !== carded.customerAccountId)!;
        return [
          // A wallet without a card: ledger's 400 "Not found".
          `${bare.customerAccountId}/${bare.domainNamespace}`,
          `${carded.customerAccountId}/no.such.namespace`,
          // Another customer's wallet named under this customer.
          `${stranger.customerAccountId}/${carded.domainNamespace}`,
          `customer-does-not-exist/${carded.domainNamespace}`,
          'not-a-wallet-ref',
        ];
      },
      route: { method: 'GET', pattern: '/cards/details' },
      answer: (f) => ({
        message: 'Card details fetched successfully',
        data: {
          cardNumber: f.pan,
          cardHolderName: 'John Doe',
          expiryDate: typeof f.expiryMonth === 'number' ? `${f.expiryYear}-${String(f.expiryMonth).padStart(2, '0')}-01` : f.expiryMonth,
          cvv: f.cvv,
          cardType: 'VISA',
          status: 'Active',
        },
      }),
    },
  ];

  describe.each(cases.map((c) => [c.key, c] as const))('%s', (_key, c) => {
    const provider = () => gw.registry.get(c.key);
    const server = () => gw.sandboxes.servers[c.key]!;

    it('declares CARD_REVEAL', () => {
      expect(provider().capabilities.has(Capability.CARD_REVEAL)).toBe(true);
    });

    it("answers the card's PAN, CVV and expiry exactly as the provider holds them", async () => {
      const { ref, secrets } = c.known();
      await expect(provider().revealCard(ref, newCx())).resolves.toEqual(secrets);
    });

    it('answers null for a card it does not have', async () => {
      for (const ref of c.unknown()) {
        await expect(provider().revealCard(ref, newCx())).resolves.toBeNull();
      }
    });

    it('reads afresh on every call, even within one request (nothing memoised or cached)', async () => {
      const { ref, secrets } = c.known();
      const cx = newCx();
      // An ordinary card read first: its memoised answer must not serve the reveal.
      await provider().getCards([ref], cx);
      const before = server().count(c.route.method, c.route.pattern);
      await expect(provider().revealCard(ref, cx)).resolves.toEqual(secrets);
      await expect(provider().revealCard(ref, cx)).resolves.toEqual(secrets);
      expect(server().count(c.route.method, c.route.pattern) - before).toBe(2);
    });

    it('logs neither the PAN nor the CVV, even at trace level', async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const { ref, secrets } = c.known();
      await provider().revealCard(ref, newCx(createLogger('trace', sink)));
      expect(lines.length).toBeGreaterThan(0); // the transport did log the call
      const logged = lines.join('');
      expect(logged).not.toContain(secrets.pan);
      expect(logged).not.toContain(secrets.pan.slice(-8));
      expect(logged).not.toContain(`"${secrets.cvv}"`);
    });

    const PAN = '4111111111111111';
    const malformed: Array<[string, Record<string, unknown>]> = [
      ['a PAN with spaces', { pan: '4111 1111 1111 1111', cvv: '123', expiryMonth: 4, expiryYear: 2030 }],
      ['a PAN of 11 digits', { pan: PAN.slice(0, 11), cvv: '123', expiryMonth: 4, expiryYear: 2030 }],
      ['a PAN of 20 digits', { pan: `${PAN}4111`, cvv: '123', expiryMonth: 4, expiryYear: 2030 }],
      ['a PAN sent as a number', { pan: Number(PAN), cvv: '123', expiryMonth: 4, expiryYear: 2030 }],
      ['no PAN', { cvv: '123', expiryMonth: 4, expiryYear: 2030 }],
      ['a CVV of 2 digits', { pan: PAN, cvv: '12', expiryMonth: 4, expiryYear: 2030 }],
      ['a CVV of 5 digits', { pan: PAN, cvv: '12345', expiryMonth: 4, expiryYear: 2030 }],
      ['a month of 13', { pan: PAN, cvv: '123', expiryMonth: 13, expiryYear: 2030 }],
      ['a month of 0', { pan: PAN, cvv: '123', expiryMonth: 0, expiryYear: 2030 }],
      ['a 2-digit year', { pan: PAN, cvv: '123', expiryMonth: 4, expiryYear: 30 }],
    ];
    it.each(malformed)('turns an answer with %s into an UPSTREAM_ERROR that carries no part of the card number', async (_what, fields) => {
      const { ref } = c.known();
      server().inject({ method: c.route.method, path: c.route.pattern, status: 200, body: c.answer(fields) });
      const error = await provider().revealCard(ref, newCx()).then(
        () => {
          throw new Error('the reveal succeeded');
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GatewayError);
      const gatewayError = error as GatewayError;
      expect(gatewayError).toMatchObject({ code: ErrorCode.UPSTREAM_ERROR, provider: c.key });
      // Not one digit: neither the PAN (nor its last four), the CVV nor the expiry.
      expect(gatewayError.message).not.toMatch(/\d/);
      expect(gatewayError.cause).toBeUndefined();
      expect(JSON.stringify({ ...gatewayError, message: gatewayError.message })).not.toContain('1111');
    });

    if (c.key === 'ledger') {
      it('turns an expiryDate that is not a YYYY-MM-DD calendar date into an UPSTREAM_ERROR', async () => {
        const { ref } = c.known();
        for (const expiryDate of ['2030-02-30', '04/2030', '2030-4-01', '2030-04-01T00:00:00Z']) {
          server().inject({ path: c.route.pattern, status: 200, body: c.answer({ pan: PAN, cvv: '123', expiryMonth: expiryDate }), times: 1 });
          await expect(provider().revealCard(ref, newCx())).rejects.toMatchObject({
            code: ErrorCode.UPSTREAM_ERROR,
            message: expect.stringContaining('expiryDate'),
          });
        }
      });
    }
  });

  describe('pushpull', () => {
    it('does not declare CARD_REVEAL, and answers UNSUPPORTED_BY_PROVIDER without calling pushpull', async () => {
      const provider = gw.registry.get('pushpull');
      expect(provider.capabilities.has(Capability.CARD_REVEAL)).toBe(false);
      const account = [...(gw.sandboxes.stores.pushpull!).accounts.values()][0]!;
      const server = gw.sandboxes.servers.pushpull!;
      const before = server.totalRequests;
      await expect(provider.revealCard(account.account_id, newCx())).rejects.toMatchObject({
        code: ErrorCode.UNSUPPORTED_BY_PROVIDER,
        provider: 'pushpull',
      });
      expect(server.totalRequests).toBe(before);
    });
  });
});
