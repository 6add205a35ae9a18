/**
 * GraphQL Code Generator, from the committed schema and the operations of
 * schema/examples.graphql:
 *
 * - test/generated/graphql.ts: typed documents the integration tests run, so a schema change
 *   that breaks an example breaks the type check (`npm test` runs codegen, then tsc, then jest).
 * - examples/client/generated/: what a client app generates (the client preset), with each
 *   document's persisted-query id embedded (`__meta__.hash`) and `persisted-documents.json`,
 *   the manifest `{ "<sha256 hex>": "<document>" }` a gateway with PERSISTED_QUERIES=only
 *   loads (PERSISTED_QUERIES_MANIFEST). The id is the plain SHA-256 hex of the document, the
 *   automatic persisted queries id, so the same document works in both modes.
 */
import { createHash } from 'node:crypto';
import type { CodegenConfig } from '@graphql-codegen/cli';

const scalars = { Decimal: 'string', DateTimeISO: 'string', ID: 'string' };

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: 'schema/examples.graphql',
  generates: {
    'test/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
      },
    },
    'examples/client/generated/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { hashAlgorithm: (document: string) => createHash('sha256').update(document).digest('hex') },
      },
      config: { scalars, enumsAsTypes: true, useTypeImports: true },
    },
  },
  silent: true,
};

export default config;
