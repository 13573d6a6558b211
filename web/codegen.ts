import type { CodegenConfig } from '@graphql-codegen/cli';

// typescript-operations (v6) emits the enums and inputs the operations use, so the
// `typescript` plugin (every schema type) is left out. Types for the operations in src/ from the server's committed SDL (`make schema` refreshes it).
const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/lib/generated/**'],
  generates: {
    'src/lib/generated/graphql.ts': {
      plugins: ['typescript-operations'],
      config: {
        onlyOperationTypes: true,
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        scalars: {
          DateTime: 'string',
          JSON: 'unknown',
          MetricValue: "number | 'NaN' | 'Infinity' | '-Infinity'",
        },
      },
    },
  },
};
export default config;
