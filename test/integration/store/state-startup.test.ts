/**
 * The gateway and its state store at start-up: a store it cannot trust stops it before it
 * listens, with a message naming the file or the server; a good one is where its audit trail
 * and reveal tokens go.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStateStore } from '../../../src/store/memory-store.js';
import { startTestGateway } from '../../support/gateway.js';

describe('starting the gateway on its state store', () => {
  it('refuses a damaged SQLite file, naming it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cardplane-damaged-')), 'state.db');
    writeFileSync(file, 'SQLite format 3\u0000 and then nothing a database would hold '.repeat(200));
    await expect(startTestGateway({ STATE_DB_PATH: file })).rejects.toThrow(new RegExp(`The state database ${file} is damaged or is not a SQLite database`));
  });

  it('refuses an unreachable PostgreSQL, naming it', async () => {
    await expect(startTestGateway({ DATABASE_URL: 'postgres://cardplane:pw@127.0.0.1:1/cardplane' })).rejects.toThrow(
      /PostgreSQL at 127\.0\.0\.1:1\/cardplane \(DATABASE_URL\) is unreachable/,
    );
  });

  it('keeps the audit trail in the configured file, where a restarted gateway finds it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cardplane-state-')), 'state.db');
    const first = await startTestGateway({ STATE_DB_PATH: file });
    const cardRef = [...first.sandboxes.stores.utgl!.cards.keys()][0]!;
    const cardId = Buffer.from(`utgl:Card:${cardRef}`).toString('base64url');
    const reveal = await first.query('mutation($id: ID!) { revealCard(cardId: $id) { token } }', { id: cardId });
    expect(reveal.errors).toBeUndefined();
    await first.close();
    const second = await startTestGateway({ STATE_DB_PATH: file });
    try {
      expect((await second.auditTrail()).map((e) => `${e.action}:${e.target}:${e.outcome}`)).toContain(`card.reveal.requested:${cardId}:SUCCEEDED`);
    } finally {
      await second.close();
    }
  });

  it('is ready while its store answers, and answers 503 at /readyz (naming the check, not the reason) while it does not', async () => {
    const store = new MemoryStateStore();
    const gw = await startTestGateway({}, { store });
    try {
      const ready = await fetch(`${gw.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { startup: 'ok', stateStore: 'ok', stateStoreWrites: 'ok', draining: 'ok' } });
      jest.spyOn(store, 'check').mockRejectedValue(new Error('PostgreSQL at db.internal:5432/cardplane does not answer: ECONNREFUSED'));
      const unready = await fetch(`${gw.url}/readyz`);
      expect(unready.status).toBe(503);
      const body = await unready.text();
      expect(JSON.parse(body)).toEqual({ status: 'unready', checks: { startup: 'ok', stateStore: 'failing', stateStoreWrites: 'ok', draining: 'ok' } });
      expect(body).not.toContain('db.internal');
      jest.mocked(store.check).mockResolvedValue(undefined);
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    } finally {
      await gw.close();
      await store.close();
    }
  });
});
