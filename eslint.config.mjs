// Lint: TypeScript rules, plus the layers of the code, each importing only downward, and no import cycles.
// `npm run lint`, run by `npm test`. The layers (lib/README.md):
//   lib/core        errors, suggestions, durations, Kubernetes names, quantities: no cdk8s
//   lib/model       the chain model: lib/core only, cdk8s as types only
//   lib/kit         what every construct of ours builds on (prop checks and key tables, pod helpers, labels, the
//                   app index, the default names); no construct of ours, so any construct may use all of it
//   lib/existing    declarations of what the cluster has already (ExistingNamespaces, ExistingEndpoints)
//   lib/monitoring  the monitoring stack: pushgateway, Prometheus, the adapter and its rules, monitors, peers. Below
//                   the Interlok side because it is what that side uses: an adapter serves AdapterRules, an HPA
//                   reads the adapter's metric, never the other way round
//   lib/*.ts        Interlok and its scaling: InterlokDeployment, PushgatewayEnv, the HPA, KEDA, the dashboard of
//                   an HPA, the chart that wires them all; lib/index.ts is the public API
//   cli/, bin/      the CLI
// A rule that spans layers reads constructs of a higher layer by a mark (kit/app-index.ts's DECLARES_NAMESPACES,
// monitoring/pushgateway-endpoint.ts's PUSHGATEWAY_SERVICE), never by importing them.
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
              target: './lib/kit',
              from: './lib',
              except: ['./core', './model', './kit'],
              message: 'lib/kit is the ground of the constructs: it imports lib/core and lib/model only, no construct',
            },
            {
              target: './lib/existing',
              from: './lib',
              except: ['./core', './model', './kit', './existing'],
              message: 'lib/existing imports lib/core, lib/model and lib/kit only',
            },
            {
              target: './lib/monitoring',
              from: './lib',
              except: ['./core', './model', './kit', './existing', './monitoring'],
              message:
                'the monitoring stack (lib/monitoring) never imports the Interlok side (lib/*.ts): mark what a rule must find instead',
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
