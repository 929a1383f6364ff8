"""What a dead stage actor leaves on its node: its Node worker and its private folder.

A :class:`ray_js_bridge.node_worker.NodeWorker` lives in a ``curator-w-*`` folder of the
actor's temp dir, with an ``owner`` file naming the actor process and the Node worker
(pid and start time of each: the Node worker retitles itself, so its command line
cannot tell it). An actor that is killed (SIGKILL, the OOM killer) runs no
clean-up: the folder stays, and the Node worker, in its own session, goes on with its
batch (it exits once it notices it was re-parented, between two batches).
:func:`sweep` runs on that node after such a death and, for every folder whose actor
is gone, kills the Node worker's process group (when that pid is still the process
the actor started) and removes the folder. Linux only (``/proc``);
elsewhere it does nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile

FOLDER_PREFIX = "curator-w-"
"""Prefix of the folder of each Node worker (made with ``mkdtemp``)."""

OWNER_FILE = "owner"


def write_owner(folder: str, worker_pid: int) -> None:
    """Records in ``folder`` that this process owns it and started Node worker ``worker_pid``."""
    owner = {
        "actor": os.getpid(),
        "actorStart": _start_time(os.getpid()),
        "worker": worker_pid,
        "workerStart": _start_time(worker_pid),
    }
    path = os.path.join(folder, OWNER_FILE)
    with open(path + ".tmp", "w", encoding="utf-8") as file:
        json.dump(owner, file)
    os.replace(path + ".tmp", path)


def sweep(temp_dir: str | None = None) -> list[str]:
    """Kills the Node workers of dead owners in ``temp_dir`` (default: this process's temp
    dir) and removes their folders; returns the folders removed."""
    if not os.path.isdir("/proc"):
        return []
    base = temp_dir or tempfile.gettempdir()
    removed = []
    with contextlib.suppress(OSError), os.scandir(base) as entries:
        for entry in entries:
            if not entry.name.startswith(FOLDER_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            owner = _read_owner(entry.path)
            if owner is None or _alive(int(owner["actor"]), owner.get("actorStart")):
                continue
            started = owner.get("workerStart")
            if started is not None and _alive(int(owner["worker"]), started):
                # The Node worker leads its own session (and process group).
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(int(owner["worker"]), signal.SIGKILL)
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


def _read_owner(folder: str) -> dict[str, object] | None:
    try:
        with open(os.path.join(folder, OWNER_FILE), encoding="utf-8") as file:
            owner = json.load(file)
    except (OSError, ValueError):
        # Not ours to read, or still being made.
        return None
    return owner if isinstance(owner, dict) else None


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` from the state on (field 3), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as file:
            stat = file.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


def _start_time(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[19] if fields is not None and len(fields) > 19 else None


def _alive(pid: int, start: object) -> bool:
    """Whether ``pid`` still runs and is the process the owner file names."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return False
    return start is None or (len(fields) > 19 and fields[19] == start)
