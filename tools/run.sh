#!/usr/bin/env bash
# The two entry points of the README:
#   tools/run.sh demo   installs, builds and runs the main job
#   tools/run.sh test   installs, builds, lints, type-checks and runs every test
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ "${CURATOR_IN_NODE_ENV:-}" != "1" ]; then
	export CURATOR_IN_NODE_ENV=1
	exec "$ROOT/tools/env/with-node.sh" "$ROOT/tools/run.sh" "$@"
fi

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-false}"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

# Installs exactly what package-lock.json locks (npm ci never rewrites it). Tool output goes to
# stderr: stdout is the command's own (`tools/run.sh demo --json > report.json`).
install() {
	local stamp="node_modules/.curator-install-stamp"
	if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
		npm ci --loglevel=error --no-audit --no-fund >&2
		touch "$stamp"
	fi
}

build() {
	npx nx run-many -t build --outputStyle=stream >&2
}

case "${1:-}" in
demo)
	shift
	install
	build
	# The demo pipeline on the embedded sample (default backend), written to ./curator-out;
	# extra arguments go to `curator run`, e.g. `tools/run.sh demo --backend actor-pool --json`.
	exec node packages/cli/dist/bin.js run demo "$@"
	;;
test)
	shift
	install
	npx biome ci .
	npx nx run-many -t build typecheck test --outputStyle=stream
	;;
*)
	echo "usage: tools/run.sh demo|test" >&2
	exit 2
	;;
esac
