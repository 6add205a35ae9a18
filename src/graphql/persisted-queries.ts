/**
 * Persisted queries: a client sends an operation's id (the SHA-256 of its text, in
 * `extensions.persistedQuery.sha256Hash`) instead of the text.
 *
 * - `PERSISTED_QUERIES=auto` (the default): automatic persisted queries. An id the gateway does
 *   not know is answered PERSISTED_QUERY_NOT_FOUND; the client sends the text with the id once,
 *   and the id alone works from then on (Apollo Server's in-memory APQ cache). The ids of a
 *   manifest (`PERSISTED_QUERIES_MANIFEST`), when given, are known from the start.
 * - `PERSISTED_QUERIES=only`: a safelist, for production. Only the operations of the manifest
 *   run — the manifest GraphQL Code Generator writes from the client's documents
 *   (`persisted-documents.json` of the client preset: `{ "<sha256 hex>": "<document>" }`), so
 *   a mobile app ships ids, not query text. Any other text or id is PERSISTED_QUERY_NOT_FOUND,
 *   before parsing, validation or any upstream call.
 * - `PERSISTED_QUERIES=off`: ids are refused with PERSISTED_QUERY_NOT_SUPPORTED.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApolloServerPlugin, BaseContext, GraphQLRequest } from '@apollo/server';
import { ConfigError, type Reader } from '../core/env.js';
import { ErrorCode } from '../core/errors.js';

export type PersistedQueriesMode = 'auto' | 'only' | 'off';

export interface PersistedQuerySettings {
  mode: PersistedQueriesMode;
  /** id (sha256 hex of the document) → document. */
  manifest: ReadonlyMap<string, string>;
}

const MODES: PersistedQueriesMode[] = ['auto', 'only', 'off'];
const SHA256_HEX = /^[0-9a-f]{64}$/;

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export const SAFELIST_REFUSAL =
  'This gateway runs only the operations of its persisted-operation manifest (PERSISTED_QUERIES=only): ' +
  'send the id of a generated document in extensions.persistedQuery.sha256Hash';

export function persistedQuerySettingsFromEnv(read: Reader): PersistedQuerySettings {
  const mode = read.oneOf('PERSISTED_QUERIES', MODES, 'auto') as PersistedQueriesMode;
  const path = read.has('PERSISTED_QUERIES_MANIFEST') ? read.required('PERSISTED_QUERIES_MANIFEST') : undefined;
  if (mode === 'only' && !path) throw new ConfigError('PERSISTED_QUERIES_MANIFEST', 'is required when PERSISTED_QUERIES=only (the persisted-documents.json generated from the client documents)');
  if (mode === 'off' && path) throw new ConfigError('PERSISTED_QUERIES_MANIFEST', 'is set but PERSISTED_QUERIES=off ignores it');
  return { mode, manifest: path ? loadManifest(path) : new Map() };
}

/** Reads and checks a manifest: every id must be the SHA-256 of its document. */
export function loadManifest(path: string): Map<string, string> {
  const refuse = (problem: string) => new ConfigError('PERSISTED_QUERIES_MANIFEST', `${problem} (${path})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw refuse((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'names a file that does not exist' : 'is not a JSON file');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw refuse('must be a JSON object of sha256 id → document');
  const manifest = new Map<string, string>();
  for (const [id, document] of Object.entries(parsed)) {
    if (!SHA256_HEX.test(id) || typeof document !== 'string') throw refuse(`has an entry that is not "<sha256 hex>": "<document>" (${id.slice(0, 80)})`);
    if (sha256Hex(document) !== id) throw refuse(`has an id that is not the SHA-256 of its document (${id})`);
    manifest.set(id, document);
  }
  if (manifest.size === 0) throw refuse('holds no operation');
  return manifest;
}

/** Apollo Server's `persistedQueries` option: its in-memory APQ cache, or none when off. */
export function apolloPersistedQueries(settings: PersistedQuerySettings): false | undefined {
  return settings.mode === 'off' ? false : undefined;
}

function idOf(request: GraphQLRequest): string | undefined {
  const id = (request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Runs before Apollo's own APQ handling: fills in the text of a manifest id, and in `only`
 * mode turns anything outside the manifest into a bare unknown id, which Apollo answers
 * with the protocol's PERSISTED_QUERY_NOT_FOUND (the message then says why).
 */
export function persistedQueriesPlugin<TContext extends BaseContext>(settings: PersistedQuerySettings): ApolloServerPlugin<TContext> {
  const { manifest, mode } = settings;
  return {
    async requestDidStart({ request }) {
      const id = idOf(request);
      if (id !== undefined && request.query === undefined && manifest.has(id)) {
        request.query = manifest.get(id);
        return;
      }
      if (mode !== 'only') return;
      if (request.query !== undefined && manifest.has(sha256Hex(request.query))) return;
      // Not in the manifest (text, or an id it does not hold): refused by the protocol's own path.
      request.query = undefined;
      request.extensions = { ...request.extensions, persistedQuery: { version: 1, sha256Hash: id ?? 'not-in-manifest' } };
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          response.body.singleResult.errors = errors.map((e) =>
            e.extensions?.code === ErrorCode.PERSISTED_QUERY_NOT_FOUND ? { ...e, message: SAFELIST_REFUSAL } : e,
          );
        },
      };
    },
  };
}
