"""Driver-side hooks into Cosmos-Xenna 0.2.0 (pinned): stage events, teardown, reaping.

Xenna has no teardown hook and kills actors with ``ray.kill``; it also leaves its
per-node ``NodeResourceMonitor`` actors (and, when an actor is asked to exit, processes
stuck on its non-daemon threads) behind. While a pipeline runs, :func:`xenna_hooks`

- records every ``ActorPool`` (emitting ``stage:start``) and wraps ``ActorPool.stop``
  (``stage:end``) and every actor ``kill``: before an actor dies, the stage's teardown
  runs in it through Ray's ``__ray_call__``, its Node worker is shut down, its events
  are flushed and Xenna's threads are told to stop, so the process can exit;
- records every ``RayResourceMonitor`` and installs a fast exit in its monitors, or,
  with ``resource_monitor=False``, starts none at all (Xenna's stats tables then lack
  per-stage CPU and memory; every other figure stays);
- replaces a stage actor whose process died and retries its batch (``actor_deaths``);
- with a :class:`warm.WarmActors`, parks the idle actors of a pool that stops instead
  of killing them, and hands them to the next pool that asks Ray for such an actor
  (``warm``);
- hands Xenna only the nodes the run may use (all but the head with ``ignoreHeadNode``);
- on the way out (success, failure or cancel) stops every pool not stopped yet and
  kills the monitors.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import ray
from cosmos_xenna.pipelines.private import monitoring, resources
from cosmos_xenna.ray_utils import actor_pool, cluster, stage_worker

from . import actor_deaths
from .warm import WarmActorClass, WarmActors, actor_id

log = logging.getLogger("ray_js_bridge.hooks")

TEARDOWN_TIMEOUT_S = 60.0

_ACTOR_STATES = ("_ReadyActor", "_PendingNodeActor", "_ActorWaitingForNodeSetup", "_PendingActor")


def teardown_in_actor(worker: Any) -> None:
    """Runs inside a ``StageWorker``: stage teardown, then let Xenna's threads end."""
    stage = getattr(getattr(worker, "_stage_interface", None), "_stage", None)
    teardown = getattr(stage, "bridge_teardown", None)
    try:
        if callable(teardown):
            teardown()
    finally:
        stop = getattr(worker, "stop_flag", None)
        if stop is not None:
            stop.set()


def _install_fast_exit(actor: Any) -> None:
    """Runs inside a monitor actor: exit at once instead of waiting on its thread."""
    stop = getattr(actor, "_stop_event", None)

    def leave() -> None:
        if stop is not None:
            stop.set()
        os._exit(0)

    with contextlib.suppress(RuntimeError):
        threading._register_atexit(leave)  # type: ignore[attr-defined]


def _actor_refs(pool: Any) -> list[Any]:
    refs = [a.actor_ref for a in getattr(pool, "_ready_actors", {}).values()]
    refs += [a.actor_ref for a in getattr(pool, "_pending_actors", {}).values()]
    refs += [a.actor_ref for a in getattr(pool, "_pending_node_actors", {}).values()]
    for waiting in getattr(pool, "_actors_waiting_for_node_setup", {}).values():
        refs += [a.actor_ref for a in waiting]
    return refs


class Hooks:
    """What the hooks recorded during one pipeline run."""

    def __init__(
        self,
        emit: Callable[[list[dict[str, Any]]], None],
        names: list[str],
        first: int = 0,
        members: list[list[tuple[str, int]]] | None = None,
        warm: WarmActors | None = None,
    ) -> None:
        self.emit = emit
        self.names = names
        self.first = first
        # Per Xenna stage: the pipeline stages it runs (name, pipeline index); fused stages
        # share one Xenna stage.
        self.members = members
        self.pools: list[Any] = []
        self.stopped: set[int] = set()
        self.monitors: list[Any] = []
        self.torn_down: set[str] = set()
        self.timeout_s = TEARDOWN_TIMEOUT_S
        self.warm = warm

    def teardown(self, refs: list[Any]) -> None:
        """Runs the teardown in every actor of ``refs`` not torn down yet, in parallel."""
        pending = []
        for ref in refs:
            key = actor_id(ref)
            if key in self.torn_down:
                continue
            self.torn_down.add(key)
            pending.append(ref.__ray_call__.remote(teardown_in_actor))
        if not pending:
            return
        ready, _ = ray.wait(pending, num_returns=len(pending), timeout=self.timeout_s)
        for ref in ready:
            try:
                ray.get(ref)
            except Exception as error:
                log.warning("a stage actor's teardown failed: %s", error)

    def park_idle(self, pool: Any) -> None:
        """Parks the idle ready actors of ``pool`` (it stops) when actors are kept; those
        that cannot be parked had their teardown."""
        if self.warm is None:
            return
        idle = [
            actor.actor_ref
            for actor in getattr(pool, "_ready_actors", {}).values()
            if actor.num_used_slots == 0 and actor_id(actor.actor_ref) not in self.torn_down
        ]
        if idle:
            self.warm.park(idle, self.timeout_s)
            self.torn_down.update(actor_id(ref) for ref in idle)

    def taken(self, ref: Any) -> None:
        """A parked actor joins a pool of this pipeline: its teardown is due again."""
        self.torn_down.discard(actor_id(ref))

    def stage_index(self, pool: Any) -> int:
        """The pipeline index of the stage ``pool`` runs (pools are made in stage order)."""
        return self.first + self.pools.index(pool) if pool in self.pools else -1

    def stage_name(self, pool: Any) -> str:
        """The TypeScript name of the stage ``pool`` runs (fused stages' names joined by +)."""
        index = self.stage_index(pool)
        return self.names[index] if 0 <= index < len(self.names) else str(pool.name)

    def first_stage(self, pool: Any) -> str:
        """The first pipeline stage ``pool`` runs: what a failure of a whole batch names."""
        stages = self.stages_of(pool)
        return stages[0][0] if stages else str(pool.name)

    def stages_of(self, pool: Any) -> list[tuple[str, int]]:
        """The pipeline stages (name, index) ``pool`` runs."""
        index = self.stage_index(pool)
        if self.members is not None and 0 <= index < len(self.members):
            return self.members[index]
        return [(self.stage_name(pool), index)]

    def emit_stage(self, kind: str, pool: Any) -> None:
        """``stage:start`` or ``stage:end`` of every pipeline stage ``pool`` runs."""
        self.emit([{"type": kind, "stage": name, "index": i} for name, i in self.stages_of(pool)])

    def finish(self) -> None:
        """Stops every pool not stopped yet and kills the monitors."""
        for pool in list(self.pools):
            if id(pool) not in self.stopped:
                with contextlib.suppress(Exception):
                    pool.stop()
        for monitor in self.monitors:
            for handle in getattr(monitor, "_monitors", []):
                with contextlib.suppress(Exception):
                    ray.kill(handle)


@contextlib.contextmanager
def xenna_hooks(
    emit: Callable[[list[dict[str, Any]]], None],
    names: list[str],
    resource_monitor: bool = False,
    node_ids: list[str] | None = None,
    first: int = 0,
    members: list[list[tuple[str, int]]] | None = None,
    warm: WarmActors | None = None,
) -> Iterator[Hooks]:
    """Installs the hooks for one Xenna pipeline, whose stages are ``names[first:]`` (a
    phase of the run, see ``phases``; ``members``: the pipeline stages of each); see the
    module comment."""
    hooks = Hooks(emit, names, first, members, warm)
    originals: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, replacement: Any) -> None:
        originals.append((owner, name, getattr(owner, name)))
        setattr(owner, name, replacement)

    monitor_init = monitoring.RayResourceMonitor.__init__

    def init_monitor(self: Any, *args: Any, **kwargs: Any) -> None:
        if not resource_monitor:
            # One actor per node and run, scanning processes every second: skipped.
            self._node_ids = []
            self._monitors = []
            return
        monitor_init(self, *args, **kwargs)
        hooks.monitors.append(self)
        for handle in getattr(self, "_monitors", []):
            handle.__ray_call__.remote(_install_fast_exit)

    pool_init = actor_pool.ActorPool.__init__

    def init_pool(self: Any, *args: Any, **kwargs: Any) -> None:
        pool_init(self, *args, **kwargs)
        hooks.pools.append(self)
        hooks.emit_stage("stage:start", self)

    pool_stop = actor_pool.ActorPool.stop

    def stop_pool(self: Any) -> None:
        try:
            hooks.park_idle(self)
            hooks.teardown(_actor_refs(self))
        finally:
            pool_stop(self)
        if id(self) not in hooks.stopped:
            hooks.stopped.add(id(self))
            hooks.emit_stage("stage:end", self)

    def cluster_resources(cpu_allocation_percentage: float = 1.0) -> Any:
        # Only these nodes (e.g. all but the head, with ignoreHeadNode) take workers.
        nodes = [n for n in ray.nodes() if str(n["NodeID"]) in (node_ids or [])]
        return resources.make_cluster_resources_for_ray_cluster(cpu_allocation_percentage, nodes)

    def connected() -> Any:
        # The driver joined or started Ray already; Xenna's own connect would also raise the
        # state API limit in this process's environment to 40000, which a joined cluster's
        # dashboard (Ray's default cap: 10000) refuses (see cluster.API_LIMIT_ENV).
        return ray.get_runtime_context()

    if node_ids is not None:
        patch(cluster, "make_cluster_resources_from_ray_nodes", cluster_resources)
    patch(cluster, "init_or_connect_to_cluster", connected)
    patch(monitoring.RayResourceMonitor, "__init__", init_monitor)
    patch(actor_pool.ActorPool, "__init__", init_pool)
    patch(actor_pool.ActorPool, "stop", stop_pool)
    for state in _ACTOR_STATES:
        owner = getattr(actor_pool, state)
        patch(owner, "kill", _kill_after_teardown(hooks, owner.kill))
    actor_deaths.install(hooks, patch)
    if warm is not None:
        warm_class = WarmActorClass(stage_worker.StageWorker, warm, hooks.taken)
        patch(stage_worker, "StageWorker", warm_class)
    try:
        yield hooks
    finally:
        try:
            hooks.finish()
        finally:
            for owner, name, original in reversed(originals):
                setattr(owner, name, original)


def _kill_after_teardown(hooks: Hooks, kill: Callable[[Any], None]) -> Callable[[Any], None]:
    def kill_actor(self: Any) -> None:
        if hooks.warm is not None and hooks.warm.is_parked(self.actor_ref):
            return
        try:
            hooks.teardown([self.actor_ref])
        finally:
            kill(self)

    return kill_actor
