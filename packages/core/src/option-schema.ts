/**
 * Checks one option value; returns what is wrong with it (e.g.
 * `must be a whole number >= 1, got 0`), or `undefined` when it is fine.
 * `undefined` values never reach a rule: an unset option is always allowed.
 */
export type OptionRule = (value: unknown) => string | undefined;

/** One rule for every key of `T`, so a new option without a rule fails to type-check. */
export type OptionRules<T> = { readonly [K in keyof Required<T>]: OptionRule };

/**
 * The known keys of an options object and their rules, plus an optional
 * check across keys. Build one with {@link optionSchema}; check values with
 * {@link optionsProblem}.
 */
export interface OptionSchema<T = object> {
	readonly rules: Readonly<Record<string, OptionRule>>;
	/** A rule across keys (e.g. min <= max), called when every key is valid; gets the key prefix. */
	readonly check?: (options: T, prefix: string) => string | undefined;
}

/**
 * An option schema: unknown keys are rejected by name, each known key is
 * checked by its rule. Dependency-free on purpose: core (and backend-local,
 * which depends only on core) must not pull a validation library in.
 */
export function optionSchema<T extends object>(
	rules: OptionRules<T>,
	check?: (options: T, prefix: string) => string | undefined,
): OptionSchema<T> {
	return Object.freeze({ rules: Object.freeze({ ...rules }), ...(check ? { check } : {}) });
}

/** A schema with more keys (e.g. a backend's config on top of every executor's). */
export function extendSchema<T extends object>(
	base: OptionSchema,
	extra: OptionSchema<T>,
): OptionSchema<T> {
	return optionSchema<T>({ ...base.rules, ...extra.rules } as OptionRules<T>, extra.check);
}

/**
 * The first problem of `options` against `schema`, or `undefined`.
 * With `path` (e.g. `backend.actorPool`), keys are named by their full path
 * (`unknown option backend.actorPool.x`, `backend.actorPool.x must be ...`);
 * without, they are named as executor config keys.
 */
export function optionsProblem<T extends object>(
	schema: OptionSchema<T>,
	options: unknown,
	path?: string,
): string | undefined {
	if (typeof options !== "object" || options === null || Array.isArray(options)) {
		return `${path ?? "config"} must be an object`;
	}
	const prefix = path === undefined ? "" : `${path}.`;
	for (const [key, value] of Object.entries(options)) {
		const rule = Object.hasOwn(schema.rules, key) ? schema.rules[key] : undefined;
		if (rule === undefined) {
			return path === undefined ? `unknown config key "${key}"` : `unknown option ${prefix}${key}`;
		}
		const problem = value === undefined ? undefined : rule(value);
		if (problem !== undefined) return `${prefix}${key} ${problem}`;
	}
	return schema.check?.(options as T, prefix);
}

const shown = (value: unknown): string =>
	typeof value === "string" ? JSON.stringify(value) : String(value);

/** The rules option schemas are built from. */
export const optionRules = {
	/** A whole number >= `min` (default 1). */
	whole(min = 1): OptionRule {
		return (value) =>
			Number.isInteger(value) && (value as number) >= min
				? undefined
				: `must be a whole number >= ${min}, got ${shown(value)}`;
	},
	/** A finite number >= `min`, or > `above`, and at most `max`. */
	number(bounds: { min?: number; above?: number; max?: number }): OptionRule {
		const { min, above, max } = bounds;
		const words = [
			min === undefined ? undefined : `>= ${min}`,
			above === undefined ? undefined : `> ${above}`,
			max === undefined ? undefined : `<= ${max}`,
		].filter((word) => word !== undefined);
		return (value) =>
			typeof value === "number" &&
			Number.isFinite(value) &&
			(min === undefined || value >= min) &&
			(above === undefined || value > above) &&
			(max === undefined || value <= max)
				? undefined
				: `must be a number ${words.join(" and ")}, got ${shown(value)}`;
	},
	/** `true` or `false`. */
	boolean: ((value) =>
		typeof value === "boolean" ? undefined : "must be true or false") as OptionRule,
	/** A non-empty string. */
	text: ((value) =>
		typeof value === "string" && value.trim() !== ""
			? undefined
			: "must be a non-empty string") as OptionRule,
	/** One of `values`. */
	oneOf(...values: readonly (string | number)[]): OptionRule {
		const listed = values.map((value) => JSON.stringify(value)).join(" or ");
		return (value) =>
			values.includes(value as string | number)
				? undefined
				: `must be ${listed}, got ${shown(value)}`;
	},
	/** An object (its own fields are checked where it is used, e.g. `machine`, `logger`). */
	object: ((value) =>
		typeof value === "object" && value !== null ? undefined : "must be an object") as OptionRule,
	/** Valid when any of `rules` accepts the value; otherwise the first rule's problem. */
	anyOf(...rules: readonly OptionRule[]): OptionRule {
		return (value) => {
			const problems = rules.map((rule) => rule(value));
			return problems.includes(undefined) ? undefined : problems[0];
		};
	},
} as const;

/** Rules of the keys every executor accepts ({@link ExecutorConfig}). */
export const executorConfigSchema: OptionSchema = optionSchema<{
	ignoreHeadNode?: boolean;
	logger?: object;
}>({
	ignoreHeadNode: optionRules.boolean,
	logger: optionRules.object,
});
