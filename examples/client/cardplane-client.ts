/**
 * A small Cardplane client, written the way a web or mobile app would: typed documents
 * generated from the schema (`npm run codegen` → ./generated), a bearer token on every request,
 * persisted query ids instead of query text, and errors handled by `extensions.code`,
 * `retryable` and `retryAfterSeconds` — never by parsing messages. Uses only `fetch` and Web
 * Crypto, so the same code runs in Node ≥ 20, browsers and React Native.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, print, type OperationDefinitionNode } from 'graphql';

/** `extensions` of every Cardplane error (the `ErrorCode` enum of the schema lists the codes). */
export interface ErrorExtensions {
  code: string;
  provider?: string;
  retryable: boolean;
  retryAfterSeconds?: number;
  upstream?: { status?: number; code?: string; requestId?: string };
  requestId?: string;
  [more: string]: unknown;
}

export interface GraphQLErrorJson {
  message: string;
  path?: Array<string | number>;
  extensions: ErrorExtensions;
}

/** A request that produced no data: the first error's code says what to do. */
export class CardplaneError extends Error {
  constructor(
    readonly errors: GraphQLErrorJson[],
    readonly status: number,
    readonly requestId: string | null,
  ) {
    super(errors[0]?.message ?? `HTTP ${status}`);
    this.name = 'CardplaneError';
  }

  get code(): string {
    return this.errors[0]?.extensions.code ?? 'INTERNAL_SERVER_ERROR';
  }
}

/**
 * - `ids`: only the persisted id (the generated `__meta__.hash`) travels: what a mobile app
 *   ships to a gateway running PERSISTED_QUERIES=only.
 * - `apq`: automatic persisted queries: the id first, the text once when the gateway does not
 *   know it yet (PERSISTED_QUERY_NOT_FOUND).
 * - `text`: the query text every time.
 */
export type PersistedMode = 'ids' | 'apq' | 'text';

export interface ClientOptions {
  /** e.g. http://localhost:4000/graphql */
  url: string;
  /** The bearer token (development: `npm run token -- --tenant acme`). */
  token: () => string | Promise<string>;
  persisted?: PersistedMode;
  /** Retries of a query whose every error is `retryable` (mutations are never resent). */
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What a request answered: possibly partial data, with the errors of what is missing. */
export interface Result<T> {
  data: T;
  errors: GraphQLErrorJson[];
  requestId: string | null;
}

interface PersistedDocument {
  __meta__?: { hash?: string };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function operationOf(document: TypedDocumentNode<unknown, never>): OperationDefinitionNode {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('The document holds no operation');
  return operation;
}

export function createClient(options: ClientOptions) {
  const mode = options.persisted ?? 'ids';
  const maxRetries = options.maxRetries ?? 2;
  const wait = options.sleep ?? sleep;

  async function post(body: Record<string, unknown>) {
    const res = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await options.token()}` },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { data?: unknown; errors?: GraphQLErrorJson[] };
    return { status: res.status, requestId: res.headers.get('x-request-id'), data: json.data ?? null, errors: json.errors ?? [] };
  }

  async function send<T, V>(document: TypedDocumentNode<T, V>, variables: V | undefined) {
    const operation = operationOf(document as TypedDocumentNode<unknown, never>);
    const base = { operationName: operation.name?.value, variables };
    if (mode === 'text') return post({ ...base, query: print(document) });
    if (mode === 'ids') {
      const id = (document as PersistedDocument).__meta__?.hash;
      if (!id) throw new Error('The document has no persisted id: generate it with the client preset (npm run codegen)');
      return post({ ...base, extensions: { persistedQuery: { version: 1, sha256Hash: id } } });
    }
    const query = print(document);
    const persistedQuery = { version: 1, sha256Hash: await sha256Hex(query) };
    const first = await post({ ...base, extensions: { persistedQuery } });
    if (first.errors[0]?.extensions.code !== 'PERSISTED_QUERY_NOT_FOUND') return first;
    return post({ ...base, query, extensions: { persistedQuery } });
  }

  return {
    /**
     * Runs a typed operation. Partial answers come back with their errors (a provider that
     * failed inside a list is also named in that list's `failures`); an answer without data
     * throws a CardplaneError. A query whose errors are all retryable is asked again after
     * `retryAfterSeconds` (or a short back-off), at most `maxRetries` times.
     */
    async request<T, V>(document: TypedDocumentNode<T, V>, variables?: V): Promise<Result<T>> {
      const isQuery = operationOf(document as TypedDocumentNode<unknown, never>).operation === 'query';
      for (let attempt = 0; ; attempt += 1) {
        const res = await send(document, variables);
        if (res.data !== null) return { data: res.data as T, errors: res.errors, requestId: res.requestId };
        const error = new CardplaneError(res.errors, res.status, res.requestId);
        const retryable = res.errors.length > 0 && res.errors.every((e) => e.extensions.retryable);
        if (!isQuery || !retryable || attempt >= maxRetries) throw error;
        const seconds = Math.max(...res.errors.map((e) => e.extensions.retryAfterSeconds ?? 2 ** attempt * 0.25));
        await wait(seconds * 1000);
      }
    },
  };
}

export type CardplaneClient = ReturnType<typeof createClient>;
