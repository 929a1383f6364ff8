"""The Python side of the adapter factory: one Cosmos-Xenna stage class per TypeScript stage.

:func:`make_stage_class` builds, at run time, a subclass of :class:`BridgeStage` named
after the TypeScript stage class, so Xenna's logs and Ray's dashboard show
``Stage 00 - JsonlReaderStage``. Its instance carries everything an actor needs (the
stage descriptor bytes, the Node binary and worker-host entry, the retry policy, where
to push events) and is pickled to every actor. In the actor, ``setup_on_node``/``setup``
start one Node worker host (reused for both), ``process_data`` forwards the batch's
opaque payloads to it and returns one ``(task_id, num_items, payload)`` item per output
task. A failure raises :class:`StageFailure`, so Xenna's retry and ignore-failure rules
apply; retries and dropped batches are reported as run events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cosmos_xenna.pipelines import v1 as xenna

if TYPE_CHECKING:
    from .actor import ActorState

Item = tuple[str, int, bytes]
"""One task on the Python side: id, item count and its opaque encoded bytes."""


class Block(list[Item]):
    """What Xenna moves as one item: one batch of tasks for the next stage (one Ray object).

    Its ``repr`` names its size, not its bytes: Xenna formats every input item it queues
    into a trace message (an f-string, built whatever the log level), and the repr of a
    barrier's input (every task of the run) took seconds and a copy of it as text."""

    def __repr__(self) -> str:
        return f"<block of {len(self)} tasks>"


def blocks_of(items: list[Item], size: int) -> list[Block]:
    """``items`` cut into blocks of ``size`` (all in one block when ``size`` < 1)."""
    if not items:
        return []
    if size < 1:
        return [Block(items)]
    return [Block(items[start : start + size]) for start in range(0, len(items), size)]


class StageFailure(RuntimeError):
    """A stage failed on a batch (or in setup); carries what the executor reports."""

    def __init__(
        self,
        message: str,
        stage: str,
        task_ids: list[str],
        attempts: int | None = None,
        worker_id: str | None = None,
        exit_cause: str | None = None,
        code: str = "CURATOR_STAGE_FAILED",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.stage = stage
        self.task_ids = list(task_ids)
        self.attempts = attempts
        self.worker_id = worker_id
        self.exit_cause = exit_cause
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            StageFailure,
            (
                self.message,
                self.stage,
                self.task_ids,
                self.attempts,
                self.worker_id,
                self.exit_cause,
                self.code,
            ),
        )

    def __str__(self) -> str:
        return f'stage "{self.stage}" failed on tasks {self.task_ids}: {self.message}'

    def to_wire(self) -> dict[str, Any]:
        """The ``error`` field of the executor wire."""
        wire: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "stage": self.stage,
            "taskIds": self.task_ids,
        }
        for key, value in (
            ("attempts", self.attempts),
            ("workerId", self.worker_id),
            ("exitCause", self.exit_cause),
        ):
            if value is not None:
                wire[key] = value
        return wire


def node_info_to_ts(node_info: Any) -> dict[str, Any]:
    """``NodeInfo`` in the TypeScript shape."""
    return {"nodeId": str(node_info.node_id)}


def worker_metadata_to_ts(metadata: Any, worker_id: str) -> dict[str, Any]:
    """``WorkerMetadata`` in the TypeScript shape (GPU indexes only)."""
    allocation = metadata.allocation
    gpus = [int(gpu.index) for gpu in getattr(allocation, "gpus", [])]
    return {"workerId": worker_id, "allocation": {"cpus": float(allocation.cpus), "gpus": gpus}}


class BridgeStage(xenna.Stage):
    """Base of the generated stage classes; ``config`` is set per TypeScript stage."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self._actor: ActorState | None = None

    @property
    def required_resources(self) -> xenna.Resources:
        return xenna.Resources(cpus=float(self.config["cpus"]), gpus=self.config["gpus"])

    @property
    def stage_batch_size(self) -> int:
        # Each Xenna item is already one batch of the TypeScript stage.
        return 1

    def setup_on_node(self, node_info: Any, worker_metadata: Any) -> None:
        self._state().setup_on_node(node_info, worker_metadata)

    def setup(self, worker_metadata: Any) -> None:
        self._state().setup(worker_metadata)

    def process_data(self, in_data: list[Block]) -> list[Block]:
        return self._state().process(in_data)

    def bridge_teardown(self) -> None:
        """Runs the stage's teardown and stops the Node worker (called before the actor dies)."""
        if self._actor is not None:
            self._actor.teardown()

    def bridge_park(self) -> bool:
        """Ends the stage's part in this actor like ``bridge_teardown`` but keeps the Node
        worker for the next stage the actor runs (see ``warm``); False when it cannot."""
        return self._actor is not None and self._actor.park()

    def _state(self) -> ActorState:
        if self._actor is None:
            from .actor import ActorState

            self._actor = ActorState(self.config)
        return self._actor


def make_stage_class(class_name: str) -> type[BridgeStage]:
    """A :class:`BridgeStage` subclass named after the TypeScript stage class."""
    return type(class_name, (BridgeStage,), {"__module__": "ray_js_bridge.stages"})
