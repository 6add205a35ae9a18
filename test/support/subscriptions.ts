/**
 * Subscribing to a test gateway over WebSocket: the graphql-ws client a web or mobile app uses
 * (with `ws` as the WebSocket, Node 20 has none), and a raw socket speaking the protocol by
 * hand for the close-code tests.
 */
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export interface Subscriber<T> {
  /** Results received (`next`), in order. */
  results: Array<ExecutionResult<T>>;
  /** The data of each result that had some. */
  data(): T[];
  /** Resolves when the stream completes; rejects on an `error` message or a closed socket. */
  done: Promise<void>;
  /** Resolves once `count` results arrived. */
  received(count: number, timeoutMs?: number): Promise<Array<ExecutionResult<T>>>;
  unsubscribe(): void;
}

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/graphql`;
}

/** A graphql-ws client with the token in connection_init; no retries (tests see every close). */
export function subscriptionClient(httpUrl: string, token: string, options: { onClosed?: (code: number, reason: string) => void } = {}): Client {
  return createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => options.onClosed?.((event as { code: number }).code, String((event as { reason: string }).reason)) },
    onNonLazyError: () => undefined,
  });
}

export function subscribe<T, V extends Record<string, unknown>>(client: Client, document: string | TypedDocumentNode<T, V>, variables: V): Subscriber<T> {
  const results: Array<ExecutionResult<T>> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined);
  const unsubscribe = client.subscribe<T>(
    { query: typeof document === 'string' ? document : print(document), variables },
    {
      next(result) {
        results.push(result as ExecutionResult<T>);
        for (const w of waiters.filter((w) => results.length >= w.count)) w.resolve();
      },
      error: (error) => settle.reject(error),
      complete: () => settle.resolve(),
    },
  );
  return {
    results,
    data: () => results.flatMap((r) => (r.data ? [r.data as T] : [])),
    done,
    unsubscribe,
    received(count, timeoutMs = 15_000) {
      if (results.length >= count) return Promise.resolve(results);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`received ${results.length} of ${count} results: ${JSON.stringify(results)}`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(results);
          },
        });
      });
    },
  };
}

/** A raw graphql-transport-ws socket: what arrived, and how it closed. */
export interface RawSocket {
  socket: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: Record<string, unknown>): void;
  /** Resolves with the first message of this type. */
  next(type: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export async function rawSocket(httpUrl: string, headers: Record<string, string> = {}): Promise<RawSocket> {
  const socket = new WebSocket(wsUrl(httpUrl), 'graphql-transport-ws', { headers });
  const messages: Array<Record<string, unknown>> = [];
  const listeners: Array<() => void> = [];
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>);
    for (const l of listeners.splice(0)) l();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const raw: RawSocket = {
    socket,
    messages,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    next(type, timeoutMs = 10_000) {
      const found = messages.find((m) => m.type === type);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} message: ${JSON.stringify(messages)}`)), timeoutMs);
        const check = () => {
          const hit = messages.find((m) => m.type === type);
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          } else listeners.push(check);
        };
        listeners.push(check);
      });
    },
  };
  return raw;
}

/** A raw socket past connection_ack. */
export async function acknowledgedSocket(httpUrl: string, token: string): Promise<RawSocket> {
  const raw = await rawSocket(httpUrl);
  raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  await raw.next('connection_ack');
  return raw;
}
