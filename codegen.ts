/**
 * GraphQL Code Generator: typed documents for every operation in schema/examples.graphql,
 * generated from the committed schema. The integration tests run these documents, so a
 * schema change that breaks an example breaks the type check (`npm test` runs codegen,
 * then tsc, then jest).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: 'schema/examples.graphql',
  generates: {
    'test/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { Decimal: 'string', DateTimeISO: 'string', ID: 'string' },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
      },
    },
  },
  silent: true,
};

export default config;
