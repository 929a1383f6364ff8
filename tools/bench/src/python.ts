import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The project venv's python (made or refreshed by tools/env/python-venv.sh). */
export function venvPython(): string {
	const script = fileURLToPath(new URL("../../env/python-venv.sh", import.meta.url));
	const out = execFileSync("bash", [script], {
		encoding: "utf8",
		stdio: ["ignore", "pipe", "inherit"],
	});
	return out.trim().split("\n").at(-1) ?? "";
}
