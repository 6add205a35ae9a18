/**
 * Mutations through GraphQL on the providers whose writes work differently from utgl's:
 * corporate's asynchronous orders (PENDING, followed with node(id)), pushpull's 207 (an
 * outcome nobody knows) reconciled by reference, baas cardholders and ledger card reports.
 */
import { resetSandboxes, startTestGateway, type TestGateway } from '../../../support/gateway.js';
import { globalId as gid } from '../../../support/global-id.js';


const OPERATION_FIELDS = 'id kind status providerStatus amount { amount currency } card { id }';

describe('mutations on corporate, pushpull, baas and ledger', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  afterEach(() => resetSandboxes(gw));

  it('tops up a corporate card as a PENDING order, followed to COMPLETED with node(id), charged once', async () => {
    const store = gw.sandboxes.stores.corporate!;
    const card = [...store.cards.values()].find((c) => c.status === 'active')!;
    const master = store.masterCents;
    const input = { cardId: gid('corporate', 'Card', `${card.external_user_id}/${card.card_id}`), amount: '15.50', currency: 'USD' };
    const mutation = `mutation($input: TopUpCardInput!) { topUpCard(input: $input, idempotencyKey: "corp-topup-1") { ${OPERATION_FIELDS} } }`;
    const res: any = await gw.query(mutation, { input });
    expect(res.errors).toBeUndefined();
    expect(res.data.topUpCard).toMatchObject({ kind: 'TOP_UP', status: 'PENDING', amount: { amount: '15.50', currency: 'USD' } });

    let status = 'PENDING';
    for (let i = 0; i < 5 && status !== 'COMPLETED'; i += 1) {
      const followed: any = await gw.query(`query($id: ID!) { node(id: $id) { ... on Operation { status } } }`, { id: res.data.topUpCard.id });
      status = followed.data.node.status;
    }
    expect(status).toBe('COMPLETED');
    expect(store.masterCents).toBe(master - 1_550n);
    // The same key again: the recorded order, no second top-up.
    const again: any = await gw.query(mutation, { input });
    expect(again.data.topUpCard.id).toBe(res.data.topUpCard.id);
    expect(gw.sandboxes.servers.corporate!.count('POST', '/api/v1/cards/topup')).toBe(1);
    expect(store.masterCents).toBe(master - 1_550n);
  });

  it('reports a pushpull 207 as OUTCOME_UNKNOWN, and reconciles by reference without a second transaction', async () => {
    const store = gw.sandboxes.stores.pushpull!;
    const account = store.listedAccounts().find((a) => a.push_enabled && a.status === 'active')!;
    const before = store.transactions.size;
    store.forceUnknownOutcome = true;
    const mutation = `mutation($input: CardPaymentInput!) { pushToCard(input: $input, idempotencyKey: "push-207-1") { ${OPERATION_FIELDS} } }`;
    const input = { cardId: gid('pushpull', 'Card', account.account_id), amount: '3.00', currency: 'USD' };
    const unknown = await gw.query(mutation, { input });
    expect(unknown.errors![0]!.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', provider: 'PUSHPULL', upstream: { status: 207 } });
    store.forceUnknownOutcome = false;
    const reconciled: any = await gw.query(mutation, { input });
    expect(reconciled.errors).toBeUndefined();
    expect(reconciled.data.pushToCard).toMatchObject({ kind: 'PUSH', amount: { amount: '3.00', currency: 'USD' } });
    expect(['UNKNOWN', 'COMPLETED', 'PENDING']).toContain(reconciled.data.pushToCard.status);
    expect(store.transactions.size).toBe(before + 1);
    expect(gw.sandboxes.servers.pushpull!.count('POST')).toBe(1);
  });

  it('creates a baas cardholder once per key, in draft compliance', async () => {
    const mutation = `mutation($input: CreateCardholderInput!) { createCardholder(input: $input, idempotencyKey: "baas-holder-1") { id provider kycStatus providerKycStatus firstName } }`;
    const input = {
      provider: 'BAAS',
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'grace@example.com',
      phone: '+14155550123',
      dateOfBirth: '1906-12-09',
      address: { line1: '1 Navy Way', city: 'Arlington', postalCode: '22202', country: 'US' },
    };
    const first: any = await gw.query(mutation, { input });
    expect(first.errors).toBeUndefined();
    expect(first.data.createCardholder).toMatchObject({ provider: 'BAAS', kycStatus: 'NOT_STARTED', providerKycStatus: 'draft', firstName: 'Grace' });
    const again: any = await gw.query(mutation, { input });
    expect(again.data.createCardholder.id).toBe(first.data.createCardholder.id);
    expect(gw.sandboxes.servers.baas!.count('POST', '/cardholders')).toBe(1);
  });

  it('reports a ledger card lost, and then refuses to unfreeze it', async () => {
    const store = gw.sandboxes.stores.ledger!;
    const card = store.cards.find((c) => c.status === 'Active')!;
    const wallet = store.walletByIdentifier(card.walletNamespace)!;
    const id = gid('ledger', 'Card', `${wallet.customerAccountId}/${wallet.domainNamespace}`);
    const lost: any = await gw.query('mutation($id: ID!) { reportCardLost(cardId: $id, reason: "left on a train") { status providerStatus } }', { id });
    expect(lost.errors).toBeUndefined();
    expect(lost.data.reportCardLost.status).toBe('LOST');
    const res = await gw.query('mutation($id: ID!) { unfreezeCard(cardId: $id) { status } }', { id });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'INVALID_STATE', provider: 'LEDGER' });
  });

  it('audits every mutation attempt without card data', async () => {
    expect((await gw.auditTrail()).length).toBeGreaterThan(0);
    expect((await gw.auditTrail()).every((e) => e.action.startsWith('mutation.') || e.action.startsWith('card.reveal'))).toBe(true);
    expect(JSON.stringify((await gw.auditTrail()))).not.toMatch(/"(pan|cvv|cardNumber|card_number)"/i);
  });
});
