export type { CreateBackendOptions } from "./create.ts";
export { createBackend, standaloneValues } from "./create.ts";
export { renderTemplates, substitute, templateFolders, templatesDir } from "./render.ts";
export type { Flavour, TemplateValues } from "./values.ts";
export { baseValues, nameProblem } from "./values.ts";
