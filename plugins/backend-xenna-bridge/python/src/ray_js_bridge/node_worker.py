"""A Node worker host started and owned by a stage actor (the actor <-> Node worker link).

The actor binds a ZeroMQ DEALER on an ``ipc://`` endpoint in a private (0700)
temporary folder, starts ``node <bridge>/worker-host.js --zmq <endpoint>`` in a
new session (its own process group) with a random session key in
``CURATOR_SESSION_KEY``, and speaks the worker-host protocol of
``@curator/runtime`` (frames in :mod:`.host_wire`). Payloads are never decoded
here. A worker that dies or stops answering raises :class:`WorkerDied`, so
Cosmos-Xenna's retry rules apply to the batch.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any

import zmq

from .host_wire import HOST_PROTOCOL_VERSION, decode_reply, encode_request
from .orphans import FOLDER_PREFIX, write_owner

__all__ = ["HOST_PROTOCOL_VERSION", "NodeWorker", "WorkerDied", "WorkerRequestFailed"]


class WorkerDied(Exception):
    """The Node worker exited (or was killed) before it replied."""

    def __init__(self, message: str, exit_cause: str) -> None:
        super().__init__(message)
        self.exit_cause = exit_cause


class WorkerRequestFailed(Exception):
    """The Node worker replied with an error (the stage threw)."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(str(error.get("message", "worker error")))
        self.error = error


def describe_exit(code: int | None) -> str:
    """``exit code N`` or ``signal SIGX`` for a Popen return code."""
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


class NodeWorker:
    """One Node worker host process and the socket that talks to it."""

    def __init__(
        self,
        node: str,
        entry: str,
        env: dict[str, str],
        on_log: Callable[[str, str], None],
    ) -> None:
        self._dir = tempfile.mkdtemp(prefix=FOLDER_PREFIX)
        self.endpoint = f"ipc://{self._dir}/w"
        self._session = secrets.token_hex(32)
        self._context = zmq.Context()
        self._socket = self._context.socket(zmq.DEALER)
        self._socket.linger = 0
        self._socket.bind(self.endpoint)
        self._next_id = 0
        self.on_log = on_log
        child_env = {**os.environ, **env, "CURATOR_SESSION_KEY": self._session}
        try:
            self.process = subprocess.Popen(
                [node, entry, "--zmq", self.endpoint],
                env=child_env,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            self._close_socket()
            raise
        self.pid = self.process.pid
        write_owner(self._dir, self.pid)

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def request(
        self,
        fields: dict[str, Any],
        parts: list[bytes] | None = None,
        single: bytes | None = None,
        timeout_s: float | None = None,
    ) -> tuple[dict[str, Any], list[bytes]]:
        """Sends one request; returns the ``ok`` reply and its byte frames.

        ``single`` is the one byte field of ``init``/``process`` (frame 1);
        ``parts`` are several payload frames (``parts: n`` in the envelope).
        """
        self._next_id += 1
        message_id = self._next_id
        frames = encode_request(self._session, message_id, fields, parts, single)
        # Without a copy: a barrier's input is every task of the run (the bytes stay
        # referenced until sent).
        self._socket.send_multipart(frames, copy=False)
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            if self._socket.poll(100, zmq.POLLIN):
                reply, body = self._receive()
                if reply is None or reply.get("id") != message_id:
                    continue
                if reply.get("type") == "ok":
                    return reply, body
                raise WorkerRequestFailed(dict(reply.get("error") or {}))
            code = self.process.poll()
            if code is not None:
                cause = describe_exit(code)
                raise WorkerDied(f"the Node worker (pid {self.pid}) died: {cause}", cause)
            if deadline is not None and time.monotonic() > deadline:
                self.kill()
                raise WorkerDied(
                    f"the Node worker (pid {self.pid}) did not answer within {timeout_s} s",
                    "timeout",
                )

    def _receive(self) -> tuple[dict[str, Any] | None, list[bytes]]:
        envelope, body = decode_reply(self._socket.recv_multipart())
        if envelope is None:
            return None, []
        if envelope.get("type") == "log":
            self.on_log(str(envelope.get("level", "info")), str(envelope.get("message", "")))
            return None, []
        return envelope, body

    def shutdown(self, timeout_s: float = 3.0) -> None:
        """Asks the worker to exit; kills it when it does not within ``timeout_s``."""
        if self.alive:
            with contextlib.suppress(Exception):
                self.request({"type": "shutdown"}, timeout_s=timeout_s)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout_s)
        self.kill()

    def kill(self) -> None:
        """Kills the worker's whole process group and releases the socket."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)
        self._close_socket()

    def _close_socket(self) -> None:
        if not self._socket.closed:
            self._socket.close(0)
            self._context.term()
        shutil.rmtree(self._dir, ignore_errors=True)
