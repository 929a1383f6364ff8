"""The executor <-> driver wire: envelopes, message types and their validation.

Every ZeroMQ message is frame 0, a msgpack map ``{v, session, type, id, ...}``,
followed by ``parts`` opaque payload frames (``parts`` is in the envelope when
there are any). Payload frames are never decoded here. A message with another
protocol version, a wrong session key, an unknown type, a frame count that
differs from ``parts`` or payloads over the size limit is rejected: the
receiver logs it and answers with an ``error`` message, it never executes it.
The wire is described once, in the plugin's ``wire/executor-driver.md``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

import msgpack

PROTOCOL_VERSION = 1
"""Version of the executor <-> driver protocol spoken by this package."""

SUPPORTED_VERSIONS = (1,)
"""Every version this driver can speak (sent in ``hello``)."""

DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024
"""Largest sum of payload frames accepted in one message."""

MAX_ENVELOPE_BYTES = 4 * 1024 * 1024
"""Largest envelope (frame 0) accepted."""

EXECUTOR_TYPES = frozenset({"welcome", "submit", "input", "cancel", "close", "error"})
"""Types the executor sends (the driver accepts only these)."""

DRIVER_TYPES = frozenset({"hello", "event", "output", "done", "error"})
"""Types the driver sends (the executor accepts only these)."""

ACTOR_TYPES = frozenset({"event"})
"""Types stage actors send to the driver's event socket."""


class ProtocolError(Exception):
    """A message was rejected; ``message_id`` is its id when it could be read."""

    def __init__(self, reason: str, message_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id


@dataclass
class Message:
    """A validated message: its type, id, envelope fields and payload frames."""

    type: str
    id: int
    fields: dict[str, Any] = field(default_factory=dict)
    parts: list[bytes] = field(default_factory=list)


def encode(
    session: str,
    type_: str,
    id_: int,
    fields: dict[str, Any] | None = None,
    parts: list[bytes] | None = None,
) -> list[bytes]:
    """Frames of one message; ``parts`` go as opaque frames after the envelope."""
    envelope: dict[str, Any] = {"v": PROTOCOL_VERSION, "session": session, "type": type_, "id": id_}
    if fields:
        envelope.update(fields)
    frames: list[bytes] = []
    if parts:
        envelope["parts"] = len(parts)
        frames = list(parts)
    return [msgpack.packb(envelope, use_bin_type=True), *frames]


def decode(
    frames: list[bytes],
    session: str,
    accepted: frozenset[str],
    max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> Message:
    """Validates and decodes one received message; raises :class:`ProtocolError`."""
    if not frames:
        raise ProtocolError("empty message")
    head = frames[0]
    if len(head) > MAX_ENVELOPE_BYTES:
        raise ProtocolError(f"envelope of {len(head)} bytes is over {MAX_ENVELOPE_BYTES}")
    try:
        envelope = msgpack.unpackb(head, raw=False)
    except Exception as error:
        raise ProtocolError(f"malformed envelope ({type(error).__name__})") from None
    if not isinstance(envelope, dict):
        raise ProtocolError("envelope is not a map")
    raw_id = envelope.get("id")
    message_id = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None
    if envelope.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported protocol version {envelope.get('v')!r}", message_id)
    given = envelope.get("session")
    if not isinstance(given, str) or not hmac.compare_digest(given, session):
        raise ProtocolError("wrong session key", message_id)
    type_ = envelope.get("type")
    if not isinstance(type_, str) or type_ not in accepted:
        raise ProtocolError(f"unknown message type {type_!r}", message_id)
    if message_id is None:
        raise ProtocolError("message has no integer id")
    parts = frames[1:]
    declared = envelope.get("parts", 0)
    if declared != len(parts):
        raise ProtocolError(
            f"envelope announces {declared!r} payload frames, got {len(parts)}", message_id
        )
    size = sum(len(part) for part in parts)
    if size > max_bytes:
        raise ProtocolError(f"payload of {size} bytes is over the limit of {max_bytes}", message_id)
    fields = {k: v for k, v in envelope.items() if k not in ("v", "session", "type", "id", "parts")}
    return Message(type_, message_id, fields, [bytes(part) for part in parts])


def chunk_parts(
    items: list[tuple[str, int, bytes]], max_bytes: int, max_count: int = 4096
) -> list[list[tuple[str, int, bytes]]]:
    """Splits ``(task_id, num_items, payload)`` items into message-sized groups."""
    groups: list[list[tuple[str, int, bytes]]] = []
    current: list[tuple[str, int, bytes]] = []
    size = 0
    for item in items:
        length = len(item[2])
        if current and (size + length > max_bytes or len(current) >= max_count):
            groups.append(current)
            current, size = [], 0
        current.append(item)
        size += length
    if current:
        groups.append(current)
    return groups
