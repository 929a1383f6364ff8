#!/usr/bin/env bash
# Provisions the project-local Python virtualenv used by the Cosmos-Xenna bridge.
#
#   PY=$(tools/env/python-venv.sh | tail -1)
#
# Creates <repo>/.tools/venv (git-ignored) if it is missing or broken, and installs
# plugins/backend-xenna-bridge/python in editable mode with its [test] extras.
# A stamp (sha256 of that pyproject.toml + the venv's Python version) makes a
# second call a fast no-op. The venv's python path is the LAST line on stdout;
# everything else goes to stderr.
#
# Interpreter search order (first that runs and is >= 3.11 wins):
#   $CURATOR_PYTHON, python3.12, python3.11 on PATH,
#   $HOME/.pyenv/versions/3.12*/bin/python3.12, $HOME/.pyenv/versions/3.11*/bin/python3.11
# A pyenv shim on PATH may exist yet fail ("pyenv: python3.12: command not found"),
# so every candidate is judged by actually running it.
#
# Env: CURATOR_PYTHON (interpreter to use; honoured when the venv is (re)created),
#      CURATOR_VENV_FORCE=1 (delete and recreate the venv, e.g. to switch interpreter).
# Exit codes: 0 ok, 3 no Python >= 3.11 found, other = venv/pip failure.
set -euo pipefail

# Keep the real stdout on fd 3 for the final line; everything else -> stderr.
exec 3>&1 1>&2

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="$ROOT/.tools"
VENV="$TOOLS_DIR/venv"
VPY="$VENV/bin/python"
PKG_DIR="$ROOT/plugins/backend-xenna-bridge/python"
PYPROJECT="$PKG_DIR/pyproject.toml"
STAMP="$VENV/.curator-stamp"

log() { echo "python-venv: $*" >&2; }

[ -f "$PYPROJECT" ] || { log "ERROR: $PYPROJECT not found"; exit 1; }

hash_file() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$1" | cut -d' ' -f1
	else
		cksum "$1" | cut -d' ' -f1
	fi
}

# Prints "X.Y.Z" and succeeds only if "$1" runs and is Python >= 3.11.
py_ok() {
	"$1" -c 'import sys; v=sys.version_info; print("%d.%d.%d" % v[:3]); sys.exit(0 if v >= (3, 11) else 1)' 2>/dev/null
}

want_stamp() {
	local ver
	ver="$(py_ok "$VPY")" || return 1
	echo "$(hash_file "$PYPROJECT") python-$ver"
}

is_fresh() {
	[ "${CURATOR_VENV_FORCE:-0}" != "1" ] || return 1
	[ -x "$VPY" ] && [ -f "$STAMP" ] || return 1
	local want
	want="$(want_stamp)" || return 1
	[ "$(cat "$STAMP")" = "$want" ]
}

# Fast path, no lock: nothing to do.
if is_fresh; then
	echo "$VPY" >&3
	exit 0
fi

mkdir -p "$TOOLS_DIR"
# Serialise concurrent callers (e.g. parallel nx tasks); re-check under the lock.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$TOOLS_DIR/venv.lock"
	flock 9
	if is_fresh; then
		echo "$VPY" >&3
		exit 0
	fi
fi

find_python() {
	local c
	local -a cands=()
	[ -n "${CURATOR_PYTHON:-}" ] && cands+=("$CURATOR_PYTHON")
	cands+=(python3.12 python3.11)
	local minor
	for minor in 12 11; do
		while IFS= read -r c; do
			[ -n "$c" ] && cands+=("$c")
		done < <(ls -d "$HOME"/.pyenv/versions/3."$minor"*/bin/python3."$minor" 2>/dev/null | sort -rV)
	done
	for c in "${cands[@]}"; do
		if py_ok "$c" >/dev/null; then
			# Resolve to an absolute path so the venv does not depend on a shim.
			"$c" -c 'import sys; print(sys.executable)'
			return 0
		fi
		if [ -n "${CURATOR_PYTHON:-}" ] && [ "$c" = "$CURATOR_PYTHON" ]; then
			log "warning: CURATOR_PYTHON=$CURATOR_PYTHON does not run or is older than 3.11; searching further"
		fi
	done
	return 1
}

# (Re)create the venv if forced, or unless an existing one still runs with Python >= 3.11.
if [ "${CURATOR_VENV_FORCE:-0}" = "1" ] || ! py_ok "$VPY" >/dev/null; then
	if ! BASE_PY="$(find_python)"; then
		echo "python-venv: ERROR: no Python >= 3.11 found (tried \$CURATOR_PYTHON, python3.12, python3.11, ~/.pyenv/versions/3.12*|3.11*) - install Python 3.11+ or set CURATOR_PYTHON=/path/to/python3.12" >&2
		exit 3
	fi
	log "creating $VENV with $BASE_PY ($(py_ok "$BASE_PY"))"
	rm -rf "$VENV"
	"$BASE_PY" -m venv "$VENV"
fi

rm -f "$STAMP"
start=$SECONDS
log "installing $PKG_DIR[test] (editable) into $VENV"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
"$VPY" -m pip install --upgrade pip >&2
"$VPY" -m pip install -e "$PKG_DIR[test]" >&2
want_stamp >"$STAMP"
log "done in $((SECONDS - start))s"

echo "$VPY" >&3
