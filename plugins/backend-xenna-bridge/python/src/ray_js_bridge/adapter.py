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

import contextlib
import os
import threading
from typing import Any

from cosmos_xenna.pipelines import v1 as xenna

from .actor_events import ActorEvents
from .node_worker import NodeWorker, WorkerDied, WorkerRequestFailed

Item = tuple[str, int, bytes]
"""One task on the Python side: id, item count and its opaque encoded bytes."""


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
        self._actor: _ActorState | None = None

    @property
    def required_resources(self) -> xenna.Resources:
        return xenna.Resources(cpus=float(self.config["cpus"]), gpus=self.config["gpus"])

    @property
    def stage_batch_size(self) -> int:
        return int(self.config["batchSize"])

    def setup_on_node(self, node_info: Any, worker_metadata: Any) -> None:
        self._state().setup_on_node(node_info, worker_metadata)

    def setup(self, worker_metadata: Any) -> None:
        self._state().setup(worker_metadata)

    def process_data(self, in_data: list[Item]) -> list[Item]:
        return self._state().process(in_data)

    def bridge_teardown(self) -> None:
        """Runs the stage's teardown and stops the Node worker (called before the actor dies)."""
        if self._actor is not None:
            self._actor.teardown()

    def _state(self) -> _ActorState:
        if self._actor is None:
            self._actor = _ActorState(self.config)
        return self._actor


def make_stage_class(class_name: str) -> type[BridgeStage]:
    """A :class:`BridgeStage` subclass named after the TypeScript stage class."""
    return type(class_name, (BridgeStage,), {"__module__": "ray_js_bridge.stages"})


class _ActorState:
    """What one actor holds: its Node worker, event socket and retry bookkeeping."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.name: str = config["name"]
        self.lock = threading.RLock()
        self.events = ActorEvents(config["events"])
        self.worker: NodeWorker | None = None
        self.worker_id = ""
        self.base_worker_id = ""
        self.metadata: Any = None
        self.generation = 0
        self.setup_done = False
        self.closed = False
        self.attempts: dict[tuple[str, ...], int] = {}
        # When Ray ends this actor process, threading's shutdown would wait forever on
        # Xenna's non-daemon threads; this hook runs first, kills the Node worker and exits.
        with contextlib.suppress(RuntimeError):
            threading._register_atexit(self._on_exit)  # type: ignore[attr-defined]

    def setup_on_node(self, node_info: Any, metadata: Any) -> None:
        with self.lock:
            self._ensure_worker(metadata)
            worker = worker_metadata_to_ts(metadata, self.worker_id)
            self._call(
                {
                    "type": "setupOnNode",
                    "key": self.config["key"],
                    "node": node_info_to_ts(node_info),
                    "worker": worker,
                }
            )

    def setup(self, metadata: Any) -> None:
        with self.lock:
            self._ensure_worker(metadata)
            self._setup_worker()

    def process(self, items: list[Item]) -> list[Item]:
        ids = [item[0] for item in items]
        with self.lock:
            try:
                if self.worker is None or not self.worker.alive:
                    self._respawn()
                assert self.worker is not None
                reply, frames = self.worker.request(
                    {"type": "process", "keys": [self.config["key"]], "split": True},
                    parts=[item[2] for item in items],
                    timeout_s=self.config.get("processTimeoutS"),
                )
            except WorkerDied as error:
                self._worker_exited(error.exit_cause)
                raise self._failure(ids, str(error), error.exit_cause) from None
            except WorkerRequestFailed as error:
                wire = error.error
                ids = [str(i) for i in wire.get("taskIds") or ids]
                raise self._failure(ids, str(wire.get("message", error)), None) from None
            self.attempts.pop(tuple(ids), None)
        for stats in reply.get("stats") or []:
            self.events.emit({"type": "batch:done", "workerId": self.worker_id, **stats})
        refs = reply.get("tasks") or []
        return [(str(ref["taskId"]), int(ref["numItems"]), frames[i]) for i, ref in enumerate(refs)]

    def teardown(self) -> None:
        acquired = self.lock.acquire(timeout=float(self.config.get("teardownTimeoutS", 30)))
        try:
            if self.closed:
                return
            self.closed = True
            worker = self.worker
            if worker is not None and worker.alive:
                if self.setup_done:
                    try:
                        worker.request(
                            {"type": "teardown", "key": self.config["key"]},
                            timeout_s=float(self.config.get("teardownTimeoutS", 30)),
                        )
                    except (WorkerDied, WorkerRequestFailed) as error:
                        self._log("warn", f"teardown failed: {error}")
                worker.shutdown()
                self.events.emit(
                    {
                        "type": "worker:exit",
                        "stage": self.name,
                        "workerId": self.worker_id,
                        "expected": True,
                        "code": 0,
                    }
                )
            elif worker is not None:
                worker.kill()
            self.events.close()
        finally:
            if acquired:
                self.lock.release()

    # -- helpers -------------------------------------------------------------------------

    def _ensure_worker(self, metadata: Any) -> None:
        if self.metadata is None:
            self.metadata = metadata
            self.base_worker_id = str(metadata.worker_id)
        if self.worker is not None and self.worker.alive:
            return
        self.generation += 1
        suffix = "" if self.generation == 1 else f"#{self.generation}"
        self.worker_id = f"{self.base_worker_id}{suffix}"
        self.worker = NodeWorker(
            self.config["node"], self.config["entry"], dict(self.config["env"]), self._log
        )
        self.events.emit(
            {
                "type": "worker:start",
                "stage": self.name,
                "workerId": self.worker_id,
                "pid": self.worker.pid,
            }
        )
        self._call(
            {"type": "init", "key": self.config["key"], "isSource": bool(self.config["isSource"])},
            single=self.config["descriptor"],
        )

    def _setup_worker(self) -> None:
        worker = worker_metadata_to_ts(self.metadata, self.worker_id)
        self._call({"type": "setup", "key": self.config["key"], "worker": worker})
        self.setup_done = True

    def _respawn(self) -> None:
        """Starts a fresh Node worker after one died: ``init`` and ``setup`` again."""
        if self.worker is not None:
            self.worker.kill()
        self.worker = None
        self._ensure_worker(self.metadata)
        self._setup_worker()

    def _call(self, fields: dict[str, Any], single: bytes | None = None) -> None:
        assert self.worker is not None
        try:
            self.worker.request(fields, single=single)
        except WorkerDied as error:
            self._worker_exited(error.exit_cause)
            raise StageFailure(
                f"{fields['type']} failed: {error}",
                self.name,
                [],
                1,
                self.worker_id,
                error.exit_cause,
            ) from None
        except WorkerRequestFailed as error:
            raise StageFailure(
                f"{fields['type']} failed: {error}", self.name, [], 1, self.worker_id
            ) from None

    def _failure(self, ids: list[str], message: str, exit_cause: str | None) -> StageFailure:
        key = tuple(ids)
        attempt = self.attempts.get(key, 0) + 1
        self.attempts[key] = attempt
        failure = StageFailure(message, self.name, ids, attempt, self.worker_id, exit_cause)
        if attempt < int(self.config["runAttempts"]):
            self.events.emit(
                {
                    "type": "retry",
                    "stage": self.name,
                    "taskIds": ids,
                    "attempt": attempt + 1,
                    "reason": message,
                }
            )
            return failure
        self.attempts.pop(key, None)
        if self.config["ignoreFailures"]:
            self.events.emit({"type": "task:failed", "failure": _failure_record(failure)})
        return failure

    def _worker_exited(self, exit_cause: str) -> None:
        code: int | None = None
        if self.worker is not None:
            code = self.worker.process.returncode
        event: dict[str, Any] = {
            "type": "worker:exit",
            "stage": self.name,
            "workerId": self.worker_id,
            "expected": False,
        }
        if code is not None and code >= 0:
            event["code"] = code
        elif exit_cause.startswith("signal "):
            event["signal"] = exit_cause.removeprefix("signal ")
        self.events.emit(event)

    def _log(self, level: str, message: str) -> None:
        self.events.emit(
            {
                "type": "log",
                "level": level,
                "message": message,
                "stage": self.name,
                "workerId": self.worker_id,
            }
        )

    def _on_exit(self) -> None:
        if self.worker is not None:
            self.worker.kill()
        os._exit(0)


def _failure_record(failure: StageFailure) -> dict[str, Any]:
    record: dict[str, Any] = {
        "stage": failure.stage,
        "taskIds": failure.task_ids,
        "error": failure.message,
        "attempts": failure.attempts or 1,
    }
    if failure.worker_id:
        record["workerId"] = failure.worker_id
    if failure.exit_cause:
        record["exitCause"] = failure.exit_cause
    return record
