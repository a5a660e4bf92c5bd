// Lint: TypeScript rules, plus the layers of the code (core → model → constructs → CLI, each importing only
// downward) and no import cycles. `npm run lint`, run by `npm test`.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** Packages only the construct layer may load at run time (the model takes their types, never their code). */
const CDK8S = ['cdk8s', 'cdk8s-plus-*', 'constructs'];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'build/', 'cli/build/', 'dist/', 'imports/', 'test/cluster/go/', '**/*.js', '**/*.mjs'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // no-cycle and the zones follow imports through the TypeScript sources
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      // the code base predates the linter: these stay off until each is worth its churn
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // prettier (npm run format) wraps code at 120; strings, templates and regular expressions it cannot wrap
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './lib/core',
              from: './lib',
              except: ['./core'],
              message: 'lib/core is the bottom layer: it imports nothing of the project',
            },
            {
              target: './lib/model',
              from: './lib',
              except: ['./core', './model'],
              message: 'the model (lib/model) imports only lib/core',
            },
            {
              target: './lib',
              from: ['./cli', './bin', './test', './scripts', './bench', './main.ts'],
              message: 'the library never imports the CLI, tests or tools',
            },
            {
              target: './cli',
              from: ['./test', './scripts', './bench'],
              message: 'the CLI never imports tests or tools',
            },
          ],
        },
      ],
    },
  },
  {
    // the core and the model load without cdk8s, cdk8s-plus and constructs: type imports only
    files: ['lib/core/**/*.ts', 'lib/model/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: CDK8S,
              allowTypeImports: true,
              message: 'the model must not load cdk8s, cdk8s-plus or constructs at run time (import type only)',
            },
          ],
        },
      ],
    },
  },
);
