/** The flavours of a backend package: inside the Curator TS workspace, or a package of its own. */
export type Flavour = "workspace" | "standalone";

/** Everything the templates use (`<%= key %>` in `templates/`). */
export interface TemplateValues {
	/** Backend short name, kebab-case (`curator run --backend <name>`). */
	name: string;
	packageName: string;
	description: string;
	executorClass: string;
	adapterClass: string;
	supportsConst: string;
	/** How the README says to run the conformance test. */
	testCommand: string;
	/** `.`, for file names that start with a dot (`__dot__gitignore`: npm drops a `.gitignore`). */
	dot: string;
	[key: string]: string;
}

const namePattern = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Why `name` cannot name a backend, or `undefined`. */
export function nameProblem(name: unknown): string | undefined {
	return typeof name === "string" && namePattern.test(name)
		? undefined
		: `name must be kebab-case (e.g. "my-cluster"), got "${String(name)}"`;
}

/** The values shared by both flavours, from the backend's name and its package. */
export function baseValues(options: {
	name: string;
	packageName: string;
	description?: string | undefined;
	testCommand: string;
}): TemplateValues {
	const problem = nameProblem(options.name);
	if (problem !== undefined) throw new Error(problem);
	const words = options.name.split("-");
	const className = words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join("");
	const propertyName = className[0]?.toLowerCase() + className.slice(1);
	return {
		name: options.name,
		packageName: options.packageName,
		description: options.description ?? `Curator TS ${options.name} backend`,
		executorClass: `${className}Executor`,
		adapterClass: `${className}StageAdapter`,
		supportsConst: `${propertyName}Supports`,
		testCommand: options.testCommand,
		dot: ".",
	};
}
