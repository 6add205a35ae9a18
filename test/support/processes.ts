/**
 * Child processes for the crash and replica tests: the simulators in one process (their state
 * survives a gateway's SIGKILL), gateways in others, each TypeScript file run as jest runs it
 * (test/support/register-ts.cjs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { request } from 'undici';
import { ALL_SCOPES } from '../../src/core/viewer.js';
import type { Fault } from '../../src/sandbox/server.js';
import type { MoneyWriteName } from './money-writes.js';

const ROOT = join(__dirname, '..', '..');

export interface Child<T> {
  process: ChildProcess;
  info: T;
  /** SIGKILL, and resolves once it is gone. */
  kill(): Promise<void>;
  /** Resolves when it exits (for a child that kills itself). */
  exited: Promise<void>;
}

export async function startChild<T>(script: string, env: Record<string, string>): Promise<Child<T>> {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/register-ts.cjs'), join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = await new Promise<T>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as T));
    child.once('exit', (code, signal) => reject(new Error(`${script} exited (${code ?? signal}) before it was ready`)));
  });
  return {
    process: child,
    info,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The simulators' process and its admin API. */
export async function startSandboxHost() {
  const child = await startChild<{ env: Record<string, string>; adminUrl: string }>('test/support/sandbox-host-child.ts', {});
  const admin = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await request(`${child.info.adminUrl}${path}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
    const answer = (await res.body.json()) as T;
    if (res.statusCode !== 200) throw new Error(`sandbox host: ${JSON.stringify(answer)}`);
    return answer;
  };
  return {
    env: child.info.env,
    kill: () => child.kill(),
    fault: (provider: string, fault: Fault) => admin('/fault', { provider, fault }),
    reset: () => admin('/reset', {}),
    variables: (write: MoneyWriteName) => admin<Record<string, unknown>>(`/variables/${write}`),
    effects: (write: MoneyWriteName) => admin<number>(`/effects/${write}`),
    posts: (write: MoneyWriteName) => admin<number>(`/posts/${write}`),
  };
}

export type SandboxHost = Awaited<ReturnType<typeof startSandboxHost>>;

/** A test identity provider: the environment a gateway child trusts it with, and tokens. */
export async function testIdentity() {
  const keys = await generateKeyPair('ES256');
  const env = {
    AUTH_PUBLIC_KEY: await exportSPKI(keys.publicKey),
    AUTH_ISSUER: 'https://id.cardplane.test/',
    AUTH_AUDIENCE: 'cardplane',
    AUTH_ALGORITHMS: 'ES256',
    PROVIDER_TENANTS: 'utgl=acme,baas=acme,corporate=acme,ledger=acme,pushpull=acme',
    RATE_LIMIT_PER_SECOND: '10000',
    RATE_LIMIT_BURST: '10000',
  };
  const token = await new SignJWT({ tenant: 'acme', scope: ALL_SCOPES.join(' ') })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuer(env.AUTH_ISSUER)
    .setAudience(env.AUTH_AUDIENCE)
    .setSubject('crash-tester')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(keys.privateKey);
  return { env, token };
}

export interface GraphQLAnswer {
  data: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions: Record<string, unknown> }>;
}

/** One GraphQL request; a gateway that died mid-request is `{ died: true }`. */
export async function graphql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<GraphQLAnswer | { died: true }> {
  try {
    const res = await request(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.body.json()) as GraphQLAnswer;
  } catch {
    return { died: true };
  }
}
