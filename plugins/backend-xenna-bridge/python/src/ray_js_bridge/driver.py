"""The driver: handshake, submit, inputs, run, outputs, done; reaping on every path.

The messages, their fields and their order are described once, in the plugin's
``wire/executor-driver.md``: ``hello`` -> ``welcome`` -> ``submit`` -> ``input``... ->
``event``... -> ``output``... -> ``done`` (or ``error``).

After ``done`` (or the ``error`` of a stage failure, marked ``reusable``) the driver
waits for the next ``submit`` on the same Ray connection, until ``close``.
"""

from __future__ import annotations

import _thread
import contextlib
import importlib.metadata
import logging
import os
import platform
import queue
import signal
import sys
import threading
import time
from typing import Any

from . import __version__, protocol
from .cluster import RAY_ENV, prepare_env
from .link import CurveKeys, ExecutorLink, LinkLogHandler
from .memory import WhenIdle

log = logging.getLogger("ray_js_bridge.driver")

SESSION_ENV = "CURATOR_BRIDGE_SESSION"
"""Environment variable holding the per-run session key (never on the command line)."""

MAX_BYTES_ENV = "CURATOR_BRIDGE_MAX_MESSAGE_BYTES"
"""Environment variable with the payload limit of one message (default 256 MiB)."""

CURVE_ENV = ("CURATOR_BRIDGE_SERVER_KEY", "CURATOR_BRIDGE_PUBLIC_KEY", "CURATOR_BRIDGE_SECRET_KEY")
"""Environment variables with the CURVE keys (server public key, our key pair)."""

CAPABILITIES = {
    "executionModes": ["streaming", "batch"],
    "curve": True,
    "ignoreFailures": True,
    "cancel": True,
    "events": True,
}


class Cancelled(Exception):
    """The executor sent ``cancel`` (or the driver got SIGINT/SIGTERM)."""


def package_version(name: str) -> str | None:
    """Installed version of a distribution, without importing it."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


class Driver:
    """One driver: handshake, then runs until ``close`` (or a run it cannot recover from)."""

    def __init__(
        self,
        endpoint: str,
        session: str,
        curve: CurveKeys | None = None,
        max_bytes: int = protocol.DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self.link = ExecutorLink(
            endpoint, session, curve=curve, max_bytes=max_bytes, on_cancel=self._interrupt
        )
        self._running = False
        self._runner: Any = None
        self._idle = WhenIdle()

    def _interrupt(self) -> None:
        hooks = getattr(self._runner, "hooks", None)
        if hooks is not None:
            hooks.timeout_s = 5.0
        if self._running:
            _thread.interrupt_main()

    def main(self, handshake_timeout_s: float = 60.0) -> int:
        self.link.start()
        handler = LinkLogHandler(self.link)
        logging.getLogger("ray_js_bridge").addHandler(handler)
        try:
            self._hello()
            self._expect("welcome", handshake_timeout_s)
            timeout: float | None = handshake_timeout_s
            while True:
                submit = self._expect("submit", timeout, closing=True)
                if submit is None:
                    return 0
                if not self._serve(submit, handshake_timeout_s):
                    return 1
                # Kept alive by the executor: wait for the next run without a deadline.
                timeout = None
        except (Cancelled, KeyboardInterrupt):
            log.info("run cancelled")
            self._report({"code": "CURATOR_ABORTED", "message": "run cancelled"}, reusable=False)
            return 130
        except BaseException as error:
            self._report(self._describe(error), reusable=False)
            return 1
        finally:
            logging.getLogger("ray_js_bridge").removeHandler(handler)
            if self._runner is not None:
                with contextlib.suppress(BaseException):
                    self._runner.close()
            self.link.close()

    def _serve(self, submit: protocol.Message, timeout_s: float) -> bool:
        """Runs one submitted pipeline; False when the driver cannot serve another."""
        self._idle.cancel()
        if self._runner is None:
            # The first run picks the cluster; importing the runner imports Ray.
            prepare_env(submit.fields.get("run") or {})
        from . import runner

        inputs = self._inputs(timeout_s)
        try:
            outputs = self._run(submit, inputs)
        except (Cancelled, KeyboardInterrupt):
            raise
        except BaseException as error:
            recoverable = isinstance(error, runner.Unsatisfiable) or (
                runner.find_stage_failure(error) is not None
            )
            if not recoverable:
                raise
            self._report(self._describe(error), reusable=True)
            return True
        self._send_outputs(outputs)
        self.link.flush()
        self.link.send("done", {"outputs": len(outputs), "reusable": True})
        del outputs, inputs
        # A kept-alive driver waits for its next run holding what this one gathered.
        self._idle.arm()
        return True

    def _report(self, error: dict[str, Any], reusable: bool) -> None:
        self.link.flush()
        self.link.send("error", {"error": error, "reusable": reusable})

    def _hello(self) -> None:
        self.link.send(
            "hello",
            {
                "versions": list(protocol.SUPPORTED_VERSIONS),
                "driver": {"name": "ray_js_bridge", "version": __version__},
                "python": platform.python_version(),
                "ray": package_version("ray"),
                "xenna": package_version("cosmos-xenna"),
                "capabilities": CAPABILITIES,
                "pid": os.getpid(),
            },
        )

    def _expect(
        self, type_: str, timeout_s: float | None, closing: bool = False
    ) -> protocol.Message | None:
        """The next message of ``type_``; ``None`` for ``close`` when ``closing``."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"no {type_} from the executor within {timeout_s:g} s")
            try:
                message = self.link.inbox.get(timeout=0.5)
            except queue.Empty:
                continue
            if message.type == "cancel":
                raise Cancelled()
            if message.type == type_:
                return message
            if closing and message.type == "close":
                return None
            log.warning("ignored a %s message while waiting for %s", message.type, type_)

    def _inputs(self, timeout_s: float) -> list[tuple[str, int, bytes]]:
        items: list[tuple[str, int, bytes]] = []
        while True:
            message = self._expect("input", timeout_s)
            assert message is not None
            refs = message.fields.get("tasks") or []
            if len(refs) != len(message.parts):
                raise ValueError(f"input lists {len(refs)} tasks but carries {len(message.parts)}")
            for ref, part in zip(refs, message.parts, strict=True):
                items.append((str(ref["id"]), int(ref["numItems"]), part))
            if message.fields.get("last"):
                return items

    def _run(self, submit: protocol.Message, inputs: list[tuple[str, int, bytes]]) -> list[Any]:
        from . import runner

        stages = submit.fields.get("stages") or []
        # One descriptor per pipeline stage; fused ones share a Xenna stage.
        count = sum(len(runner.members_of(stage)) for stage in stages)
        if count != len(submit.parts):
            raise ValueError(f"submit lists {count} stages but carries {len(submit.parts)}")
        if self._runner is None:
            self._runner = runner.Runner(self.link.send_events, self.link.open_events)
        if self.link.cancelled.is_set():
            raise Cancelled()
        self._running = True
        try:
            return self._runner.execute(submit.fields, submit.parts, inputs)
        finally:
            self._running = False

    def _send_outputs(self, outputs: list[Any]) -> None:
        limit = self.link.max_bytes
        for item in outputs:
            if len(item[2]) > limit:
                raise ValueError(f"output task {item[0]} is larger than the message limit")
        groups = protocol.chunk_parts(outputs, limit)
        for index, group in enumerate(groups):
            self.link.send(
                "output",
                {
                    "tasks": [{"id": item[0], "numItems": item[1]} for item in group],
                    "last": index == len(groups) - 1,
                },
                [item[2] for item in group],
            )
        if not groups:
            self.link.send("output", {"tasks": [], "last": True})

    def _describe(self, error: BaseException) -> dict[str, Any]:
        from . import runner

        if isinstance(error, runner.Unsatisfiable):
            return {
                "code": "CURATOR_UNSATISFIABLE_RESOURCES",
                "message": str(error),
                "stage": error.stage,
            }
        failure = runner.find_stage_failure(error)
        if failure is not None:
            return failure.to_wire()
        if isinstance(error, ModuleNotFoundError):
            return {"code": "CURATOR_INVALID_CONFIG", "message": f"{error}", "missing": error.name}
        log.error("run failed: %s", error, exc_info=error)
        text = str(error).strip().splitlines()
        summary = text[0] if text else type(error).__name__
        return {"code": "CURATOR_WORKER_FAILED", "message": f"{type(error).__name__}: {summary}"}


def _watch_parent(interval_s: float = 1.0) -> None:
    """Interrupts the driver when the process that started it is gone."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval_s)
            if os.getppid() != parent:
                _thread.interrupt_main()
                return

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _on_signal(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run(endpoint: str) -> int:
    """Entry point of ``python -m ray_js_bridge``."""
    session = os.environ.get(SESSION_ENV, "")
    if not session:
        print(f"ray_js_bridge: {SESSION_ENV} is not set", file=sys.stderr)
        return 2
    server, public, secret = (os.environ.get(name) for name in CURVE_ENV)
    curve = CurveKeys(public, secret, server) if server and public and secret else None
    max_bytes = int(os.environ.get(MAX_BYTES_ENV) or protocol.DEFAULT_MAX_MESSAGE_BYTES)
    # Before anything imports Ray: what Ray and Xenna read from the environment.
    os.environ.update(RAY_ENV)
    for name in (*CURVE_ENV, SESSION_ENV):
        os.environ.pop(name, None)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    parent = os.getppid()
    _watch_parent()
    code = 130
    with contextlib.suppress(KeyboardInterrupt):
        code = Driver(endpoint, session, curve, max_bytes).main()
    if os.getppid() != parent and os.getpgid(0) == os.getpid():
        # Orphaned group leader: nobody will reap what Ray left in our process group.
        sys.stdout.flush()
        sys.stderr.flush()
        os.killpg(0, signal.SIGKILL)
    return code
