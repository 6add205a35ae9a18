/**
 * The mutual-TLS connector against a real TLS server that requires a client certificate: each
 * new connection presents the configured certificate, and none of them parses the PEM again
 * (one TLS context per connector, built when it is).
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { Pool } from 'undici';
import { generateBaasPki, type BaasPki } from '../../../../src/providers/baas/certificates.js';
import { mutualTlsConnector } from '../../../../src/providers/transport/mutual-tls.js';

describe('mutualTlsConnector', () => {
  let pki: BaasPki;
  let server: https.Server;
  let origin: string;
  const connections: TLSSocket[] = [];

  beforeAll(async () => {
    pki = generateBaasPki();
    // Each answer waits a little, so concurrent requests need connections of their own.
    server = https.createServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const socket = req.socket as TLSSocket;
      setTimeout(() => res.end(JSON.stringify({ authorized: socket.authorized, subject: socket.getPeerCertificate().subject?.CN })), 30);
    });
    server.on('secureConnection', (socket: TLSSocket) => connections.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  afterEach(() => jest.restoreAllMocks());

  it('opens every connection with the one TLS context built with it, presenting the client certificate each time', async () => {
    const connector = mutualTlsConnector('baas', { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key }, 2_000);
    const contexts = jest.spyOn(tls, 'createSecureContext');
    const pool = new Pool(origin, { connections: 6, pipelining: 1, connect: connector });
    connections.length = 0;
    try {
      const answers = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const res = await pool.request({ method: 'GET', path: '/' });
          return (await res.body.json()) as { authorized: boolean; subject: string };
        }),
      );
      expect(connections).toHaveLength(6);
      expect(answers.every((a) => a.authorized)).toBe(true);
      expect(new Set(answers.map((a) => a.subject)).size).toBe(1);
      // The server's certificate was still checked against the configured CA on each of them.
      expect(contexts).not.toHaveBeenCalled();
    } finally {
      await pool.close();
    }
  });

  it('still refuses a server whose certificate does not chain to the configured CA', async () => {
    const other = generateBaasPki();
    const connector = mutualTlsConnector('baas', { ca: other.ca.cert, cert: pki.client.cert, key: pki.client.key }, 2_000);
    const pool = new Pool(origin, { connections: 1, connect: connector });
    try {
      await expect(pool.request({ method: 'GET', path: '/' })).rejects.toThrow(/certificate/i);
    } finally {
      await pool.close();
    }
  });
});
