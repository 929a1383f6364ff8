/**
 * The public entries of `@curator/runtime`, by output name: one per
 * package.json `exports` key (`index` is `.`). tsup builds each with its
 * `.d.ts`; `test/public-surface.test.ts` pins what each exports.
 */
export const publicEntries = {
	index: "src/index.ts",
	codec: "src/entries/codec.ts",
	render: "src/entries/render.ts",
	host: "src/entries/host.ts",
	"worker-host": "src/worker-host.ts",
};
