import { createHash } from "node:crypto";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { type ZipOptions, zipSync } from "fflate";

/**
 * How Ray unpacks a package: a `working_dir` package's entries are the job's working directory;
 * a `py_modules` package holds one top-level folder, named after the directory, and Ray puts the
 * unpacked package on `PYTHONPATH` (so `import <folder>` works). This is the layout Ray's own
 * Python client makes (`include_parent_dir` false for `working_dir`, true for `py_modules`).
 */
export type RayPackageKind = "working_dir" | "py_modules";

/** A directory's content as a package: what it holds and the URI it is stored under in Ray's GCS. */
export interface RayPackageContent {
	/**
	 * `gcs://_ray_pkg_<hash>.zip`, the hash of the entries' names, modes and contents: equal
	 * content gives an equal URI, known without zipping (a Node binary takes seconds to zip).
	 */
	uri: string;
	/** Its files and empty folders, in zip order. */
	entries: readonly PackageEntry[];
	/** Bytes of its files, unzipped. */
	bytes: number;
}

/** A directory zipped the same way every time, and the URI it is stored under in Ray's GCS. */
export interface RayPackage {
	/** As {@link RayPackageContent.uri}. */
	uri: string;
	/** The zip file's bytes. */
	zip: Uint8Array;
	/** How many files and empty folders it holds. */
	entries: number;
}

// Unix file types and the two modes a file can have in a package (as git keeps them): the same
// content from two checkouts with different umasks gives the same bytes, and an executable (a
// Node binary) stays executable, since Ray's unzip chmods each file to `external_attr >> 16`.
const regularFile = 0o100000;
const directory = 0o040000;
const executableMode = 0o755;
const plainMode = 0o644;
// Unix, in the "version made by" field, so unzip tools read the upper attribute bits as a mode.
const unixHost = 3;
// DOS times are local times: a Date built from local fields gives 1980-01-01 00:00 in any zone.
const fixedTime = new Date(1980, 0, 1, 0, 0, 0);
const deflateLevel = 6;

/** One file or empty folder of a package: its path inside the zip and its bytes and mode. */
export interface PackageEntry {
	name: string;
	data: Uint8Array;
	mode: number;
}

/**
 * Zips `dir` deterministically: entries in a fixed order (sorted by path), fixed timestamps,
 * modes reduced to 0644/0755 (executable bit kept), symbolic links followed, other special files
 * skipped. The same directory content always gives the same bytes and the same URI.
 */
export async function zipDirectory(dir: string, kind: RayPackageKind): Promise<RayPackage> {
	const content = await readPackage(dir, kind);
	return { uri: content.uri, zip: zipPackage(content), entries: content.entries.length };
}

/** Reads `dir` as a package of `kind` (see {@link zipDirectory}) and names it by its content. */
export async function readPackage(dir: string, kind: RayPackageKind): Promise<RayPackageContent> {
	const root = resolve(dir);
	const info = await stat(root);
	if (!info.isDirectory()) throw new Error(`${dir} is not a directory`);
	const prefix = kind === "py_modules" ? `${basename(root)}/` : "";
	const entries: PackageEntry[] = [];
	await collect(root, prefix, new Set([await realpath(root)]), entries);
	if (kind === "py_modules" && entries.length === 0) {
		entries.push({ name: prefix, data: new Uint8Array(0), mode: directory | executableMode });
	}
	// fflate keeps entries in a plain object, where this name would set its prototype instead.
	if (entries.some((entry) => entry.name === "__proto__"))
		throw new Error(`${dir}: a file named __proto__ cannot be packed`);
	entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
	const hash = createHash("sha256");
	let bytes = 0;
	for (const entry of entries) {
		const data = createHash("sha256").update(entry.data).digest("hex");
		hash.update(`${entry.name}\0${entry.mode.toString(8)}\0${data}\n`);
		bytes += entry.data.byteLength;
	}
	return { uri: `gcs://_ray_pkg_${hash.digest("hex").slice(0, 32)}.zip`, entries, bytes };
}

/** The zip of a package read by {@link readPackage}: the same content always gives the same bytes. */
export function zipPackage(content: RayPackageContent): Uint8Array {
	const { entries } = content;
	const files: Record<string, [Uint8Array, ZipOptions & { os: number; attrs: number }]> = {};
	for (const entry of entries) {
		files[entry.name] = [
			entry.data,
			// `* 65536`, not `<< 16`: a mode with the file-type bits overflows a signed shift.
			{ level: deflateLevel, mtime: fixedTime, os: unixHost, attrs: entry.mode * 65536 },
		];
	}
	return zipSync(files);
}

async function collect(
	dir: string,
	prefix: string,
	ancestors: Set<string>,
	into: PackageEntry[],
): Promise<void> {
	const names = (await readdir(dir)).sort();
	if (names.length === 0 && prefix !== "") {
		into.push({ name: prefix, data: new Uint8Array(0), mode: directory | executableMode });
		return;
	}
	for (const name of names) {
		const path = join(dir, name);
		const info = await stat(path);
		if (info.isDirectory()) {
			const real = await realpath(path);
			// A link back to a folder above would never end.
			if (ancestors.has(real)) throw new Error(`${path} links back to ${real}`);
			await collect(path, `${prefix}${name}/`, new Set([...ancestors, real]), into);
		} else if (info.isFile()) {
			const mode = (info.mode & 0o111) !== 0 ? executableMode : plainMode;
			into.push({ name: `${prefix}${name}`, data: await readFile(path), mode: regularFile | mode });
		}
	}
}
