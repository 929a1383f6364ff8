"""Where a shipped program's parts are on a node: found by import name, per node."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from ray_js_bridge import job, shipped


@pytest.fixture
def unpacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A node's copies of the program and of Node.js, as Ray leaves them on the path."""
    (tmp_path / "curator_app").mkdir()
    (tmp_path / "curator_app" / "__init__.py").write_text("")
    binary = tmp_path / "curator_node" / "bin" / "node"
    binary.parent.mkdir(parents=True)
    (tmp_path / "curator_node" / "__init__.py").write_text("")
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o644)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    return tmp_path


def test_a_shipped_worker_starts_from_this_nodes_copies(unpacked: Path) -> None:
    host = "node_modules/@curator/backend-xenna-bridge/dist/worker-host.js"
    node, entry, env = shipped.resolve_worker("curator-node:", f"curator-app:{host}", {"A": "1"})
    assert node == str(unpacked / "curator_node" / "bin" / "node")
    assert Path(node).stat().st_mode & stat.S_IXUSR, "made executable when unpacking lost the bit"
    assert entry == str(unpacked / "curator_app" / host)
    assert env == {"A": "1", "CURATOR_APP_ROOT": (unpacked / "curator_app").as_uri() + "/"}
    assert shipped.local_path("--output") == "--output"


def test_a_worker_of_a_run_that_did_not_ship_keeps_its_paths() -> None:
    assert shipped.resolve_worker("/usr/bin/node", "/app/worker-host.js", {}) == (
        "/usr/bin/node",
        "/app/worker-host.js",
        {},
    )


def test_without_the_program_on_the_path_the_error_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shipped, "APP_MODULE", "curator_app_absent_here")
    with pytest.raises(shipped.NotShipped, match="is not on this node's Python path"):
        shipped.local_path("curator-app:pipeline.ts")


def test_a_job_runs_its_program_in_the_programs_folder(
    unpacked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The curator command looks up backends from its working folder first: on the head node
    # that folder may hold other copies of the packages.
    monkeypatch.setattr(job, "check_site", lambda: None)
    binary = unpacked / "curator_node" / "bin" / "node"
    binary.write_text('#!/bin/sh\npwd > "$2"\n')
    binary.chmod(0o755)
    out = tmp_path / "cwd.txt"
    assert job.main(["curator-app:bin.js", str(out)]) == 0
    assert out.read_text().strip() == str(unpacked / "curator_app")
