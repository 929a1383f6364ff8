"""Runs one submitted pipeline on Ray through Cosmos-Xenna (imported only here).

``ray`` and ``cosmos_xenna`` are imported lazily, after the environment variables
Xenna needs are set, so the protocol code (and its tests) never need Ray.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .adapter import Item, StageFailure
from .cluster import (
    Unsatisfiable,
    check_resources,
    init_ray,
    is_head,
    is_loopback,
    stage_workers,
)
from .default_workers import with_default_workers
from .phases import next_batch_size, phase_input, phases_of
from .sizing import check_fit, local_cpus, machine_cpus
from .warm import WarmActors

log = logging.getLogger("ray_js_bridge.runner")

Emit = Callable[[list[dict[str, Any]]], None]


def members_of(stage: dict[str, Any]) -> list[tuple[str, int]]:
    """The pipeline stages (name, index) one Xenna stage runs: several when fused."""
    members = stage.get("members") or [{"name": stage["name"], "index": int(stage["key"])}]
    return [(str(member["name"]), int(member["index"])) for member in members]


def stage_config(
    stage: dict[str, Any],
    descriptors: list[bytes],
    submit: dict[str, Any],
    events: dict[str, Any],
    next_batch_size: int,
) -> dict[str, Any]:
    """What a generated stage instance carries to its actors: ``descriptors`` has one
    frame per pipeline stage; the Xenna stage's members take theirs."""
    worker = submit["worker"]
    members = [
        {"key": str(index), "name": name, "descriptor": descriptors[index]}
        for name, index in members_of(stage)
    ]
    return {
        "nextBatchSize": next_batch_size,
        "name": stage["name"],
        "members": members,
        "isSource": bool(stage["isSource"]),
        "batchSize": int(stage["batchSize"]),
        "cpus": float(stage["resources"]["cpus"]),
        "gpus": stage["resources"]["gpus"],
        "node": worker["node"],
        "entry": worker["entry"],
        "env": dict(worker.get("env") or {}),
        "runAttempts": int(stage["numRunAttempts"]),
        "ignoreFailures": bool(stage["ignoreFailures"]),
        "processTimeoutS": stage.get("processTimeoutS"),
        "teardownTimeoutS": float(stage.get("teardownTimeoutS", 30)),
        "events": events,
    }


def stage_spec(
    xenna: Any, instance: Any, stage: dict[str, Any], nodes: int, cap: int | None
) -> Any:
    """Xenna's ``StageSpec`` for one stage (``None`` fields fall back to the config).

    A barrier gets one worker (``stage_workers``)."""
    count, per_node = stage_workers(stage, nodes, cap)
    return xenna.StageSpec(
        instance,
        num_workers=count,
        num_workers_per_node=per_node,
        num_setup_attempts_python=stage.get("numSetupAttempts"),
        num_run_attempts_python=int(stage["numRunAttempts"]),
        ignore_failures=bool(stage["ignoreFailures"]),
        reset_workers_on_failure=stage.get("resetWorkersOnFailure"),
        slots_per_actor=stage.get("slotsPerActor"),
        worker_max_lifetime_m=stage.get("workerMaxLifetimeM"),
        worker_restart_interval_m=stage.get("workerRestartIntervalM"),
        max_setup_failure_percentage=stage.get("maxSetupFailurePercentage"),
    )


def pipeline_config(xenna: Any, run: dict[str, Any]) -> Any:
    """Xenna's ``PipelineConfig`` for the run settings of ``submit``."""
    streaming = run["executionMode"] == "streaming"
    return xenna.PipelineConfig(
        execution_mode=xenna.ExecutionMode.STREAMING if streaming else xenna.ExecutionMode.BATCH,
        return_last_stage_outputs=True,
        logging_interval_s=float(run["loggingIntervalS"]),
        cpu_allocation_percentage=float(run["cpuAllocationPercentage"]),
        ignore_failures=bool(run["ignoreFailures"]),
        mode_specific=(
            xenna.StreamingSpecificSpec(autoscale_interval_s=float(run["autoscaleIntervalS"]))
            if streaming
            else None
        ),
    )


class Runner:
    """Ray connection of one driver; runs submitted pipelines one after another."""

    def __init__(self, emit: Emit, open_events: Callable[[str, bool], Any]) -> None:
        self._emit = emit
        self._open_events = open_events
        self._cluster: tuple[Any, ...] | None = None
        self._started = False
        self._events_host: tuple[str, bool] | None = None
        self._local_size: int | None = None
        self._forwarding = False
        self._warm: WarmActors | None = None
        self.hooks: Any = None

    def connect(self, run: dict[str, Any], stages: list[dict[str, Any]]) -> None:
        """Joins or starts Ray on the first run; later runs must ask for the same cluster.

        A local cluster without ``localCpus`` is sized for the run (``sizing.local_cpus``);
        when a later run of a kept-alive driver needs more, it is started again, larger
        (between runs, nothing of it is in use)."""
        ship = run.get("ship") or {}
        wanted = (
            run.get("rayAddress"),
            run.get("localCpus"),
            run.get("objectStoreMemoryMb"),
            ship.get("app"),
        )
        sized = None if wanted[0] or wanted[1] else local_cpus(stages, run, machine_cpus())
        if self._cluster is not None:
            if wanted != self._cluster:
                raise ValueError(f"this driver is connected to {self._cluster}, not {wanted}")
            if sized is None or sized <= (self._local_size or 0):
                return
            log.info("restarting the local cluster with %d logical CPUs for this run", sized)
            self.close()
        self._started = init_ray(run, sized)
        self._cluster = wanted
        self._local_size = sized
        if not self._forwarding:
            self._forwarding = True
            _forward_xenna_warnings(self._emit)

    def execute(
        self, submit: dict[str, Any], descriptors: list[bytes], inputs: list[Item]
    ) -> list[Item]:
        """Runs one pipeline, one Xenna pipeline per phase (see ``phases``); returns the
        last stage's items. A phase left without input ends the run (as on every backend,
        stages that get no task are not set up)."""
        import ray

        run, stages = submit["run"], submit["stages"]
        self.connect(run, stages)
        every = [node for node in ray.nodes() if node.get("Alive", True)]
        nodes = [n for n in every if not (run.get("ignoreHeadNode") and is_head(n))]
        if not nodes:
            raise Unsatisfiable(
                "ignoreHeadNode leaves no node of the cluster to run on", stages[0]["name"]
            )
        stages = with_default_workers(stages, [_cpus_of(node) for node in nodes], run)
        submit = {**submit, "stages": stages}
        check_resources(stages, nodes, float(run["cpuAllocationPercentage"]))
        check_fit(stages, nodes, run)
        events = self._events_spec(every)
        if run.get("reuseActors") is False:
            self._end_kept_actors()
        else:
            self._warm = self._warm or WarmActors()
            self._warm.begin_run()
        items = list(inputs)
        try:
            for phase in phases_of(stages):
                if phase.start > 0 and not items:
                    break
                items = self._run_phase(submit, descriptors, phase, items, events, nodes)
        finally:
            if self._warm is not None:
                self._warm.trim()
        return items

    def _run_phase(
        self,
        submit: dict[str, Any],
        descriptors: list[bytes],
        phase: range,
        items: list[Item],
        events: dict[str, Any],
        nodes: list[dict[str, Any]],
    ) -> list[Item]:
        """Runs the stages of ``phase`` as one Xenna pipeline on ``items``."""
        from cosmos_xenna.pipelines import v1 as xenna

        from . import hooks as xenna_hooks
        from .adapter import make_stage_class

        run, stages = submit["run"], submit["stages"]
        specs = []
        for index in phase:
            stage = stages[index]
            following = next_batch_size(stages, phase, index)
            carried = stage_config(stage, descriptors, submit, events, following)
            instance = make_stage_class(str(stage["className"]))(carried)
            specs.append(
                stage_spec(xenna, instance, stage, len(nodes), run.get("maxWorkersPerStage"))
            )
        config = pipeline_config(xenna, run)
        spec = xenna.PipelineSpec(
            input_data=phase_input(stages, phase, items), stages=specs, config=config
        )
        names = [str(stage["name"]) for stage in stages]
        monitor = bool(run.get("resourceMonitor"))
        node_ids = [str(node["NodeID"]) for node in nodes]
        members = [members_of(stage) for stage in stages]
        with xenna_hooks.xenna_hooks(
            self._emit,
            names,
            monitor,
            node_ids,
            first=phase.start,
            members=members,
            warm=self._warm,
        ) as hooks:
            self.hooks = hooks
            try:
                outputs = xenna.run_pipeline(spec)
            except ValueError as error:
                if "Not enough" in str(error) and "resources" in str(error):
                    raise Unsatisfiable(str(error), names[phase.start]) from error
                raise
            finally:
                self.hooks = None
        return [item for block in outputs or [] for item in block]

    def close(self) -> None:
        """Disconnects from Ray (stopping the local cluster when we started it)."""
        if self._cluster is None:
            return
        import ray

        self._end_kept_actors()
        log.debug("disconnecting from Ray (started here: %s)", self._started)
        ray.shutdown()
        self._cluster = None

    def _end_kept_actors(self) -> None:
        if self._warm is not None:
            self._warm.close()
            self._warm = None

    def _events_spec(self, nodes: list[dict[str, Any]]) -> dict[str, Any]:
        """Where this run's actors push events: a socket opened on the first run (on
        loopback, or on this node's address with CURVE), under a new session key per run."""
        if self._events_host is None:
            import ray

            loopback = all(is_loopback(str(node.get("NodeManagerAddress", ""))) for node in nodes)
            host = "127.0.0.1" if loopback else ray.util.get_node_ip_address()
            self._events_host = (host, not loopback)
        events = self._open_events(*self._events_host)
        return {
            "endpoint": events.endpoint,
            "session": events.session,
            "serverPublic": events.server_public,
            "clientPublic": events.client_public,
            "clientSecret": events.client_secret,
        }


def find_stage_failure(error: BaseException) -> StageFailure | None:
    """The :class:`StageFailure` behind ``error`` (Ray wraps it), if any."""
    seen: set[int] = set()
    queue: list[BaseException | None] = [error]
    while queue:
        current = queue.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, StageFailure) and hasattr(current, "stage"):
            return current
        queue.extend(
            [
                getattr(current, "cause", None),
                current.__cause__,
                current.__context__,
            ]
        )
    return None


def _cpus_of(node: dict[str, Any]) -> float:
    return float((node.get("Resources") or {}).get("CPU", 0))


def _forward_xenna_warnings(emit: Emit) -> None:
    """Xenna's warnings (retries, ignored failures) also reach the executor's log."""
    try:
        from loguru import logger
    except ImportError:  # pragma: no cover - xenna depends on loguru
        return

    def sink(message: Any) -> None:
        record = message.record
        level = "error" if record["level"].no >= 40 else "warn"
        emit(
            [
                {
                    "type": "log",
                    "level": level,
                    "message": str(record["message"]),
                    "fields": {"logger": "cosmos_xenna"},
                }
            ]
        )

    logger.add(sink, level="WARNING")
