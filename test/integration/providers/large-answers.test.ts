/**
 * A provider answer over UPSTREAM_MAX_ANSWER_BYTES, through the whole gateway: the read is a
 * typed UPSTREAM_ERROR naming the provider, the gateway keeps answering, and the next ordinary
 * answer is read as usual. (The sandbox pads its answers with a development-only knob.)
 */
import { globalIdsOf } from '../../support/global-id.js';
import { resetSandboxes, startTestGateway, type TestGateway } from '../../support/gateway.js';

const CARD = 'query($id: ID!) { card(id: $id) { id status } }';
const gid = globalIdsOf('utgl');

describe('provider answers over the size cap', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ UPSTREAM_MAX_ANSWER_BYTES: String(1024 * 1024) });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sandboxes.servers.utgl!.answerPaddingBytes = 0;
    resetSandboxes(gw);
  });

  it('answers a read whose provider answer is over UPSTREAM_MAX_ANSWER_BYTES with UPSTREAM_ERROR, and reads on', async () => {
    const id = gid('Card', [...gw.sandboxes.stores.utgl!.cards.keys()][0]!);
    gw.sandboxes.servers.utgl!.answerPaddingBytes = 2 * 1024 * 1024;
    const refused: any = await gw.query(CARD, { id });
    expect(refused.data).toBeNull();
    expect(refused.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', provider: 'UTGL', retryable: false });
    expect(refused.errors[0].message).toContain('UPSTREAM_MAX_ANSWER_BYTES');

    gw.sandboxes.servers.utgl!.answerPaddingBytes = 512 * 1024;
    const padded: any = await gw.query(CARD, { id });
    expect(padded.errors).toBeUndefined();
    expect(padded.data.card.id).toBe(id);
  });
});
