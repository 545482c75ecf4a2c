// Lint rules for structops: typescript-eslint's recommended set plus the
// module-hygiene rules of ARCHITECTURE.md (no default exports, type-only imports).
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": ["error", { selector: "ExportDefaultDeclaration", message: "Use named exports (ARCHITECTURE.md, module hygiene)" }],
      "prefer-const": "error",
      eqeqeq: ["error", "always"],
    },
  },
);
