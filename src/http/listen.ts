/** Starts a Node HTTP server listening, and says where to reach it. */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `host:port` (port 0: any free one); resolves with the server's base URL. */
export async function listen(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  // A wildcard address is not somewhere to point a browser.
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shownHost}:${address.port}`;
}
