// Lint rules for Rastro. Rules that matter to the architecture live here, not only in prose.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'web/dist/**', '.rastro/**', 'coverage/**', 'artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // Destinations and gateways must throw the classified errors from src/core/errors.ts,
    // never a bare Error, so the delivery engine can decide whether to retry.
    files: ['src/destinations/**/*.ts', 'src/gateways/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Error']",
          message: 'Throw a RastroError subclass from src/core/errors.ts.',
        },
      ],
    },
  },
  {
    files: [
      'src/cli/**/*.ts',
      'bench/**/*.ts',
      'test/**/*.ts',
      'scripts/**/*.ts',
      'bin/**/*.js',
      'src/emulators/**/*.ts',
    ],
    rules: { 'no-console': 'off' },
  },
);
