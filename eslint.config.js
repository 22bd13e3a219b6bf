// ESLint (flat config): the recommended rules of ESLint and typescript-eslint, with type
// information, over everything TypeScript the project holds. Formatting is prettier's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // bench/apollo/, bench/mercurius/ and bench/mercurius-guarded/ are reference servers of the benchmark,
  // each with a package.json of its own.
  {
    ignores: ['node_modules/', 'dist/', 'dist-*/', 'data/', 'generated/', 'bench/apollo/', 'bench/mercurius/', 'bench/mercurius-guarded/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // prettier's width (.prettierrc.json), also for the comments and strings it does not break.
      'max-len': ['error', { code: 140, ignoreUrls: true }],
    },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.objectContaining) are typed `any`.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes and fixtures are async to fit the signature they stand in for.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
