"""How a pipeline with barriers is cut into Xenna pipelines, and what each phase gets (no Ray)."""

from __future__ import annotations

import pickle
from typing import Any

from cosmos_xenna.pipelines import v1 as xenna

from ray_js_bridge.adapter import make_stage_class
from ray_js_bridge.phases import next_batch_size, phase_input, phases_of
from ray_js_bridge.runner import stage_spec

BARRIER = 2**53 - 1


def stage(batch_size: int = 2, barrier: bool = False, **fields: Any) -> dict[str, Any]:
    base = {
        "name": "S",
        "className": "S",
        "key": "0",
        "isSource": False,
        "batchSize": batch_size,
        "barrier": barrier,
        "resources": {"cpus": 1, "gpus": 0},
        "numSetupAttempts": 1,
        "numRunAttempts": 1,
        "ignoreFailures": False,
    }
    return {**base, **fields}


def items(count: int) -> list[tuple[str, int, bytes]]:
    return [(f"0_{i}", 1, bytes([i])) for i in range(count)]


def test_a_pipeline_without_barrier_is_one_phase() -> None:
    assert phases_of([stage(), stage(), stage()]) == [range(0, 3)]


def test_every_barrier_after_the_first_stage_starts_a_phase() -> None:
    stages = [stage(), stage(BARRIER, True), stage(), stage(BARRIER, True)]
    assert phases_of(stages) == [range(0, 1), range(1, 3), range(3, 4)]
    assert phases_of([stage(BARRIER, True), stage()]) == [range(0, 2)]


def test_a_phase_starting_at_a_barrier_gets_every_task_in_one_block() -> None:
    stages = [stage(3), stage(BARRIER, True), stage(2)]
    first, second = phases_of(stages)
    assert phase_input(stages, first, items(7)) == [items(7)[0:3], items(7)[3:6], items(7)[6:]]
    assert phase_input(stages, second, items(7)) == [items(7)]
    assert phase_input(stages, second, []) == []


def test_stages_cut_their_outputs_for_the_next_stage_of_their_phase() -> None:
    stages = [stage(3), stage(5), stage(BARRIER, True), stage(4)]
    first, second = phases_of(stages)
    assert [next_batch_size(stages, first, i) for i in first] == [5, 0]
    assert [next_batch_size(stages, second, i) for i in second] == [4, 0]


def test_a_barrier_runs_on_one_worker_whatever_it_asks_for() -> None:
    instance = make_stage_class("S")({"cpus": 1.0, "gpus": 0})
    spec = stage_spec(xenna, instance, stage(BARRIER, True, numWorkersPerNode=2.0), 3, None)
    assert (spec.num_workers, spec.num_workers_per_node) == (1, None)
    other = stage_spec(xenna, instance, stage(numWorkersPerNode=2.0), 3, None)
    assert (other.num_workers, other.num_workers_per_node) == (None, 2.0)


def test_a_phase_input_block_formats_as_its_size_and_travels_as_a_block() -> None:
    # Xenna builds a trace message of every input item it queues, whatever the log level:
    # the repr of a barrier's input must not be the text of every task's bytes.
    items = [(str(i), 1, b"\x00" * 1_000_000) for i in range(8)]
    stages = [stage(), stage(batch_size=BARRIER, barrier=True)]
    [block] = phase_input(stages, range(1, 2), items)
    assert repr(block) == "<block of 8 tasks>"
    assert [repr(b) for b in phase_input(stages, range(0, 1), items)] == ["<block of 2 tasks>"] * 4
    again = pickle.loads(pickle.dumps(block))
    assert type(again) is type(block)
    assert again == items
