/**
 * A canonical text form of a value: equal forms mean equal content. Object
 * keys are sorted and Map and Set entries ordered by their own form (their
 * insertion order is not content); a class instance is tagged with its class
 * name, a typed array with its kind; `undefined`, holes, `-0`, `NaN` and
 * bigints are written out. A cycle is written `<cycle>`.
 */
export function canonicalForm(value: unknown): string {
	return form(value, new Set());
}

function form(value: unknown, path: Set<object>): string {
	switch (typeof value) {
		case "undefined":
			return "undefined";
		case "number":
			return Object.is(value, -0) ? "-0" : String(value);
		case "bigint":
			return `${value}n`;
		case "string":
			return JSON.stringify(value);
		case "boolean":
			return String(value);
		case "symbol":
		case "function":
			return `<${typeof value} ${String((value as { name?: unknown }).name ?? value)}>`;
	}
	if (value === null) return "null";
	const object = value as object;
	if (path.has(object)) return "<cycle>";
	path.add(object);
	try {
		return objectForm(object, path);
	} finally {
		path.delete(object);
	}
}

function objectForm(object: object, path: Set<object>): string {
	const tag = object.constructor?.name ?? "Object";
	if (ArrayBuffer.isView(object)) {
		const bytes = new Uint8Array(object.buffer, object.byteOffset, object.byteLength);
		const values = object instanceof DataView ? bytes : (object as unknown as ArrayLike<unknown>);
		return `${tag}[${Array.from(values, (v) => form(v, path)).join(",")}]`;
	}
	if (object instanceof ArrayBuffer) return `ArrayBuffer[${new Uint8Array(object).join(",")}]`;
	if (object instanceof Date)
		return `Date(${Number.isNaN(object.getTime()) ? "NaN" : object.toISOString()})`;
	if (object instanceof RegExp) return `RegExp(${String(object)})`;
	if (Array.isArray(object)) {
		const items = Array.from({ length: object.length }, (_, i) =>
			i in object ? form(object[i], path) : "<hole>",
		);
		return `${tag === "Array" ? "" : tag}[${items.join(",")}]`;
	}
	if (object instanceof Map) {
		const entries = [...object].map(([k, v]) => `${form(k, path)}=>${form(v, path)}`);
		return `${tag}{${entries.sort().join(",")}}`;
	}
	if (object instanceof Set) {
		return `${tag}{${[...object]
			.map((v) => form(v, path))
			.sort()
			.join(",")}}`;
	}
	const keys = Object.keys(object).sort();
	const fields = keys.map(
		(k) => `${JSON.stringify(k)}:${form((object as Record<string, unknown>)[k], path)}`,
	);
	return `${tag === "Object" ? "" : tag}{${fields.join(",")}}`;
}
