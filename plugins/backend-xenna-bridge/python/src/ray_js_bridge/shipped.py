"""Where a shipped program's parts are on this node (see the plugin's "Run on a Ray cluster").

``curator submit`` sends three ``py_modules`` packages with the job: ``curator_app``
(the program: the project's files and the npm packages it imports), ``curator_node``
(a linux-x64 Node.js binary) and this package beside pyzmq and tqdm (at the top of
their package, so that they are importable before anything imports this one:
cosmos-xenna imports tqdm when a Ray worker unpickles its actor). Ray unpacks each
into a folder of its own on every node, a different one per node, and puts them on
``sys.path``; they are found here by import name. Module locations inside the program
travel as ``curator-app:<path>`` and each process resolves them against its own copy
(``CURATOR_APP_ROOT``).
"""

from __future__ import annotations

import importlib.util
import json
import stat
import sys
from pathlib import Path

APP_MODULE = "curator_app"
NODE_MODULE = "curator_node"
APP_SCHEME = "curator-app:"
NODE_SHIPPED = "curator-node:"
APP_ROOT_ENV = "CURATOR_APP_ROOT"
SITE_TAG_FILE = "curator_site.json"


class NotShipped(Exception):
    """A part of the shipped program is missing on this node."""


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise NotShipped(
            f"the {name} package is not on this node's Python path: "
            "was the job submitted with curator submit?"
        )
    return Path(locations[0])


def app_dir() -> Path:
    """This node's copy of the program."""
    return _package_dir(APP_MODULE)


def node_binary() -> str:
    """This node's copy of the Node.js binary, made executable if the unpacking lost the bit."""
    binary = _package_dir(NODE_MODULE) / "bin" / "node"
    if not binary.is_file():
        raise NotShipped(f"no Node.js binary in the shipped {NODE_MODULE} package ({binary})")
    mode = binary.stat().st_mode
    if not mode & stat.S_IXUSR:
        binary.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(binary)


def check_site() -> None:
    """Fails when the shipped pyzmq was built for another Python than this node's."""
    tag_file = Path(__file__).resolve().parent.parent / SITE_TAG_FILE
    if not tag_file.is_file():
        return
    shipped = json.loads(tag_file.read_text())
    if shipped.get("tag") != sys.implementation.cache_tag:
        version = "{}.{}".format(*sys.version_info[:2])
        raise NotShipped(
            f"this node runs Python {version}, but the bridge's dependencies (pyzmq) were packed "
            f"from Python {shipped.get('version')}: submit from a Python {version} environment "
            "(CURATOR_XENNA_PYTHON), or run the same Python version on every node"
        )


def local_path(value: str) -> str:
    """``curator-app:<path>`` as the path of that file in this node's copy of the program;
    any other value unchanged."""
    if not value.startswith(APP_SCHEME):
        return value
    return str(app_dir() / value[len(APP_SCHEME) :])


def resolve_worker(node: str, entry: str, env: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    """The Node binary, worker-host path and environment of a Node worker on this node.

    A shipped run names them ``curator-node:`` and ``curator-app:<path>``; anything else
    is a path valid on every node and is returned unchanged.
    """
    if node != NODE_SHIPPED and not entry.startswith(APP_SCHEME):
        return node, entry, env
    local_node = node_binary() if node == NODE_SHIPPED else node
    return local_node, local_path(entry), {**env, **shipped_env()}


def shipped_env() -> dict[str, str]:
    """What a process of a shipped run needs in its environment on this node."""
    return {APP_ROOT_ENV: app_dir().as_uri() + "/"}
