import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "reports/**"],
    pool: "forks",
    testTimeout: 180_000,
    reporters: ["default", ["json", { outputFile: "reports/vitest.json" }]],
  },
});
