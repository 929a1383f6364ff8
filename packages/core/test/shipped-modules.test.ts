import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	APP_ROOT_ENV,
	type ClassRef,
	classRefOf,
	localModule,
	portableModule,
	registeredClass,
	registerModule,
	resetAppRoot,
	shipModulesFrom,
} from "../src/index.ts";

const saved = process.env[APP_ROOT_ENV];

function useRoot(value: string | undefined): void {
	if (value === undefined) delete process.env[APP_ROOT_ENV];
	else process.env[APP_ROOT_ENV] = value;
	resetAppRoot();
}

beforeEach(() => useRoot(undefined));
afterEach(() => useRoot(saved));

describe("module locations of a shipped package", () => {
	it("leave modules alone outside a shipped run", () => {
		expect(portableModule("file:///app/stages.js")).toBe("file:///app/stages.js");
		expect(localModule("file:///app/stages.js")).toBe("file:///app/stages.js");
	});

	it("record a module inside the package relative to it, and find it in another copy", () => {
		useRoot("/tmp/node-a/pkg");
		const recorded = portableModule("file:///tmp/node-a/pkg/lib/stages.js");
		expect(recorded).toBe("curator-app:lib/stages.js");
		expect(portableModule("file:///elsewhere/x.js")).toBe("file:///elsewhere/x.js");
		useRoot("file:///var/node-b/unpacked/");
		expect(localModule(recorded)).toBe("file:///var/node-b/unpacked/lib/stages.js");
	});

	it("register classes under the portable location", () => {
		useRoot("file:///tmp/shipped/");
		class ShippedStage {}
		registerModule("file:///tmp/shipped/pipeline.js", { ShippedStage });
		expect(classRefOf(ShippedStage)).toEqual({
			module: "curator-app:pipeline.js",
			export: "ShippedStage",
		});
	});

	it("refuse to import a shipped module in a process without a package", () => {
		expect(() => localModule("curator-app:pipeline.js")).toThrow(
			`module curator-app:pipeline.js belongs to a shipped package, but ${APP_ROOT_ENV} is not set in this process`,
		);
	});
});

describe("modules of a process that ships its own files", () => {
	it("are recorded at their place in the package and found again in their folders", () => {
		const end = shipModulesFrom([
			{ source: "file:///home/me/project/", place: "" },
			{ source: "file:///home/me/project/node_modules/lib/", place: "node_modules/lib/" },
			{ source: "file:///repo/packages/text/", place: "node_modules/@curator/text/" },
		]);
		try {
			class ShippedTask {}
			registerModule("file:///repo/packages/text/dist/index.js", { ShippedTask });
			expect(classRefOf(ShippedTask)).toEqual({
				module: "curator-app:node_modules/@curator/text/dist/index.js",
				export: "ShippedTask",
			});
			expect(registeredClass(classRefOf(ShippedTask) as ClassRef)).toBe(ShippedTask);
			expect(portableModule("file:///home/me/project/node_modules/lib/x.js")).toBe(
				"curator-app:node_modules/lib/x.js",
			);
			expect(localModule("curator-app:node_modules/lib/x.js")).toBe(
				"file:///home/me/project/node_modules/lib/x.js",
			);
			expect(localModule("curator-app:stages.ts")).toBe("file:///home/me/project/stages.ts");
		} finally {
			end();
		}
		expect(portableModule("file:///repo/packages/text/dist/index.js")).toBe(
			"file:///repo/packages/text/dist/index.js",
		);
	});
});
