"""``python -m ray_js_bridge.job <script> [args...]``: the entrypoint of a submitted job.

Runs ``node <script> [args...]`` with this node's copies of the shipped Node.js binary
and program, where every argument written ``curator-app:<path>`` (the script's too)
names a file inside the program package (unpacked at a different place on every node),
with the environment a shipped run needs: its package root (``CURATOR_APP_ROOT``), this
interpreter as the bridge's driver (``CURATOR_XENNA_PYTHON``) and the job's cluster.
It runs in the program's folder, so that what the program looks up from its working
folder (the ``curator`` command finds backends there first) is the shipped copy, not
whatever the head node's working folder holds. The exit code is Node's; SIGINT and
SIGTERM (Ray stopping the job) are passed on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from .shipped import NotShipped, app_dir, check_site, local_path, node_binary, shipped_env


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m ray_js_bridge.job <script> [args...]", file=sys.stderr)
        return 2
    try:
        check_site()
        node = node_binary()
        env = {**os.environ, **shipped_env(), "CURATOR_XENNA_PYTHON": sys.executable}
        args = [local_path(arg) for arg in argv]
        cwd = app_dir()
    except NotShipped as error:
        print(f"curator job: {error}", file=sys.stderr)
        return 2
    child = subprocess.Popen([node, *args], env=env, cwd=cwd)

    def forward(signum: int, _frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    code = child.wait()
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
