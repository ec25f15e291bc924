import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers, enforced: each folder may import only what its layer allows (docs/architecture.md).
 * A forbidden import fails `npm run lint` with the rule it breaks.
 */
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const TEST_TOOLS = {
  regex: '(^|/)testing(/|$)',
  message:
    'testing/ holds test tools (stand-ins, server runners, fixtures); only test/ and bench/ import it.',
};
const layers = [
  {
    files: ['shared/**/*.ts'],
    rules: restrict(TEST_TOOLS, {
      regex: '^(\\.\\./)+(functions|orchestrators|activities|local|cli|web)(/|$)',
      message:
        'shared/ is the domain: it imports no host folder (functions, orchestrators, activities, local, cli, web).',
    }),
  },
  {
    files: ['local/**/*.ts'],
    rules: restrict(TEST_TOOLS, {
      regex: '^(\\.\\./)+(shared|functions|orchestrators|activities|cli|web)(/|$)',
      message: 'local/ hosts any function app: it imports nothing of mailferry.',
    }),
  },
  {
    files: ['orchestrators/**/*.ts'],
    rules: restrict(TEST_TOOLS, {
      regex: '^\\.\\./(?!shared/workflow(/|$))',
      message:
        'Orchestrators are deterministic: they import only shared/workflow (names, contracts, retry policies).',
    }),
  },
  { files: ['functions/**/*.ts', 'activities/**/*.ts', 'cli/**/*.ts'], rules: restrict(TEST_TOOLS) },
  {
    files: ['web/**/*.mjs', 'web/**/*.js'],
    rules: restrict({
      regex: '^(?!\\./)',
      message: 'web/ is the dashboard: it talks to the API over HTTP and imports only its own modules.',
    }),
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', '.mailferry/', 'coverage/', 'test-output/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...layers,
);
