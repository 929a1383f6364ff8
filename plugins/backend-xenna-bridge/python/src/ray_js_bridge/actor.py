"""What one stage actor holds: its Node worker, its event socket, its retry bookkeeping.

Created lazily in the actor process by :class:`ray_js_bridge.adapter.BridgeStage`. A
failure raises :class:`ray_js_bridge.adapter.StageFailure` after reporting a ``retry``
(attempts left) or, with ``ignoreFailures``, a ``task:failed`` event (the batch's task
ids), since Xenna drops ignored batches without saying which.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from .actor_events import ActorEvents
from .adapter import Block, StageFailure, blocks_of, node_info_to_ts, worker_metadata_to_ts
from .node_worker import NodeWorker, WorkerDied, WorkerRequestFailed
from .shipped import resolve_worker

_parked: tuple[tuple[str, str, tuple[tuple[str, str], ...]], NodeWorker] | None = None
"""The Node worker this actor process keeps between Xenna pipelines (see ``warm``), with
what it was started from: only a stage started the same way may adopt it."""


class ActorState:
    """What one actor holds: its Node worker, event socket and retry bookkeeping."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.name: str = config["name"]
        # The pipeline stages this actor's Node worker runs on each batch (several when fused).
        self.members: list[dict[str, Any]] = config["members"]
        self.keys = [str(member["key"]) for member in self.members]
        self.first = str(self.members[0]["name"])
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
            node = node_info_to_ts(node_info)
            for key in self.keys:
                self._call({"type": "setupOnNode", "key": key, "node": node, "worker": worker})

    def setup(self, metadata: Any) -> None:
        with self.lock:
            self._ensure_worker(metadata)
            self._setup_worker()

    def process(self, blocks: list[Block]) -> list[Block]:
        """One batch (normally one block) through the Node worker; outputs in next-stage blocks."""
        items = [item for block in blocks for item in block]
        ids = [item[0] for item in items]
        with self.lock:
            try:
                if self.worker is None or not self.worker.alive:
                    self._respawn()
                assert self.worker is not None
                reply, frames = self.worker.request(
                    {"type": "process", "keys": self.keys, "rebatch": True, "split": True},
                    parts=[item[2] for item in items],
                    timeout_s=self.config.get("processTimeoutS"),
                )
            except WorkerDied as error:
                self._worker_exited(error.exit_cause)
                raise self._failure(ids, str(error), error.exit_cause) from None
            except WorkerRequestFailed as error:
                wire = error.error
                named = [str(i) for i in wire.get("taskIds") or ids]
                stage = str(wire.get("stage") or self.first)
                failure = self._failure(ids, str(wire.get("message", error)), None, named, stage)
                if (failure.attempts or 1) >= int(self.config["runAttempts"]):
                    # Not run again: the fused stages that finished before the failure keep
                    # their batch records.
                    self._emit_stats(wire.get("stats") or [])
                raise failure from None
            self.attempts.pop(tuple(ids), None)
        self._emit_stats(reply.get("stats") or [])
        refs = reply.get("tasks") or []
        outputs = [
            (str(ref["taskId"]), int(ref["numItems"]), frames[i]) for i, ref in enumerate(refs)
        ]
        return blocks_of(outputs, int(self.config.get("nextBatchSize", 0)))

    def teardown(self) -> None:
        acquired = self.lock.acquire(timeout=float(self.config.get("teardownTimeoutS", 30)))
        try:
            if self.closed:
                return
            self.closed = True
            worker = self.worker
            if worker is not None and worker.alive:
                if self.setup_done:
                    self._teardown_members(worker)
                worker.shutdown()
                self._emit_expected_exit()
            elif worker is not None:
                worker.kill()
            self.events.close()
        finally:
            if acquired:
                self.lock.release()

    def park(self) -> bool:
        """Ends this stage's part as ``teardown`` does but keeps the Node worker for the
        next stage this actor process runs (``warm``); False when there is none to keep."""
        global _parked
        with self.lock:
            worker = self.worker
            if self.closed or not self.setup_done or worker is None or not worker.alive:
                return False
            self._teardown_members(worker)
            if not worker.alive:
                return False
            self.closed = True
            self._emit_expected_exit()
            self.events.close()
            self.worker = None
            _parked = (self._started_from(), worker)
            return True

    # -- helpers -------------------------------------------------------------------------

    def _emit_expected_exit(self) -> None:
        """This stage's worker ends as planned (torn down, or kept for the next stage)."""
        self.events.emit(
            {
                "type": "worker:exit",
                "stage": self.name,
                "workerId": self.worker_id,
                "expected": True,
                "code": 0,
            }
        )

    def _started_from(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        env = dict(self.config["env"])
        return (str(self.config["node"]), str(self.config["entry"]), tuple(sorted(env.items())))

    def _adopt_parked(self) -> NodeWorker | None:
        """The Node worker a previous stage of this process left (when started as ours)."""
        global _parked
        if _parked is None:
            return None
        started_from, worker = _parked
        _parked = None
        if started_from == self._started_from() and worker.alive:
            return worker
        worker.shutdown()
        return None

    def _ensure_worker(self, metadata: Any) -> None:
        if self.metadata is None:
            self.metadata = metadata
            self.base_worker_id = str(metadata.worker_id)
        if self.worker is not None and self.worker.alive:
            return
        self.generation += 1
        suffix = "" if self.generation == 1 else f"#{self.generation}"
        self.worker_id = f"{self.base_worker_id}{suffix}"
        adopted = self._adopt_parked() if self.generation == 1 else None
        if adopted is not None:
            adopted.on_log = self._log
            self.worker = adopted
        else:
            node, entry, env = resolve_worker(
                self.config["node"], self.config["entry"], dict(self.config["env"])
            )
            self.worker = NodeWorker(node, entry, env, self._log)
        started = {
            "type": "worker:start",
            "stage": self.name,
            "workerId": self.worker_id,
            "pid": self.worker.pid,
        }
        node_id = _node_id()
        if node_id is not None:
            started["nodeId"] = node_id
        self.events.emit(started)
        for index, member in enumerate(self.members):
            source = index == 0 and bool(self.config["isSource"])
            init = {"type": "init", "key": str(member["key"]), "isSource": source}
            self._call(init, single=member["descriptor"])

    def _setup_worker(self) -> None:
        worker = worker_metadata_to_ts(self.metadata, self.worker_id)
        for key in self.keys:
            self._call({"type": "setup", "key": key, "worker": worker})
        self.setup_done = True

    def _teardown_members(self, worker: NodeWorker) -> None:
        for key in self.keys:
            try:
                worker.request(
                    {"type": "teardown", "key": key},
                    timeout_s=float(self.config.get("teardownTimeoutS", 30)),
                )
            except (WorkerDied, WorkerRequestFailed) as error:
                self._log("warn", f"teardown failed: {error}")

    def _emit_stats(self, entries: list[dict[str, Any]]) -> None:
        for stats in entries:
            self.events.emit({"type": "batch:done", "workerId": self.worker_id, **stats})

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

    def _failure(
        self,
        ids: list[str],
        message: str,
        exit_cause: str | None,
        named: list[str] | None = None,
        stage: str | None = None,
    ) -> StageFailure:
        """Counts an attempt of the batch ``ids``; ``named``: the task ids the error names,
        ``stage``: the stage that failed (default: the first this actor runs)."""
        key = tuple(ids)
        attempt = self.attempts.get(key, 0) + 1
        self.attempts[key] = attempt
        reported = named if named is not None else ids
        failed = stage or self.first
        failure = StageFailure(message, failed, reported, attempt, self.worker_id, exit_cause)
        if attempt < int(self.config["runAttempts"]):
            self.events.emit(
                {
                    "type": "retry",
                    "stage": failed,
                    "taskIds": reported,
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
        if _parked is not None:
            _parked[1].kill()
        # Only in a Ray worker: elsewhere (tests) it would replace the process's exit status.
        if _in_ray_worker():
            os._exit(0)


def release_parked() -> None:
    """Stops the Node worker this actor process keeps, if any (before Ray ends the actor)."""
    global _parked
    if _parked is not None:
        _parked[1].shutdown()
        _parked = None


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


def _in_ray_worker() -> bool:
    try:
        import ray

        return bool(ray.is_initialized())
    except Exception:
        return False


def _node_id() -> str | None:
    """The Ray node this actor runs on (``None`` outside Ray, in tests)."""
    try:
        import ray

        return str(ray.get_runtime_context().get_node_id())
    except Exception:
        return None
