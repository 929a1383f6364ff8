from __future__ import annotations

import subprocess
import sys


def test_a_stage_actor_does_not_import_xennas_pipeline_runner() -> None:
    # What an actor imports when it unpickles its stage is paid at every actor start.
    script = (
        "import sys\n"
        "import ray_js_bridge.adapter, ray_js_bridge.actor\n"
        "heavy = [m for m in ('cosmos_xenna.pipelines.v1', 'ray.util.state') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    assert done.stdout.decode().strip() == ""
