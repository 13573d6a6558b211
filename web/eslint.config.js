import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Imports point one way: app → features → components/lib. A feature is used by others only
// through its index (`@/features/<name>`), never through its api/components/routes files.
const crossFeature = {
  group: ['@/features/*/*', '../../*/api/*', '../../*/components/*', '../../*/routes/*'],
  message: "Import another feature through its index ('@/features/<name>'), not its internals.",
};
const intoFeatures = {
  group: ['@/features', '@/features/*', '../features/*', '../../features/*'],
  message: 'Shared code (components/, lib/) must not depend on features.',
};

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'src/lib/generated'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [crossFeature] }],
    },
  },
  {
    files: ['src/components/**', 'src/lib/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [crossFeature, intoFeatures] }] },
  },
  {
    files: ['e2e/**/*.mjs', '*.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
);
