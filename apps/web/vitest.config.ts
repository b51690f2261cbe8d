import path from "node:path";
import { fileURLToPath } from "node:url";

import { defineConfig } from "vitest/config";

export default defineConfig({
  esbuild: { jsx: "automatic" },
  resolve: { alias: { "@": path.join(path.dirname(fileURLToPath(import.meta.url)), "src") } },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    setupFiles: ["src/test-setup.ts"],
    // @urql/next imports "next/navigation" without an extension, which Node's ESM resolver refuses; Vite resolves it.
    server: { deps: { inline: ["@urql/next"] } },
    reporters: ["default", ["json", { outputFile: "reports/vitest.json" }]],
  },
});
