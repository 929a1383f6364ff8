"""The sweep of what a dead stage actor leaves on its node (real processes, no Ray)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ray_js_bridge.orphans import OWNER_FILE, _start_time, sweep, write_owner

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="the sweep reads /proc")


def folder(base: Path, name: str, owner: dict[str, object] | None) -> Path:
    path = base / f"curator-w-{name}"
    path.mkdir()
    if owner is not None:
        (path / OWNER_FILE).write_text(json.dumps(owner))
    return path


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_dead_owners_worker_is_killed_and_its_folder_removed(tmp_path: Path) -> None:
    orphan = tmp_path / "curator-w-orphan"
    orphan.mkdir()
    # A stand-in Node worker, in its own session.
    worker = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True
    )
    try:
        owner = {"actor": dead_pid(), "actorStart": "1", "worker": worker.pid}
        owner["workerStart"] = _start_time(worker.pid)
        (orphan / OWNER_FILE).write_text(json.dumps(owner))
        assert sweep(str(tmp_path)) == [str(orphan)]
        assert worker.wait(10) == -9
        assert not orphan.exists()
    finally:
        worker.kill()
        worker.wait()


def test_live_owners_unreadable_folders_and_other_processes_are_left_alone(tmp_path: Path) -> None:
    pid = os.getpid()
    mine = folder(tmp_path, "mine", None)
    write_owner(str(mine), pid)
    unowned = folder(tmp_path, "making", None)
    other = tmp_path / "not-ours"
    other.mkdir()
    # The owner's pid was reused by another process (start time differs): an orphan, but its
    # worker's pid was reused too (by this test): not killed.
    owner = {"actor": pid, "actorStart": "0", "worker": pid, "workerStart": "0"}
    reused = folder(tmp_path, "reused", owner)
    assert sweep(str(tmp_path)) == [str(reused)]
    assert mine.exists() and unowned.exists() and other.exists()
    written = json.loads((mine / OWNER_FILE).read_text())
    assert written["actor"] == pid and written["worker"] == pid
    assert written["actorStart"] == written["workerStart"] == _start_time(pid) is not None
