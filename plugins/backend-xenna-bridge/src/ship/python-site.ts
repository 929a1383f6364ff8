import { execFileSync } from "node:child_process";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ShipError } from "./errors.ts";

/**
 * Distributions the bridge needs on every node beyond ray and cosmos-xenna
 * (which the nodes must have): pyzmq (the actor <-> Node worker link) and tqdm
 * (cosmos-xenna 0.2.0 imports it without declaring it). msgpack comes with ray.
 */
export const shippedDistributions = ["pyzmq", "tqdm"] as const;

/** The file next to the shipped Python packages that names the interpreter they were built for. */
export const SITE_TAG_FILE = "curator_site.json";

const listing = `
import importlib.metadata as m, json, sys
out = {"tag": sys.implementation.cache_tag, "version": "%d.%d" % sys.version_info[:2], "tops": {}}
for name in sys.argv[1:]:
    dist = m.distribution(name)
    tops = {str(f).split("/")[0] for f in (dist.files or [])}
    out["tops"][name] = sorted(
        str(dist.locate_file(t)) for t in tops
        if t and not t.endswith((".dist-info", ".pth")) and t not in ("..", "__pycache__")
    )
print(json.dumps(out))
`;

/**
 * Copies the bridge's Python package into `target` beside {@link shippedDistributions}
 * from the site-packages of `python`, and the interpreter tag for the node-side check:
 * `target`'s content is one py_modules entry, whose top level Ray puts on the path of
 * every worker (cosmos-xenna imports tqdm before anything of the bridge is imported).
 */
export function stagePythonSite(python: string, bridgeSource: string, target: string): void {
	let found: { tag: string; version: string; tops: Record<string, string[]> };
	try {
		const out = execFileSync(python, ["-c", listing, ...shippedDistributions], {
			encoding: "utf8",
			stdio: ["ignore", "pipe", "pipe"],
		});
		found = JSON.parse(out);
	} catch (error) {
		const detail = (error as { stderr?: string }).stderr?.trim().split("\n").at(-1) ?? "";
		throw new ShipError(
			`cannot find ${shippedDistributions.join(" and ")} in ${python} to ship them: ${detail}`,
		);
	}
	cpSync(join(bridgeSource, "ray_js_bridge"), join(target, "ray_js_bridge"), {
		recursive: true,
		filter: (path) => !path.includes("__pycache__"),
	});
	for (const paths of Object.values(found.tops)) {
		for (const path of paths) {
			const name = path.slice(path.lastIndexOf("/") + 1);
			cpSync(path, join(target, name), {
				recursive: true,
				filter: (p) => !p.includes("__pycache__"),
			});
		}
	}
	writeFileSync(
		join(target, SITE_TAG_FILE),
		`${JSON.stringify({ tag: found.tag, version: found.version })}\n`,
	);
}
