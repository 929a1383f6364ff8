from __future__ import annotations

from typing import Any

from ray_js_bridge.default_workers import idle_source_cpus, with_default_workers
from ray_js_bridge.sizing import local_cpus


def stage(name: str, **fields: Any) -> dict[str, Any]:
    base = {"name": name, "isSource": False, "resources": {"cpus": 1, "gpus": 0}}
    return {**base, **fields}


def run(mode: str = "streaming", pct: float = 1.0, **fields: Any) -> dict[str, Any]:
    return {"executionMode": mode, "cpuAllocationPercentage": pct, **fields}


def counts(stages: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [(s.get("numWorkers"), s.get("numWorkersPerNode")) for s in stages]


def test_streaming_stages_share_what_the_fixed_workers_leave_of_the_smallest_node() -> None:
    stages = [
        stage("source", isSource=True),
        stage("fixed", numWorkers=2),
        stage("a"),
        stage("b", resources={"cpus": 2, "gpus": 0}),
    ]
    # Smallest node: int(17 * 0.9) = 15 CPUs; the source and the fixed stage hold 3; 6 each.
    sized = with_default_workers(stages, [17.0, 32.0], run(pct=0.9))
    assert counts(sized) == [(1, None), (2, None), (None, 6.0), (None, 3.0)]
    assert counts(stages)[2] == (None, None)  # the submitted stages are left as they were


def test_batch_stages_take_the_whole_node_and_gpu_stages_one_worker_per_node() -> None:
    stages = [
        stage("source", isSource=True),
        stage("cpu"),
        stage("gpu", resources={"cpus": 1, "gpus": 0.5}),
        stage("auto", numWorkers="auto"),
    ]
    sized = with_default_workers(stages, [8.0], run("batch"))
    assert counts(sized) == [(1, None), (None, 8.0), (None, 1.0), ("auto", None)]


def test_a_crowded_node_still_gives_every_stage_one_worker_and_a_barrier_keeps_its_own() -> None:
    stages = [stage("a"), stage("b"), stage("c"), stage("barrier", barrier=True), stage("d")]
    sized = with_default_workers(stages, [2.0], run())
    # Phases: a-c, then the barrier with d (the barrier's one worker holds one CPU).
    assert counts(sized) == [(None, 1.0), (None, 1.0), (None, 1.0), (None, None), (None, 1.0)]


def test_a_local_cluster_gets_the_machines_cores_plus_the_streaming_sources() -> None:
    stages = [stage("source", isSource=True), stage("work")]
    assert idle_source_cpus(stages, run()) == 1.0
    assert idle_source_cpus(stages, run("batch")) == 0.0
    assert local_cpus(stages, run(), machine=2) == 3
    assert local_cpus(stages, run("batch"), machine=2) == 2
    # A source with its own count is the user's choice: nothing added.
    named = [stage("source", isSource=True, numWorkers=1), stage("work")]
    assert local_cpus(named, run(), machine=2) == 2
