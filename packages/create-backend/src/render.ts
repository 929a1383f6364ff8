import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Flavour, TemplateValues } from "./values.ts";

/** Where the templates are: `common/` for every backend, plus one folder per {@link Flavour}. */
export const templatesDir = join(import.meta.dirname, "..", "templates");

/** The template folders of a flavour, in the order they are applied. */
export function templateFolders(flavour: Flavour): string[] {
	return [join(templatesDir, "common"), join(templatesDir, flavour)];
}

/**
 * Renders a flavour's templates: file path (relative, `__key__` in names
 * replaced, `__tmpl__` dropped) to content (`<%= key %>` replaced). Throws
 * naming a key that has no value, so no template ships a hole.
 */
export function renderTemplates(flavour: Flavour, values: TemplateValues): Map<string, string> {
	const files = new Map<string, string>();
	for (const folder of templateFolders(flavour)) {
		for (const file of walk(folder)) {
			const path = substituteName(relative(folder, file), values);
			files.set(path, substitute(readFileSync(file, "utf8"), values, path));
		}
	}
	return files;
}

/** `<%= key %>` replaced by `values[key]` (the only template syntax, shared with Nx's `generateFiles`). */
export function substitute(text: string, values: TemplateValues, where = "template"): string {
	return text.replace(/<%=\s*(\w+)\s*%>/g, (_, key: string) => {
		const value = values[key];
		if (value === undefined) throw new Error(`${where}: no value for <%= ${key} %>`);
		return value;
	});
}

function substituteName(path: string, values: TemplateValues): string {
	return path
		.replace(/__tmpl__$/, "")
		.replace(/__(\w+?)__/g, (whole, key: string) => values[key] ?? whole);
}

function walk(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true })
		.flatMap((entry) =>
			entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
		)
		.sort();
}
