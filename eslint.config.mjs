// Lint: typescript-eslint's recommended rules over the TypeScript sources (fast, no type info).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'k8s/**', 'node_modules/**', '.run/**', 'results/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // Test helpers read untyped JSON answers; the assertions check their shape.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest modules and Redis commands are loaded with require() in a few places on purpose.
      '@typescript-eslint/no-require-imports': 'off',
      'no-control-regex': 'off',
      // vm sandboxes in the k6 offline check close over the recorder instance.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
);
