"""How large a local cluster is made for a run, and the one-line refusal of a run that cannot
fit (no Ray needed)."""

from __future__ import annotations

from typing import Any

import pytest

from ray_js_bridge.cluster import Unsatisfiable
from ray_js_bridge.sizing import check_fit, demands, local_cpus


def stage(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "resources": {"cpus": 1, "gpus": 0}, "batchSize": 1, **fields}


def node(cpus: float, gpus: float = 0) -> dict[str, Any]:
    return {"NodeID": "n", "Resources": {"CPU": cpus, "GPU": gpus}}


def run(mode: str = "streaming", **fields: Any) -> dict[str, Any]:
    return {"executionMode": mode, "cpuAllocationPercentage": 0.95, **fields}


# The demo's shape: eight stages, a barrier, one more stage.
DEMO = [stage(f"S{i}") for i in range(8)] + [stage("Dedup", barrier=True), stage("Writer")]


def test_streaming_holds_a_phase_at_once_and_batch_one_stage() -> None:
    streaming = demands(DEMO, 1, None, streaming=True)
    assert [(d.cpus, d.stages[0], len(d.stages)) for d in streaming] == [
        (8, "S0", 8),
        (2, "Dedup", 2),
    ]
    batch = demands(DEMO, 1, None, streaming=False)
    assert [d.cpus for d in batch] == [1] * 10


def test_fixed_counts_per_node_counts_auto_and_the_cap_are_counted() -> None:
    stages = [
        stage("A", numWorkers=3, resources={"cpus": 0.5, "gpus": 0}),
        stage("B", numWorkersPerNode=1.5),
        stage("C", numWorkers="auto"),
        stage("D", numWorkers=9),
    ]
    (step,) = demands(stages, 2, 4, streaming=True)
    assert step.cpus == 1.5 + 3 + 1 + 4


def test_a_local_cluster_gets_enough_logical_cpus_for_the_truncated_share() -> None:
    # int(8 * 0.95) = 7 < 8, int(9 * 0.95) = 8: nine logical CPUs on a two-core machine.
    assert local_cpus(DEMO, run(), machine=2) == 9
    assert local_cpus(DEMO, run(cpuAllocationPercentage=1.0), machine=2) == 8
    assert local_cpus(DEMO, run("batch"), machine=2) == 2, "one stage at a time fits the machine"
    assert local_cpus(DEMO, run(), machine=16) == 16, "never fewer than the machine's"
    assert local_cpus(DEMO, run(maxWorkersPerStage=1), machine=1) == 9


def test_a_run_that_fits_passes() -> None:
    check_fit(DEMO, [node(9)], run())
    check_fit(DEMO, [node(2)], run("batch"))


def test_streaming_over_an_explicit_local_cluster_fails_in_one_line_naming_the_options() -> None:
    with pytest.raises(Unsatisfiable) as caught:
        check_fit(DEMO, [node(2)], run(localCpus=2))
    message = str(caught.value)
    assert message == (
        'in streaming mode the 8 stages "S0" to "S7" run together, and their workers need 8 CPUs '
        "at once, but the local cluster (localCpus 2 at cpuAllocationPercentage 0.95) offers 1: "
        'set executionMode: "batch", a larger localCpus or fewer workers per stage '
        "(maxWorkersPerStage, numWorkers)"
    )
    assert "\n" not in message
    assert caught.value.stage == "S0"


def test_a_joined_cluster_too_small_names_a_larger_cluster() -> None:
    # One worker per node and stage by default: 16 workers for the first phase on two nodes.
    two = [node(4), node(4)]
    with pytest.raises(Unsatisfiable) as caught:
        check_fit(DEMO, two, run(rayAddress="h:1", cpuAllocationPercentage=1))
    assert str(caught.value).endswith(
        "need 16 CPUs at once, but the cluster (8 CPUs on 2 nodes) offers 8: set executionMode: "
        '"batch", a larger cluster or fewer workers per stage (maxWorkersPerStage, numWorkers)'
    )
    with pytest.raises(Unsatisfiable, match="head node left out"):
        check_fit(DEMO, [node(4)], run(rayAddress="h:1", ignoreHeadNode=True))


def test_a_batch_stage_too_large_for_the_cluster_names_the_stage_not_batch_mode() -> None:
    stages = [stage("Small"), stage("Wide", numWorkers=4)]
    with pytest.raises(Unsatisfiable) as caught:
        check_fit(stages, [node(2)], run("batch", localCpus=2, cpuAllocationPercentage=1))
    assert str(caught.value) == (
        'the workers of stage "Wide" need 4 CPUs at once, but the local cluster (localCpus 2) '
        "offers 2: set a larger localCpus or fewer workers per stage "
        "(maxWorkersPerStage, numWorkers)"
    )
    assert caught.value.stage == "Wide"


def test_gpus_are_checked_too() -> None:
    stages = [stage("G", numWorkers=2, resources={"cpus": 1, "gpus": 1})]
    with pytest.raises(
        Unsatisfiable, match="need 2 GPUs at once, but the cluster has 1: set fewer"
    ):
        check_fit(stages, [node(8, gpus=1)], run())
