"""How submit's stages become Xenna stages, and the actor's failure bookkeeping (no Ray needed)."""

from __future__ import annotations

import pickle
import subprocess
import sys
from typing import Any

import pytest
from cosmos_xenna.pipelines import v1 as xenna

from ray_js_bridge.actor import ActorState
from ray_js_bridge.adapter import StageFailure, blocks_of, make_stage_class
from ray_js_bridge.cluster import (
    RAY_ENV,
    Unsatisfiable,
    check_resources,
    is_head,
    is_loopback,
    resolve_workers,
)
from ray_js_bridge.runner import find_stage_failure, pipeline_config, stage_config, stage_spec


def node(cpus: float, gpus: float = 0, head: bool = False) -> dict[str, Any]:
    resources: dict[str, float] = {"CPU": cpus, "GPU": gpus}
    if head:
        resources["node:__internal_head__"] = 1
    return {"NodeID": "n", "Alive": True, "Resources": resources}


def stage(**fields: Any) -> dict[str, Any]:
    base = {
        "name": "Shout",
        "className": "ShoutStage",
        "key": "0",
        "isSource": True,
        "batchSize": 4,
        "resources": {"cpus": 1, "gpus": 0},
        "numSetupAttempts": 1,
        "numRunAttempts": 2,
        "ignoreFailures": False,
    }
    return {**base, **fields}


def test_workers_default_to_one_per_node() -> None:
    assert resolve_workers(stage(), 3, None) == (None, 1.0)


def test_fixed_counts_and_auto() -> None:
    assert resolve_workers(stage(numWorkers=4), 2, None) == (4, None)
    assert resolve_workers(stage(numWorkersPerNode=2.0), 2, None) == (None, 2.0)
    assert resolve_workers(stage(numWorkers="auto"), 2, 1) == (None, None)


def test_max_workers_per_stage_caps_fixed_counts() -> None:
    assert resolve_workers(stage(numWorkers=8), 2, 3) == (3, None)
    assert resolve_workers(stage(numWorkersPerNode=2.0), 4, 5) == (5, None)
    assert resolve_workers(stage(numWorkersPerNode=1.0), 2, 5) == (None, 1.0)


def test_a_stage_no_node_can_hold_is_unsatisfiable_by_name() -> None:
    check_resources([stage()], [node(2)], 0.95)
    with pytest.raises(Unsatisfiable, match='stage "Greedy" asks for 3 cpus') as caught:
        check_resources([stage(name="Greedy", resources={"cpus": 3, "gpus": 0})], [node(3)], 0.95)
    assert caught.value.stage == "Greedy"
    with pytest.raises(Unsatisfiable, match="1 gpus"):
        check_resources([stage(resources={"cpus": 1, "gpus": 1})], [node(8)], 1.0)


def test_head_and_loopback() -> None:
    assert is_head(node(1, head=True)) and not is_head(node(1))
    assert [is_loopback(a) for a in ("127.0.0.1", "::1", "localhost", "10.0.0.2")] == [
        True,
        True,
        True,
        False,
    ]


def test_tasks_travel_in_blocks_of_the_next_stage_batch_size() -> None:
    items = [(f"0_{i}", 1, b"x") for i in range(5)]
    assert [len(block) for block in blocks_of(items, 2)] == [2, 2, 1]
    assert blocks_of(items, 0) == [items]
    assert blocks_of([], 3) == []


def test_stage_classes_are_named_after_the_typescript_class_and_travel_by_pickle() -> None:
    cls = make_stage_class("JsonlReaderStage")
    instance = cls({"cpus": 0.5, "gpus": 0, "batchSize": 3, "name": "Reader"})
    assert type(instance).__name__ == "JsonlReaderStage"
    assert instance.required_resources.cpus == 0.5
    assert instance.stage_batch_size == 1, "one Xenna item is one batch of the stage"
    from ray import cloudpickle

    copy = pickle.loads(cloudpickle.dumps(instance))
    assert type(copy).__name__ == "JsonlReaderStage"
    assert copy.config["name"] == "Reader"


def test_stage_options_map_onto_xenna_stage_spec() -> None:
    instance = make_stage_class("S")({"cpus": 1, "gpus": 0, "batchSize": 1})
    options = stage(
        numWorkers=2,
        numRunAttempts=3,
        ignoreFailures=True,
        resetWorkersOnFailure=True,
        slotsPerActor=4,
        workerMaxLifetimeM=10,
        workerRestartIntervalM=2,
        maxSetupFailurePercentage=50.0,
    )
    spec = stage_spec(xenna, instance, options, 1, None)
    assert (spec.num_workers, spec.num_workers_per_node) == (2, None)
    assert spec.num_run_attempts_python == 3
    assert spec.num_setup_attempts_python == 1
    assert spec.ignore_failures is True
    assert spec.reset_workers_on_failure is True
    assert spec.slots_per_actor == 4
    assert (spec.worker_max_lifetime_m, spec.worker_restart_interval_m) == (10, 2)
    assert spec.max_setup_failure_percentage == 50.0


@pytest.mark.parametrize("mode", ["streaming", "batch"])
def test_run_settings_map_onto_the_pipeline_config(mode: str) -> None:
    run = {
        "executionMode": mode,
        "loggingIntervalS": 5,
        "cpuAllocationPercentage": 0.5,
        "ignoreFailures": True,
        "autoscaleIntervalS": 7,
    }
    config = pipeline_config(xenna, run)
    assert config.execution_mode == (
        xenna.ExecutionMode.STREAMING if mode == "streaming" else xenna.ExecutionMode.BATCH
    )
    assert config.return_last_stage_outputs is True
    assert (config.logging_interval_s, config.cpu_allocation_percentage) == (5, 0.5)
    assert config.ignore_failures is True
    if mode == "streaming":
        assert config.mode_specific.autoscale_interval_s == 7
    else:
        assert config.mode_specific is None


def test_stage_failures_survive_pickling_and_are_found_behind_wrappers() -> None:
    failure = StageFailure("boom", "S", ["0_1"], 2, "Stage 00 - S-1", "signal SIGKILL")
    copy = pickle.loads(pickle.dumps(failure))
    assert copy.to_wire() == {
        "code": "CURATOR_STAGE_FAILED",
        "message": "boom",
        "stage": "S",
        "taskIds": ["0_1"],
        "attempts": 2,
        "workerId": "Stage 00 - S-1",
        "exitCause": "signal SIGKILL",
    }

    class Wrapped(Exception):
        cause = copy

    assert find_stage_failure(Wrapped()) is copy
    try:
        raise RuntimeError("actor failed") from copy
    except RuntimeError as error:
        assert find_stage_failure(error) is copy
    assert find_stage_failure(ValueError("other")) is None


def actor(attempts: int, ignore: bool) -> tuple[ActorState, list[dict[str, Any]]]:
    return fused_actor([("0", "S")], attempts, ignore)


def fused_actor(
    members: list[tuple[str, str]], attempts: int, ignore: bool
) -> tuple[ActorState, list[dict[str, Any]]]:
    state = ActorState(
        {
            "name": "+".join(name for _, name in members),
            "members": [{"key": k, "name": n, "descriptor": b""} for k, n in members],
            "events": None,
            "runAttempts": attempts,
            "ignoreFailures": ignore,
        }
    )
    events: list[dict[str, Any]] = []
    state.events.emit = events.append  # type: ignore[method-assign]
    state.worker_id = "Stage 00 - S-1"
    return state, events


def test_a_failure_with_attempts_left_is_reported_as_a_retry() -> None:
    state, events = actor(attempts=2, ignore=False)
    failure = state._failure(["0_1", "0_2"], "boom", None)
    assert failure.attempts == 1
    assert events == [
        {"type": "retry", "stage": "S", "taskIds": ["0_1", "0_2"], "attempt": 2, "reason": "boom"}
    ]
    events.clear()
    assert state._failure(["0_1", "0_2"], "boom", None).attempts == 2
    assert events == []


def test_an_ignored_failure_reports_the_dropped_task_ids() -> None:
    state, events = actor(attempts=1, ignore=True)
    state._failure(["0_7"], "boom", "exit code 9")
    assert events == [
        {
            "type": "task:failed",
            "failure": {
                "stage": "S",
                "taskIds": ["0_7"],
                "error": "boom",
                "attempts": 1,
                "workerId": "Stage 00 - S-1",
                "exitCause": "exit code 9",
            },
        }
    ]


def test_the_driver_gives_a_busy_machine_longer_than_rays_dashboard_defaults() -> None:
    # A local cluster's dashboard failed its 30 s module start under a loaded CI run.
    from ray._private import ray_constants
    from ray.dashboard import consts as dashboard_consts

    module_wait = float(RAY_ENV["RAY_DASHBOARD_SUBPROCESS_MODULE_WAIT_READY_TIMEOUT"])
    startup = float(RAY_ENV["RAY_DASHBOARD_STARTUP_TIMEOUT_S"])
    assert module_wait > dashboard_consts.SUBPROCESS_MODULE_WAIT_READY_TIMEOUT
    assert startup > ray_constants.RAY_DASHBOARD_STARTUP_TIMEOUT_S
    # The whole start must fit in it: module waits happen inside the startup wait.
    assert startup > module_wait


def test_actors_get_the_stage_time_limits_of_the_shared_fault_policy() -> None:
    submit = {"worker": {"node": "node", "entry": "host.js"}, "run": {}}
    limited = stage_config(
        stage(processTimeoutS=0.3, teardownTimeoutS=0.5), [b""], submit, {"address": "x"}, 0
    )
    assert (limited["processTimeoutS"], limited["teardownTimeoutS"]) == (0.3, 0.5)
    unlimited = stage_config(stage(), [b""], submit, {"address": "x"}, 0)
    assert (unlimited["processTimeoutS"], unlimited["teardownTimeoutS"]) == (None, 30.0)


def test_the_actors_exit_hook_leaves_a_process_outside_ray_its_exit_status() -> None:
    # Inside a Ray actor the hook ends the process (Xenna's threads would hold it); a test
    # process must keep the status pytest gives it.
    script = (
        "from ray_js_bridge.actor import ActorState\n"
        "ActorState({'name': 'S', 'members': [{'key': '0', 'name': 'S', 'descriptor': b''}],"
        " 'events': None, 'runAttempts': 1, 'ignoreFailures': False})\n"
        "raise SystemExit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True)
    assert done.returncode == 3, done.stderr


def test_a_fused_stage_carries_each_member_with_its_own_descriptor() -> None:
    submit = {"worker": {"node": "node", "entry": "host.js"}, "run": {}}
    members = [{"name": "Read", "index": 1}, {"name": "Filter", "index": 2}]
    config = stage_config(
        stage(name="Read+Filter", key="1", members=members),
        [b"source", b"read", b"filter"],
        submit,
        {"address": "x"},
        0,
    )
    assert config["members"] == [
        {"key": "1", "name": "Read", "descriptor": b"read"},
        {"key": "2", "name": "Filter", "descriptor": b"filter"},
    ]


class FailingWorker:
    """A Node worker whose process request fails in the second of two fused stages."""

    alive = True

    def __init__(self, error: dict[str, Any]) -> None:
        self.error = error
        self.requests: list[dict[str, Any]] = []

    def request(self, fields: dict[str, Any], **_: Any) -> Any:
        from ray_js_bridge.node_worker import WorkerRequestFailed

        self.requests.append(fields)
        raise WorkerRequestFailed(self.error)

    def kill(self) -> None:
        self.alive = False


def test_a_fused_batch_runs_every_member_and_a_failure_names_the_stage_that_failed() -> None:
    state, events = fused_actor([("1", "Read"), ("2", "Filter")], attempts=2, ignore=True)
    read = {"stage": "Read", "tasksIn": 1, "tasksOut": 1}
    worker = FailingWorker(
        {"message": "boom", "stage": "Filter", "taskIds": ["1_0"], "stats": [read]}
    )
    state.worker = worker  # type: ignore[assignment]
    for attempt in (1, 2):
        try:
            state.process([[("0_0", 1, b"x")]])
        except StageFailure as failure:
            assert (failure.stage, failure.attempts) == ("Filter", attempt)
    assert worker.requests[0]["keys"] == ["1", "2"]
    assert worker.requests[0]["rebatch"] is True
    retry, *last = events
    assert retry["type"] == "retry" and retry["stage"] == "Filter"
    # The last attempt: the dropped tasks, and the batch record of the stage that finished.
    assert [event["type"] for event in last] == ["task:failed", "batch:done"]
    assert last[0]["failure"]["stage"] == "Filter"
    assert last[1]["stage"] == "Read"
