"""A stage actor process that dies mid-run: its batch is retried like any worker death.

Cosmos-Xenna 0.2.0 ``ray.get``s the result of each ``process_data`` call in
``ActorPool._process_completed_task``; when the actor process died (killed, OOM,
segfault) that raises Ray's ``ActorDiedError`` out of the pool's ``update`` and fails
the whole pipeline, in streaming and batch mode alike. While a pipeline runs,
:func:`install` wraps that one method. On an actor error:

1. the dead actor's results that were ready before it died are taken as usual (oldest
   first); the oldest one that is not is taken for the batch it was running (a call
   that had not started ends with no result at all, which Xenna reads as an
   ``IndexError``). A batch that ended a few milliseconds before the death, its result
   not yet back, is taken instead: it counts the attempt, and both run again;
2. what the actor left on its node (its Node worker, its ``curator-w-*`` folder) is
   swept by a task on that node (``orphans.sweep``);
3. that batch counts one attempt (``num_run_retries``: the stage's ``numRunAttempts``):
   with attempts left a ``retry`` event is sent; out of attempts the run fails with a
   :class:`StageFailure`, or with ``ignore_failures`` the batch is dropped and reported;
4. the actor is replaced the way Xenna restarts a long-running actor (its worker group
   is deleted and added again: same node, same resources, ``setup`` again), which puts
   its unfinished batches back at the head of the stage's queue.

The attempts an actor death counts are the driver's; the Node worker failures an actor
counts are its own (``actor.ActorState``), so a batch that meets both kinds of failure
can get more than ``numRunAttempts`` attempts in all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ray
import ray.exceptions
from cosmos_xenna.ray_utils import actor_pool
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from .adapter import StageFailure
from .orphans import sweep
from .warm import actor_id

if TYPE_CHECKING:
    from .hooks import Hooks

log = logging.getLogger("ray_js_bridge.actor_deaths")

EXIT_CAUSE = "actor died"
SWEEP_TIMEOUT_S = 60.0

Patch = Callable[[Any, str, Any], None]

LOST = (ray.exceptions.RayActorError, IndexError)
"""What Xenna's ``_process_completed_task`` raises for a call to a dead actor: Ray's actor
error, or an ``IndexError`` when the call had not started (its result holds no item, not
even the metadata Xenna reads first); the latter only counts once Ray says it died."""


def install(hooks: Hooks, patch: Patch) -> None:
    """Wraps ``ActorPool._process_completed_task`` (restored by ``patch``'s owner)."""
    original = actor_pool.ActorPool._process_completed_task
    deaths: dict[tuple[str, ...], int] = {}

    def process_completed(self: Any, actor: Any, slot: int, is_primary: bool) -> bool:
        if self._ready_actors.get(actor.metadata.worker_id) is not actor:
            # Replaced earlier in this pass: its unfinished batches are queued again.
            return False
        try:
            return original(self, actor, slot, is_primary)
        except LOST as error:
            if not isinstance(error, ray.exceptions.RayActorError) and not _died(actor):
                raise
            lines = str(error).strip().splitlines() or [type(error).__name__]
            log.warning("a stage actor died: %s", lines[0])
            _on_death(hooks, self, actor, original, deaths)
            return False

    patch(actor_pool.ActorPool, "_process_completed_task", process_completed)


def _on_death(
    hooks: Hooks,
    pool: Any,
    actor: Any,
    original: Callable[..., bool],
    deaths: dict[tuple[str, ...], int],
) -> None:
    running = _take_ready_results(pool, actor, original)
    name = hooks.stage_name(pool)
    worker_id = str(actor.metadata.worker_id)
    # Nothing to tear down in a dead process: the kill below must not try.
    hooks.torn_down.add(actor_id(actor.actor_ref))
    _sweep_node(str(actor.metadata.allocation.node))
    hooks.emit([{"type": "worker:exit", "stage": name, "workerId": worker_id, "expected": False}])
    if running is not None:
        first = hooks.first_stage(pool)
        _count_attempt(hooks, pool, actor.slots[running], first, worker_id, deaths)
    group = pool._delete_worker_group(actor.metadata.worker_group_id)
    pool._add_worker_group(group)


def _take_ready_results(pool: Any, actor: Any, original: Callable[..., bool]) -> int | None:
    """Takes the results the dead actor finished (oldest first); returns the slot of the
    batch it was running (the oldest without a result), if any."""
    used = [index for index, slot in enumerate(actor.slots) if slot.has_task]
    used.sort(key=lambda index: actor.slots[index].get_task.scheduled_time)
    for index in used:
        ref = actor.slots[index].get_task.object_ref
        ready, _ = ray.wait([ref.completed()], timeout=0, fetch_local=False)
        if not ready:
            return index
        try:
            original(pool, actor, index, True)
        except LOST:
            return index
    return None


def _died(actor: Any) -> bool:
    """Whether ``actor``'s process is gone (Ray's answer to a no-op call)."""
    try:
        ray.get(actor.actor_ref.__ray_ready__.remote(), timeout=SWEEP_TIMEOUT_S)
    except ray.exceptions.RayActorError:
        return True
    except Exception:  # no answer in time: not known to be dead
        return False
    return False


def _count_attempt(
    hooks: Hooks,
    pool: Any,
    slot: Any,
    name: str,
    worker_id: str,
    deaths: dict[tuple[str, ...], int],
) -> None:
    """Counts an attempt of the slot's batch: retry, drop (clearing the slot) or fail."""
    blocks = ray.get(list(slot.get_task.task.task_data))
    ids = [str(item[0]) for block in blocks for item in block]
    key = tuple(ids)
    attempt = deaths.get(key, 0) + 1
    deaths[key] = attempt
    message = f"the stage's Ray actor ({worker_id}) died while it ran the batch"
    if attempt < int(pool._params.num_run_retries):
        hooks.emit(
            [
                {
                    "type": "retry",
                    "stage": name,
                    "taskIds": ids,
                    "attempt": attempt + 1,
                    "reason": message,
                }
            ]
        )
        return
    failure = StageFailure(message, name, ids, attempt, worker_id, EXIT_CAUSE)
    if not pool._params.ignore_failures:
        raise failure
    record = {
        "stage": name,
        "taskIds": ids,
        "error": message,
        "attempts": attempt,
        "workerId": worker_id,
        "exitCause": EXIT_CAUSE,
    }
    hooks.emit([{"type": "task:failed", "failure": record}])
    slot.clear_task()


def _sweep_node(node_id: str) -> None:
    """Runs :func:`orphans.sweep` on ``node_id`` and waits for it (a bounded wait)."""
    task = ray.remote(num_cpus=0, max_retries=0)(sweep)
    strategy = NodeAffinitySchedulingStrategy(node_id=node_id, soft=False)
    try:
        removed = ray.get(
            task.options(scheduling_strategy=strategy).remote(), timeout=SWEEP_TIMEOUT_S
        )
        log.info("removed what a dead stage actor left behind: %s", removed)
    except Exception as error:  # a failed sweep must not fail the run
        log.warning("could not sweep node %s after a stage actor died: %s", node_id, error)
