// typescript-eslint "strict" plus type-aware promise rules: a forgotten await in auth code is a bypass.
// The import rules below keep the layers of docs/architecture.md: imports only go down, and only
// the composition root (lib/create-stepup.ts, lib/index.ts) sees the facade and strategies/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export const FEATURES = [
  'bearer-tokens',
  'totp',
  'recovery',
  'one-time-code',
  'password',
  'remember-browser',
  'password-reset',
  'passkeys',
  'sessions',
];
const ABOVE_CORE = ['http', 'step-up', 'router', 'mail', 'sms', ...FEATURES];

/** One `no-restricted-imports` entry per layer: `../<folder>/` of the folders above it. */
function layer(files, forbidden, message) {
  const groups = [
    {
      regex: '^(\\.\\./)+(create-stepup|options|index)(\\.js)?$',
      message:
        'Only the composition root imports lib/create-stepup.ts, lib/options.ts and lib/index.ts; take a FactorHost instead.',
    },
    {
      regex: '(^|/)strategies/',
      message: 'lib/ never imports strategies/ (only lib/index.ts and lib/create-stepup.ts do).',
    },
  ];
  if (forbidden.length > 0) {
    groups.push({ regex: `^\\.\\./(${forbidden.join('|')})/`, message });
  }
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: groups }] } };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'docs/api/**',
      'node_modules/**',
      'test-results/**',
      'bench/results.json',
      'test/fixtures/pack/**',
      // Globals for the README and docs/ guide snippets only, compiled by test/project/readme.snippets.test.ts.
      'test/readme/placeholders.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  // Value-import cycles (import-x); test/project/architecture.imports.test.ts also counts type-only ones.
  {
    files: ['lib/**/*.ts', 'strategies/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver()],
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: { 'import-x/no-cycle': 'error' },
  },
  layer(
    ['lib/stores/**/*.ts', 'lib/crypto/**/*.ts'],
    ['core', 'crypto', 'stores', ...ABOVE_CORE].filter(Boolean),
    'Leaves import nothing of lib.',
  ),
  layer(
    ['lib/core/**/*.ts'],
    ABOVE_CORE,
    'lib/core is below every feature, http, step-up and the router.',
  ),
  layer(
    ['lib/mail/**/*.ts', 'lib/sms/**/*.ts'],
    ['http', 'step-up', 'router', ...FEATURES],
    'Channels import core and leaves only.',
  ),
  layer(
    ['lib/http/**/*.ts'],
    ['step-up', 'router', ...FEATURES],
    'lib/http is below step-up, the features and the router.',
  ),
  layer(
    ['lib/step-up/**/*.ts'],
    ['router', ...FEATURES],
    'lib/step-up does not import features or the router.',
  ),
  ...FEATURES.map((f) =>
    layer(
      [`lib/${f}/**/*.ts`],
      ['router', 'step-up', ...FEATURES.filter((o) => o !== f)],
      'A feature never imports another feature or the router; declare an interface (lib/core/factor-keys.ts).',
    ),
  ),
  layer(['lib/router/**/*.ts'], [], ''),
  {
    files: ['strategies/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./lib/(create-stepup|options|index)(\\.js)?$',
              message: 'Strategies import core and their feature, not the composition root.',
            },
            { regex: '^\\.\\./lib/router/', message: 'Strategies do not import the router.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
