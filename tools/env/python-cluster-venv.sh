#!/usr/bin/env bash
# Provisions a Python environment like that of a Ray cluster's node: only ray[default] and
# cosmos-xenna at the bridge's pins (no pyzmq, tqdm or ray_js_bridge: `curator submit` ships
# those). Used by the bridge's cluster tests.
#
#   PY=$(tools/env/python-cluster-venv.sh | tail -1)
#
# It lives outside the checkout (the tests hide the checkout from their worker node):
# $CURATOR_CLUSTER_VENV, else ${XDG_CACHE_HOME:-~/.cache}/curator-ts/cluster-venv-<python>.
# It is made from the project venv's base interpreter (tools/env/python-venv.sh), so that
# Python versions match. A stamp makes a second call a no-op. The interpreter's path is the
# LAST line on stdout; everything else goes to stderr. Exit codes as python-venv.sh.
set -euo pipefail
exec 3>&1 1>&2

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYPROJECT="$ROOT/plugins/backend-xenna-bridge/python/pyproject.toml"
PROJECT_PY="$("$ROOT/tools/env/python-venv.sh" | tail -1)"
BASE_PY="$("$PROJECT_PY" -c 'import sys; print(sys._base_executable)')"
VERSION="$("$BASE_PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
VENV="${CURATOR_CLUSTER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/curator-ts/cluster-venv-$VERSION}"
VPY="$VENV/bin/python"
STAMP="$VENV/.curator-stamp"

# The two pins, as the bridge's pyproject.toml states them.
PINS=()
while IFS= read -r pin; do PINS+=("$pin"); done < <(
	grep -oE '"(ray\[default\]|cosmos-xenna)==[^"]+"' "$PYPROJECT" | tr -d '"'
)
[ "${#PINS[@]}" -eq 2 ] || { echo "python-cluster-venv: pins not found in $PYPROJECT" >&2; exit 1; }
WANT="${PINS[*]} $BASE_PY"

if [ -x "$VPY" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
	echo "$VPY" >&3
	exit 0
fi
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9
if [ -x "$VPY" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
	echo "$VPY" >&3
	exit 0
fi
start=$SECONDS
echo "python-cluster-venv: creating $VENV with ${PINS[*]}" >&2
rm -rf "$VENV"
"$BASE_PY" -m venv "$VENV"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
"$VPY" -m pip install --quiet "${PINS[@]}" >&2
echo "$WANT" >"$STAMP"
echo "python-cluster-venv: done in $((SECONDS - start))s" >&2
echo "$VPY" >&3
