#!/usr/bin/env bash
# Prepares a release: applies the pending changesets (versions, changelogs), installs with the
# lock file that follows, builds every package and checks every tarball (contents, publint, attw).
# Publishing stays a separate, deliberate step: review, commit, then `npx changeset publish`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ "${CURATOR_IN_NODE_ENV:-}" != "1" ]; then
	export CURATOR_IN_NODE_ENV=1
	exec "$ROOT/tools/env/with-node.sh" "$ROOT/tools/release.sh" "$@"
fi
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

npx changeset version
# New versions of workspace packages change the lock file: install updates it, once, here.
npm install --loglevel=error --no-audit --no-fund >&2
npx nx run-many -t build --outputStyle=stream >&2
npm run --silent check -w @curator/pack
