import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CuratorError, ErrorCodes } from "@curator/core";
import { backendName } from "../errors.ts";

/** Where {@link resolveRayToken} found the token (for messages; never the token itself). */
export type RayTokenSource =
	| "option"
	| "RAY_AUTH_TOKEN"
	| "RAY_AUTH_TOKEN_PATH"
	| "~/.ray/auth_token";

/**
 * The token for a cluster with token authentication, looked up as Ray's own clients do: the
 * explicit `token`, else `RAY_AUTH_TOKEN`, else the file `RAY_AUTH_TOKEN_PATH` names (it must
 * be readable), else `~/.ray/auth_token` when it exists; `undefined` when there is none.
 * Surrounding whitespace (a file's trailing newline) is dropped.
 */
export function resolveRayToken(
	token?: string,
	env: NodeJS.ProcessEnv = process.env,
	home: string = homedir(),
): { token: string; source: RayTokenSource } | undefined {
	if (token !== undefined && token.trim() !== "") return { token: token.trim(), source: "option" };
	const fromEnv = env.RAY_AUTH_TOKEN?.trim();
	if (fromEnv) return { token: fromEnv, source: "RAY_AUTH_TOKEN" };
	const path = env.RAY_AUTH_TOKEN_PATH;
	if (path) {
		const fromFile = readToken(path);
		if (fromFile === undefined) {
			throw new CuratorError(
				ErrorCodes.invalidConfig,
				`${backendName}: RAY_AUTH_TOKEN_PATH names ${path}, which cannot be read or is empty`,
			);
		}
		return { token: fromFile, source: "RAY_AUTH_TOKEN_PATH" };
	}
	const fromHome = readToken(join(home, ".ray", "auth_token"));
	return fromHome === undefined ? undefined : { token: fromHome, source: "~/.ray/auth_token" };
}

function readToken(path: string): string | undefined {
	try {
		return readFileSync(path, "utf8").trim() || undefined;
	} catch {
		return undefined;
	}
}
