/**
 * The mutual-TLS material the baas simulator needs, generated in memory at start-up and never
 * written anywhere: a program CA, a server certificate for the loopback address (SAN IP
 * 127.0.0.1 and DNS localhost) and a client certificate, both signed by that CA. Keys come
 * from Node's own RSA generator; node-forge only assembles and signs the X.509 structures.
 *
 * `generateForeignClient` makes an unrelated CA and a client certificate under it: what a
 * gateway configured with another program's (or a stale) identity would present.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface PemPair {
  /** PEM certificate. */
  cert: string;
  /** PEM private key (PKCS#8). */
  key: string;
}

export interface BaasPki {
  ca: PemPair;
  server: PemPair;
  client: PemPair;
}

/** Long enough for any test run or demo session; the material dies with the process. */
const VALIDITY_DAYS = 30;
/** Tolerates a little clock skew between the certificate's issuer and its verifier. */
const BACKDATE_MS = 5 * 60_000;

interface KeyPair {
  privatePem: string;
  publicPem: string;
}

function rsaKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

/** A positive serial: 16 random bytes with the top bit cleared (DER integers are signed). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

interface CertificateSpec {
  commonName: string;
  subjectKey: KeyPair;
  /** The issuer's certificate and key; absent for a self-signed CA. */
  issuer?: { cert: forge.pki.Certificate; key: KeyPair };
  extensions: object[];
}

function buildCertificate(spec: CertificateSpec): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.subjectKey.publicPem);
  cert.serialNumber = serialNumber();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(now + VALIDITY_DAYS * 24 * 60 * 60_000);
  const subject = [
    { name: 'commonName', value: spec.commonName },
    { name: 'organizationName', value: 'Cardplane baas sandbox' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(spec.issuer ? spec.issuer.cert.subject.attributes : subject);
  cert.setExtensions([...spec.extensions, { name: 'subjectKeyIdentifier' }]);
  const signingKey = forge.pki.privateKeyFromPem((spec.issuer?.key ?? spec.subjectKey).privatePem);
  cert.sign(signingKey, forge.md.sha256.create());
  return cert;
}

function pemPair(cert: forge.pki.Certificate, key: KeyPair): PemPair {
  return { cert: forge.pki.certificateToPem(cert), key: key.privatePem };
}

interface Authority {
  cert: forge.pki.Certificate;
  key: KeyPair;
}

function createAuthority(commonName: string): Authority {
  const key = rsaKeyPair();
  const cert = buildCertificate({
    commonName,
    subjectKey: key,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { cert, key };
}

function issueClient(authority: Authority, commonName: string): PemPair {
  const key = rsaKeyPair();
  const cert = buildCertificate({
    commonName,
    subjectKey: key,
    issuer: authority,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return pemPair(cert, key);
}

/** A fresh program CA with a loopback server certificate and one client certificate. */
export function generateBaasPki(): BaasPki {
  const ca = createAuthority('baas sandbox program CA');
  const serverKey = rsaKeyPair();
  const server = buildCertificate({
    commonName: 'localhost',
    subjectKey: serverKey,
    issuer: ca,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      // type 7 = iPAddress, type 2 = dNSName (RFC 5280 GeneralName).
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return {
    ca: pemPair(ca.cert, ca.key),
    server: pemPair(server, serverKey),
    client: issueClient(ca, 'cardplane gateway'),
  };
}

/** A client identity under an unrelated CA: the baas server must refuse its handshake. */
export function generateForeignClient(): { ca: PemPair; client: PemPair } {
  const ca = createAuthority('unrelated CA');
  return { ca: pemPair(ca.cert, ca.key), client: issueClient(ca, 'intruder') };
}
