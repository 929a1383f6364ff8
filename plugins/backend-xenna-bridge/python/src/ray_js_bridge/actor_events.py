"""Run events from a stage actor to the driver (a ZeroMQ PUSH to the driver's PULL).

Each message is an executor-wire envelope of type ``event`` carrying the run's event
session key (never the executor's key); the driver validates it and forwards the event.
When the driver's socket is not on loopback, the connection uses CURVE with the keys
the driver generated for this run.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import zmq

from . import protocol


class ActorEvents:
    """Pushes run events; ``close`` flushes them (waiting a few seconds at most)."""

    def __init__(self, spec: dict[str, Any] | None) -> None:
        self._lock = threading.Lock()
        self._next_id = 0
        self._socket: zmq.Socket | None = None
        self._context: zmq.Context | None = None
        if spec is None:
            return
        self._session = str(spec["session"])
        self._context = zmq.Context()
        sock = self._context.socket(zmq.PUSH)
        sock.linger = 3000
        sock.sndhwm = 100_000
        if spec.get("serverPublic"):
            sock.curve_serverkey = str(spec["serverPublic"]).encode()
            sock.curve_publickey = str(spec["clientPublic"]).encode()
            sock.curve_secretkey = str(spec["clientSecret"]).encode()
        sock.connect(str(spec["endpoint"]))
        self._socket = sock

    def emit(self, event: dict[str, Any]) -> None:
        """Queues one event (never blocks the batch for long, never raises)."""
        with self._lock:
            if self._socket is None:
                return
            self._next_id += 1
            frames = protocol.encode(self._session, "event", self._next_id, {"event": event})
            with contextlib.suppress(zmq.ZMQError):
                self._socket.send_multipart(frames, zmq.NOBLOCK)

    def close(self) -> None:
        """Sends what is queued, then releases the socket."""
        with self._lock:
            if self._socket is None or self._context is None:
                return
            self._socket.close(3000)
            self._context.term()
            self._socket = None
