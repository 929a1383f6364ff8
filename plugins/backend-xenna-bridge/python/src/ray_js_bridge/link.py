"""The driver's side of the executor link, and its event socket for stage actors.

One thread owns every ZeroMQ socket of the driver (sockets are not thread safe):
the DEALER connected to the TypeScript executor and, once opened, the PULL socket
that stage actors push events to. Other threads hand it messages through a queue
and wake it through a pipe. Valid executor messages land in :attr:`ExecutorLink.inbox`;
``cancel`` also sets :attr:`ExecutorLink.cancelled` and calls ``on_cancel``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import zmq

from . import protocol

log = logging.getLogger("ray_js_bridge.link")

EVENT_MAX_BYTES = 16 * 1024 * 1024
"""Largest event message an actor may push."""


@dataclass(frozen=True)
class CurveKeys:
    """Z85 CURVE keys: our key pair, plus the server's public key when we are a client."""

    public: str
    secret: str
    server: str | None = None


@dataclass(frozen=True)
class EventsEndpoint:
    """Where stage actors push events: endpoint, session key, and CURVE keys for clients."""

    endpoint: str
    session: str
    server_public: str | None = None
    client_public: str | None = None
    client_secret: str | None = None


class ExecutorLink:
    """Talks to the executor from a dedicated thread; see the module comment."""

    def __init__(
        self,
        endpoint: str,
        session: str,
        *,
        max_bytes: int = protocol.DEFAULT_MAX_MESSAGE_BYTES,
        curve: CurveKeys | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.session = session
        self.max_bytes = max_bytes
        self.inbox: queue.Queue[protocol.Message] = queue.Queue()
        self.cancelled = threading.Event()
        self.rejected = 0
        self._curve = curve
        self._on_cancel = on_cancel
        self._commands: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._next_id = 0
        self._id_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="executor-link", daemon=True)
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._error: BaseException | None = None
        self._events: zmq.Socket | None = None
        self._events_endpoint: EventsEndpoint | None = None
        self._events_session: str | None = None
        self._retired_sessions: list[str] = []
        self.stale_events = 0

    # -- public API (any thread) ---------------------------------------------------------

    def start(self) -> None:
        """Connects to the executor; returns once the socket is set up."""
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def send(
        self, type_: str, fields: dict[str, Any] | None = None, parts: list[bytes] | None = None
    ) -> None:
        """Queues one message to the executor."""
        with self._id_lock:
            self._next_id += 1
            message_id = self._next_id
        frames = protocol.encode(self.session, type_, message_id, fields, parts)
        self._command(("send", frames))

    def send_events(self, events: list[dict[str, Any]]) -> None:
        """Queues run events (and log records) to the executor."""
        if events:
            self.send("event", {"events": events})

    def open_events(self, host: str, curve: bool) -> EventsEndpoint:
        """How stage actors reach the PULL socket for their events, under a new session key.

        The socket is bound on the first call and kept for the driver's later runs. Every
        call starts a new event session (one per run): an event pushed late by an actor of
        an earlier run carries that run's key and is dropped quietly, never forwarded as
        an event of the current run.
        """
        reply: queue.Queue[Any] = queue.Queue()
        self._command(("open_events", host, curve, reply))
        result = reply.get(timeout=30)
        if isinstance(result, BaseException):
            raise result
        return result

    def flush(self, timeout: float = 5.0) -> None:
        """Forwards every actor event already received, then every queued message."""
        reply: queue.Queue[Any] = queue.Queue()
        self._command(("flush", reply))
        with contextlib.suppress(queue.Empty):
            reply.get(timeout=timeout)

    def close(self, linger_s: float = 3.0) -> None:
        """Sends what is queued (waiting up to ``linger_s``) and stops the thread."""
        if not self._thread.is_alive():
            return
        self._command(("close", linger_s))
        self._thread.join(linger_s + 2)

    # -- link thread ---------------------------------------------------------------------

    def _command(self, command: tuple[Any, ...]) -> None:
        self._commands.put(command)
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _run(self) -> None:
        context = zmq.Context()
        sock = context.socket(zmq.DEALER)
        try:
            sock.linger = 3000
            if self._curve is not None:
                sock.curve_publickey = self._curve.public.encode()
                sock.curve_secretkey = self._curve.secret.encode()
                sock.curve_serverkey = (self._curve.server or "").encode()
            sock.connect(self.endpoint)
        except BaseException as error:
            self._error = error
            self._ready.set()
            sock.close(0)
            context.term()
            return
        self._sock = sock
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        poller.register(self._wake_r, zmq.POLLIN)
        self._poller = poller
        self._ready.set()
        linger = 3.0
        try:
            while True:
                ready = dict(poller.poll(200))
                if self._wake_r in ready:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self._wake_r, 4096)
                    stop = self._run_commands()
                    if stop is not None:
                        linger = stop
                        break
                if sock in ready:
                    self._receive_executor()
                if self._events is not None and self._events in ready:
                    self._receive_events()
        finally:
            self._stopped.set()
            sock.close(int(linger * 1000))
            if self._events is not None:
                self._events.close(0)
            context.term()

    def _run_commands(self) -> float | None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return None
            kind = command[0]
            if kind == "send":
                self._sock.send_multipart(command[1])
            elif kind == "open_events":
                command[3].put(self._bind_events(command[1], command[2]))
            elif kind == "flush":
                if self._events is not None:
                    while self._receive_events():
                        pass
                command[1].put(True)
            elif kind == "close":
                # Send what was queued before closing.
                self._run_commands()
                return float(command[1])

    def _bind_events(self, host: str, curve: bool) -> EventsEndpoint | BaseException:
        if self._events_endpoint is not None:
            return self._new_events_session()
        try:
            events = self._sock.context.socket(zmq.PULL)
            events.linger = 0
            events.rcvhwm = 100_000
            server_public = client_public = client_secret = None
            if curve:
                server_public, server_secret = (k.decode() for k in zmq.curve_keypair())
                client_public, client_secret = (k.decode() for k in zmq.curve_keypair())
                events.curve_server = True
                events.curve_secretkey = server_secret.encode()
                events.curve_publickey = server_public.encode()
            port = events.bind_to_random_port(f"tcp://{host}")
            self._events = events
            self._poller.register(events, zmq.POLLIN)
            self._events_endpoint = EventsEndpoint(
                f"tcp://{host}:{port}", "", server_public, client_public, client_secret
            )
            return self._new_events_session()
        except BaseException as error:
            return error

    def _new_events_session(self) -> EventsEndpoint:
        assert self._events_endpoint is not None
        if self._events_session is not None:
            # A few earlier runs' keys are enough: their actors are gone within seconds.
            self._retired_sessions = [self._events_session, *self._retired_sessions][:4]
        self._events_session = os.urandom(32).hex()
        return dataclasses.replace(self._events_endpoint, session=self._events_session)

    def _is_stale(self, frames: list[bytes]) -> bool:
        """Whether ``frames`` is a valid event of an earlier event session."""
        for session in self._retired_sessions:
            try:
                protocol.decode(frames, session, protocol.ACTOR_TYPES, EVENT_MAX_BYTES)
            except protocol.ProtocolError:
                continue
            return True
        return False

    def _receive_executor(self) -> None:
        while True:
            try:
                frames = self._sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                message = protocol.decode(
                    frames, self.session, protocol.EXECUTOR_TYPES, self.max_bytes
                )
            except protocol.ProtocolError as error:
                self._reject(error)
                continue
            if message.type == "error":
                log.warning("the executor reported: %s", message.fields.get("error"))
                continue
            if message.type == "cancel":
                self.cancelled.set()
                if self._on_cancel is not None:
                    self._on_cancel()
            self.inbox.put(message)

    def _reject(self, error: protocol.ProtocolError) -> None:
        self.rejected += 1
        log.warning("rejected a message from the executor: %s", error.reason)
        fields: dict[str, Any] = {
            "error": {"code": "CURATOR_PROTOCOL", "message": f"rejected: {error.reason}"}
        }
        if error.message_id is not None:
            fields["replyTo"] = error.message_id
        with self._id_lock:
            self._next_id += 1
            message_id = self._next_id
        self._sock.send_multipart(protocol.encode(self.session, "error", message_id, fields))

    def _receive_events(self) -> bool:
        """Forwards every queued actor event in one message; False when none was queued."""
        assert self._events is not None
        batch: list[dict[str, Any]] = []
        while len(batch) < 1000:
            try:
                frames = self._events.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            try:
                message = protocol.decode(
                    frames, self._events_session or "", protocol.ACTOR_TYPES, EVENT_MAX_BYTES
                )
            except protocol.ProtocolError as error:
                if self._is_stale(frames):
                    self.stale_events += 1
                    log.debug("dropped an event of an earlier run")
                    continue
                self.rejected += 1
                log.warning("rejected a message on the event socket: %s", error.reason)
                continue
            event = message.fields.get("event")
            if isinstance(event, dict):
                batch.append(event)
        if batch:
            with self._id_lock:
                self._next_id += 1
                message_id = self._next_id
            frames = protocol.encode(self.session, "event", message_id, {"events": batch})
            self._sock.send_multipart(frames)
        return bool(batch)


class LinkLogHandler(logging.Handler):
    """Forwards log records to the executor as ``log`` run events."""

    levels: ClassVar[dict[int, str]] = {
        logging.DEBUG: "debug",
        logging.INFO: "info",
        logging.WARNING: "warn",
    }

    def __init__(self, link: ExecutorLink, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._link = link

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = self.levels.get(record.levelno, "error")
            message = record.getMessage()
            self._link.send_events(
                [
                    {
                        "type": "log",
                        "level": level,
                        "message": message,
                        "fields": {"logger": record.name},
                    }
                ]
            )
        except Exception:
            self.handleError(record)
