import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Workflow code is replayed: it must be deterministic and free of I/O.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['pg', 'undici', 'zod', 'fs', 'node:fs', 'http', 'node:http', 'crypto', 'node:crypto'],
          patterns: [
            { group: ['../activities/*', '../activities', '!../activities/types'], allowTypeImports: true, message: 'Workflows import activity types only.' },
            { group: ['../db/*', '../simulator/*', '../dev/*', '../config'], message: 'Workflows do no I/O.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use workflow time from activity results; workflows are replayed.' },
        { object: 'Math', property: 'random', message: 'Workflows are replayed: no randomness.' },
      ],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date']", message: 'Workflows are replayed: no wall clock.' }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'process'],
    },
  },
);
