"""Stage actors kept between the Xenna pipelines of one driver, and between its stages.

Starting a stage actor costs about a second on a small node: Ray starts a Python process,
it imports Ray and Xenna, the actor starts a Node worker and that loads the stage's
modules. Cosmos-Xenna 0.2.0 makes new actors for every pipeline and kills them at its
end, so the phase after a barrier and every run of a kept-alive driver paid it again.

While the hooks are installed (``hooks.xenna_hooks``), an *idle* ready actor of a pool
that stops (its stage is done, or the pipeline ends) is **parked** instead of killed: its
stages' teardown runs as before and its events are flushed, Xenna's threads in it stop,
but the process and its Node worker stay. When Xenna next asks Ray for an actor on the
same node with the same Ray options (runtime environment included), it gets a parked
one, made a fresh ``StageWorker`` of the new stage (its ``__init__`` runs again); Xenna's
``setup_on_node``/``setup`` then ``init`` and set up the new stage in the kept Node worker
(a new stage instance; its modules stay loaded), which it adopts when it was started
from the same binary, entry and environment (``actor.ActorState``), else starts anew.

Actors that end any other way (a failure, a restart, the autoscaler, a busy one at a
cancel) are killed as before. Actors parked by an earlier run that the next one did not
take are ended after it, so what is kept never outgrows one run; all are ended when the
driver disconnects. A parked actor holds no Ray resources (Xenna's actors ask for none).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import ray

from .memory import WhenIdle

log = logging.getLogger("ray_js_bridge.warm")

_idle = WhenIdle()
"""In a parked actor: gives back what its last stage left once it stays parked."""

CALL_TIMEOUT_S = 60.0


def _park_in_actor(worker: Any) -> bool:
    """Runs inside a ``StageWorker``: the stage's teardown, keeping its Node worker, and
    Xenna's threads stop. True when the actor can be taken again; else the teardown before
    a kill runs instead (``hooks``)."""
    stage = getattr(getattr(worker, "_stage_interface", None), "_stage", None)
    park = getattr(stage, "bridge_park", None)
    try:
        parked = bool(callable(park) and park())
    except BaseException:
        worker.stop_flag.set()
        raise
    if not parked:
        from .hooks import teardown_in_actor

        teardown_in_actor(worker)
        return False
    worker.shutdown()
    _idle.arm()
    return True


def _rebind_in_actor(worker: Any, *args: Any) -> None:
    """Runs inside a parked ``StageWorker``: it becomes a new one, of ``args``'s stage."""
    _idle.cancel()
    type(worker).__init__(worker, *args)


def _release_in_actor(_worker: Any) -> None:
    """Runs inside a parked actor before it is killed: stops its Node worker."""
    from .actor import release_parked

    release_parked()


def actor_key(options: dict[str, Any]) -> str | None:
    """What an actor must have been created with to stand in for one made with
    ``options`` (node, runtime environment, the rest); ``None``: never reused."""
    strategy = options.get("scheduling_strategy")
    node = getattr(strategy, "node_id", None)
    if node is None or getattr(strategy, "soft", True):
        return None
    rest = {k: v for k, v in options.items() if k != "scheduling_strategy"}
    return json.dumps({"node": str(node), **rest}, sort_keys=True, default=repr)


class WarmActors:
    """The parked actors of one driver (see the module comment)."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._parked: dict[str, tuple[str, Any, int]] = {}
        self._run = 0

    def begin_run(self) -> None:
        """A run starts: what is parked from now on belongs to it."""
        self._run += 1

    def created(self, handle: Any, key: str) -> None:
        """Records the key of an actor Xenna made."""
        self._keys[actor_id(handle)] = key

    def take(self, key: str, args: tuple[Any, ...]) -> Any | None:
        """A parked actor made anew for ``args`` (Xenna's ``StageWorker`` arguments), if one
        with ``key`` is there; one that cannot be is ended."""
        for actor_id, (parked_key, handle, _run) in list(self._parked.items()):
            if parked_key != key:
                continue
            del self._parked[actor_id]
            try:
                ray.get(handle.__ray_call__.remote(_rebind_in_actor, *args), timeout=CALL_TIMEOUT_S)
            except Exception as error:  # any failure: a new actor instead
                log.warning("a kept stage actor could not be reused: %s", error)
                self._end([handle])
                continue
            return handle
        return None

    def park(self, handles: list[Any], timeout_s: float = CALL_TIMEOUT_S) -> None:
        """Parks the idle actors ``handles`` (teardown kept their Node workers); the others
        had their teardown and are killed as before."""
        calls = [handle.__ray_call__.remote(_park_in_actor) for handle in handles]
        ready, _ = ray.wait(calls, num_returns=len(calls), timeout=timeout_s)
        done = set(ready)
        for handle, call in zip(handles, calls, strict=True):
            key = self._keys.get(actor_id(handle))
            if call not in done or key is None:
                continue
            try:
                if ray.get(call):
                    self._parked[actor_id(handle)] = (key, handle, self._run)
            except Exception as error:  # not parked: killed as before
                log.warning("a stage actor's teardown failed: %s", error)

    def is_parked(self, handle: Any) -> bool:
        """Whether ``handle`` is parked (so not to be killed)."""
        return actor_id(handle) in self._parked

    def trim(self) -> None:
        """Ends the actors parked before this run that it did not take."""
        old = [(i, h) for i, (_k, h, run) in self._parked.items() if run < self._run]
        for actor_id, _handle in old:
            del self._parked[actor_id]
        self._end([handle for _id, handle in old])

    def close(self) -> None:
        """Ends every parked actor (the driver disconnects)."""
        handles = [handle for _key, handle, _run in self._parked.values()]
        self._parked.clear()
        self._keys.clear()
        self._end(handles)

    def _end(self, handles: list[Any]) -> None:
        if not handles:
            return
        calls = [handle.__ray_call__.remote(_release_in_actor) for handle in handles]
        ray.wait(calls, num_returns=len(calls), timeout=CALL_TIMEOUT_S)
        for handle in handles:
            try:
                ray.kill(handle)
            except Exception as error:  # already gone
                log.debug("a kept stage actor was already gone: %s", error)


def actor_id(handle: Any) -> str:
    """The id of the actor behind ``handle`` (hex)."""
    return str(handle._actor_id.hex())


class WarmActorClass:
    """Stands in for Xenna's ``StageWorker`` actor class while the hooks are installed:
    ``options(...).remote(...)`` takes a parked actor when one fits."""

    def __init__(self, actor_class: Any, warm: WarmActors, on_take: Any) -> None:
        self._actor_class = actor_class
        self._warm = warm
        self._on_take = on_take

    def options(self, **options: Any) -> Any:
        return _Creation(self._actor_class.options(**options), actor_key(options), self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._actor_class, name)


class _Creation:
    def __init__(self, created: Any, key: str | None, owner: WarmActorClass) -> None:
        self._created = created
        self._key = key
        self._owner = owner

    def remote(self, *args: Any) -> Any:
        warm = self._owner._warm
        if self._key is not None:
            handle = warm.take(self._key, args)
            if handle is not None:
                self._owner._on_take(handle)
                return handle
        handle = self._created.remote(*args)
        if self._key is not None:
            warm.created(handle, self._key)
        return handle
