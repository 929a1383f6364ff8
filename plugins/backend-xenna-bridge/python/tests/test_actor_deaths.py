"""What the driver does when a stage actor's process died (Xenna's pool faked, no Ray)."""

from __future__ import annotations

import collections
from types import SimpleNamespace
from typing import Any

import pytest
import ray.exceptions
from cosmos_xenna.ray_utils import actor_pool

from ray_js_bridge import actor_deaths
from ray_js_bridge.adapter import StageFailure
from ray_js_bridge.hooks import Hooks


class Ref:
    """A ``process_data`` result: ready or not, a success or the actor's death."""

    def __init__(self, ready: bool, died: bool) -> None:
        self.ready, self.died = ready, died

    def completed(self) -> Ref:
        return self


class Pool:
    def __init__(self, attempts: int, ignore: bool) -> None:
        self._params = SimpleNamespace(num_run_retries=attempts, ignore_failures=ignore)
        self._ready_actors: dict[str, Any] = {}
        self.name = "Stage 00 - HoldStage"
        self.queue: list[Any] = []
        self.replaced: list[str] = []
        self.taken: list[int] = []

    def _delete_worker_group(self, group_id: str) -> str:
        actor = self._ready_actors.pop("w-1")
        self.queue += [slot.get_task.task for slot in actor.slots if slot.has_task]
        return group_id

    def _add_worker_group(self, group: str) -> None:
        self.replaced.append(group)


def batch(ids: list[str], when: float, ref: Ref) -> actor_pool._Slot:
    task = actor_pool.Task([[(i, 1, b"") for i in ids]], None)
    return actor_pool._Slot(actor_pool._SlotData(task, when, ref))


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    swept: list[str] = []
    monkeypatch.setattr(actor_deaths, "_sweep_node", swept.append)
    monkeypatch.setattr(ray, "wait", lambda refs, **_: ([r for r in refs if r.ready], []))
    # The driver reads a batch's task ids from its blocks (here the blocks themselves).
    monkeypatch.setattr(ray, "get", lambda blocks, **_: blocks)
    events: list[dict[str, Any]] = []
    return SimpleNamespace(swept=swept, events=events)


def dead_actor(attempts: int, ignore: bool) -> tuple[Pool, Any]:
    """A pool whose actor ran [0_1] (scheduled first), had [0_0] done and [0_2] queued."""
    pool = Pool(attempts, ignore)
    slots = collections.deque(
        [
            batch(["0_2"], 3.0, Ref(ready=True, died=True)),
            batch(["0_1"], 2.0, Ref(ready=True, died=True)),
            batch(["0_0"], 1.0, Ref(ready=True, died=False)),
        ]
    )
    node = SimpleNamespace(node="n-1")
    metadata = SimpleNamespace(worker_id="w-1", worker_group_id="g-1", allocation=node)
    ref = SimpleNamespace(_actor_id=SimpleNamespace(hex=lambda: "actor-1"))
    actor = actor_pool._ReadyActor(metadata, ref, 0.0, slots)
    pool._ready_actors["w-1"] = actor
    return pool, actor


def xenna_take(pool: Pool, actor: Any, index: int, _primary: bool) -> bool:
    """Xenna's ``_process_completed_task`` for these fakes."""
    slot = actor.slots[index]
    if slot.get_task.object_ref.died:
        raise ray.exceptions.ActorDiedError()
    pool.taken.append(index)
    slot.clear_task()
    return False


def died(world: SimpleNamespace, attempts: int, ignore: bool = False) -> tuple[Pool, Any, list]:
    pool, actor = dead_actor(attempts, ignore)
    hooks = Hooks(world.events.extend, ["HoldStage"])
    hooks.pools.append(pool)
    actor_deaths._on_death(hooks, pool, actor, xenna_take, {})
    return pool, hooks, world.events


def ids(tasks: list[Any]) -> list[str]:
    return [item[0] for task in tasks for block in task.task_data for item in block]


def test_the_running_batch_is_retried_on_a_new_actor_after_the_node_is_swept(
    world: SimpleNamespace,
) -> None:
    pool, hooks, events = died(world, attempts=2)
    assert pool.taken == [2], "the result it finished before it died is taken"
    assert world.swept == ["n-1"]
    assert events == [
        {"type": "worker:exit", "stage": "HoldStage", "workerId": "w-1", "expected": False},
        {
            "type": "retry",
            "stage": "HoldStage",
            "taskIds": ["0_1"],
            "attempt": 2,
            "reason": "the stage's Ray actor (w-1) died while it ran the batch",
        },
    ]
    assert pool.replaced == ["g-1"]
    assert sorted(ids(pool.queue)) == ["0_1", "0_2"]
    assert "actor-1" in hooks.torn_down, "no teardown call to a dead process"


def test_out_of_attempts_the_run_fails_naming_stage_tasks_and_cause(world: SimpleNamespace) -> None:
    with pytest.raises(StageFailure) as caught:
        died(world, attempts=1)
    assert caught.value.to_wire() == {
        "code": "CURATOR_STAGE_FAILED",
        "message": "the stage's Ray actor (w-1) died while it ran the batch",
        "stage": "HoldStage",
        "taskIds": ["0_1"],
        "attempts": 1,
        "workerId": "w-1",
        "exitCause": "actor died",
    }


def test_with_ignore_failures_the_batch_is_dropped_and_reported(world: SimpleNamespace) -> None:
    pool, _, events = died(world, attempts=1, ignore=True)
    assert events[-1] == {
        "type": "task:failed",
        "failure": {
            "stage": "HoldStage",
            "taskIds": ["0_1"],
            "error": "the stage's Ray actor (w-1) died while it ran the batch",
            "attempts": 1,
            "workerId": "w-1",
            "exitCause": "actor died",
        },
    }
    assert ids(pool.queue) == ["0_2"], "the dropped batch is not queued again"
    assert pool.replaced == ["g-1"]


def test_an_index_error_counts_as_a_death_only_once_ray_says_the_actor_died(
    world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_started(_pool: Pool, _actor: Any, _index: int, _primary: bool) -> bool:
        # A call the actor never started ends with no item: Xenna's refs[0] fails.
        raise IndexError("list index out of range")

    monkeypatch.setattr(actor_pool.ActorPool, "_process_completed_task", not_started)
    wrapped: dict[str, Any] = {}
    hooks = Hooks(world.events.extend, ["HoldStage"])
    actor_deaths.install(hooks, lambda _owner, name, fn: wrapped.update({name: fn}))
    take = wrapped["_process_completed_task"]
    pool, actor = dead_actor(attempts=2, ignore=False)
    hooks.pools.append(pool)
    monkeypatch.setattr(actor_deaths, "_died", lambda _actor: False)
    with pytest.raises(IndexError):
        take(pool, actor, 1, True)
    assert pool.replaced == []
    monkeypatch.setattr(actor_deaths, "_died", lambda _actor: True)
    assert take(pool, actor, 1, True) is False
    assert pool.replaced == ["g-1"]
    assert take(pool, actor, 0, True) is False, "a replaced actor's other results are skipped"
    assert [e["type"] for e in world.events] == ["worker:exit", "retry"]
