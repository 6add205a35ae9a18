/**
 * One client cannot hold the server: a request must arrive whole within the request timeout (a
 * body dribbled byte by byte is cut off), and one remote address may hold only so many
 * connections at once.
 */
import { connect, type Socket } from 'node:net';
import { startTestGateway, type TestGateway } from '../../support/gateway.js';

/** A raw socket to the gateway, with everything it receives and whether the server closed it. */
async function rawSocket(url: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => data, closed };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('slow and greedy clients', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_MAX_CONNECTIONS_PER_CLIENT: '3' });
  });
  afterAll(() => gw.close());

  it('releases a client that sends its headers and dribbles its body, long before the body is complete', async () => {
    const { socket, received, closed } = await rawSocket(gw.url);
    const body = JSON.stringify({ query: `{ providers { provider } }${' '.repeat(200)}` });
    socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${await gw.token()}\r\nContent-Length: ${body.length}\r\n\r\n`);
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    // One byte every 100 ms: the whole body would take about 25 s.
    let sent = 0;
    while (!isClosed && sent < body.length) {
      socket.write(body[sent]!);
      sent += 1;
      await sleep(100);
    }
    await closed;
    expect(sent).toBeLessThan(body.length);
    expect(received()).toMatch(/^HTTP\/1\.1 408/);
  }, 40_000);

  it('caps the connections one remote address may hold, and frees a slot when one closes', async () => {
    const held = [];
    for (let i = 0; i < 3; i += 1) {
      const conn = await rawSocket(gw.url);
      conn.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      while (!conn.received().includes('"ok"')) await sleep(20);
      held.push(conn);
    }
    const extra = await rawSocket(gw.url);
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await extra.closed;
    expect(extra.received()).toBe('');

    for (const conn of held) conn.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i += 1) {
      status = await fetch(`${gw.url}/healthz`).then((r) => r.status, () => 0);
      if (status !== 200) await sleep(50);
    }
    expect(status).toBe(200);
  });
});
