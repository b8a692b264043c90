import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

/** Every module the workflow bundle loads from src/, found by following value imports from src/workflows/index.ts. */
function workflowModules() {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
    for (const statement of source.statements) {
      const typeOnly = ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly;
      const from = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier?.text;
      if (!from || typeOnly || !from.startsWith('.')) continue;
      const target = resolve(dirname(file), from);
      visit([`${target}.ts`, join(target, 'index.ts')].find((candidate) => ts.sys.fileExists(candidate)));
    }
  };
  visit(join(root, 'src/workflows/index.ts'));
  return [...seen].map((file) => relative(root, file));
}

export default tseslint.config(
  // Recorded workflow bundles are webpack's output of released code (npm run record:bundle).
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'test/fixtures/bundles/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // A promise nobody awaits loses its failure: in workflows a lost command, in activities a lost write.
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  {
    // Workflow code is replayed: every module it loads must be free of I/O. The sandbox makes Date and
    // Math.random deterministic, so they are allowed.
    files: [...workflowModules(), 'src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'pg',
            'undici',
            'zod',
            'fs',
            'node:fs',
            'http',
            'node:http',
            'crypto',
            'node:crypto',
            '@temporalio/activity',
            '@temporalio/client',
            '@temporalio/worker',
          ],
          patterns: [
            { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'Workflows import activity types only.' },
            { group: ['**/db/*', '**/simulator/*', '**/dev/*', '**/config', '**/logging', '**/redact'], message: 'Workflow code does no I/O.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'Workflow code reads no environment.' }, 'setTimeout', 'setInterval'],
    },
  },
);
