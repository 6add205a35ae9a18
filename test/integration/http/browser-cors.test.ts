/**
 * CORS proven in a real browser: Debian's headless Chromium (driven by playwright-core, never
 * a Playwright browser download) loads a page from another origin — a tiny HTTP server on
 * another loopback port — whose script queries cards with a bearer token and reads them; a
 * page from an origin the gateway does not allow is blocked by the browser. Without Chromium
 * (`.ci/run` installs it) the test says so in one line and is skipped.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../../support/gateway.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) process.stderr.write(`browser CORS test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, as .ci/run does)\n`);

/** A page server standing for a web app on its own origin. */
async function pageServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end('<!doctype html><title>a web app</title><p>web app</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface FetchOutcome {
  status?: number;
  requestId?: string | null;
  cards?: Array<{ id: string; provider: string }>;
  error?: string;
}

(available ? describe : describe.skip)('a web app in a real browser', () => {
  let gw: TestGateway;
  let allowed: Awaited<ReturnType<typeof pageServer>>;
  let other: Awaited<ReturnType<typeof pageServer>>;
  let context: BrowserContext;
  let userDataDir: string;
  let token: string;

  beforeAll(async () => {
    allowed = await pageServer();
    other = await pageServer();
    gw = await startTestGateway({ CORS_ORIGINS: allowed.origin });
    token = await gw.token({ scopes: ['cards:read'] });
    userDataDir = mkdtempSync(join(tmpdir(), 'cardplane-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await allowed?.close();
    await other?.close();
    await gw?.close();
  });

  /** Runs the app's fetch inside a page loaded from `origin`. */
  async function fetchCardsFrom(origin: string): Promise<FetchOutcome> {
    const page = await context.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        async ({ url, bearer }) => {
          try {
            const res = await fetch(`${url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
              body: JSON.stringify({ query: '{ cards(first: 3) { nodes { id provider } } }' }),
            });
            const body = (await res.json()) as { data: { cards: { nodes: Array<{ id: string; provider: string }> } } };
            return { status: res.status, requestId: res.headers.get('x-request-id'), cards: body.data.cards.nodes };
          } catch (error) {
            return { error: String(error) };
          }
        },
        { url: gw.url, bearer: token },
      );
    } finally {
      await page.close();
    }
  }

  it('lets a page from an allowed origin query cards with a bearer token and read the answer', async () => {
    const outcome = await fetchCardsFrom(allowed.origin);
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe(200);
    expect(outcome.cards).toHaveLength(3);
    expect(outcome.cards!.every((c) => typeof c.id === 'string' && c.provider.length > 0)).toBe(true);
    // x-request-id is exposed to scripts, so the app can quote it in a support request.
    expect(outcome.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('blocks a page from an origin the gateway does not allow', async () => {
    const outcome = await fetchCardsFrom(other.origin);
    expect(outcome.cards).toBeUndefined();
    expect(outcome.error).toMatch(/TypeError: Failed to fetch/);
  });
});
