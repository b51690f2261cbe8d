// The repository's config plus the rules of hooks for the dashboard's components.
import reactHooks from "eslint-plugin-react-hooks";

import root from "../../eslint.config.mjs";

export default [
  ...root,
  { ignores: ["src/gql/**", "next-env.d.ts"] },
  {
    files: ["**/*.tsx", "**/*.ts"],
    plugins: { "react-hooks": reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
];
