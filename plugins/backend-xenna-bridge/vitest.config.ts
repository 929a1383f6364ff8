import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["test/**/*.test.ts"],
		globalSetup: ["test/global-setup.ts"],
		testTimeout: 120_000,
		hookTimeout: 180_000,
		// Runs wait on Ray and Xenna more than they compute: two files at a time on any machine.
		maxWorkers: 2,
	},
});
