"""Frames of the worker-host wire (stage actor <-> Node worker host).

The wire is described in ``plugins/backend-xenna-bridge/wire/worker-host.md`` of the repository.
This side encodes requests and decodes replies; it never decodes a request nor
encodes a reply, and never decodes a payload frame.
"""

from __future__ import annotations

from typing import Any

import msgpack

HOST_PROTOCOL_VERSION = 1
"""Version of the worker-host protocol; a host rejects any other."""


def encode_request(
    session: str,
    message_id: int,
    fields: dict[str, Any],
    parts: list[bytes] | None = None,
    single: bytes | None = None,
) -> list[bytes]:
    """Frames of one request: the envelope ``{v, session, id, **fields}``, then its bytes.

    ``single`` is the one byte field of ``init``/``process`` (frame 1); ``parts``
    are several payload frames (``parts: n`` ends the envelope).
    """
    envelope = {"v": HOST_PROTOCOL_VERSION, "session": session, "id": message_id, **fields}
    frames: list[bytes] = []
    if parts is not None:
        envelope["parts"] = len(parts)
        frames = list(parts)
    elif single is not None:
        frames = [single]
    return [msgpack.packb(envelope, use_bin_type=True), *frames]


def decode_reply(frames: list[bytes]) -> tuple[dict[str, Any] | None, list[bytes]]:
    """The envelope of a reply or log record and its byte frames; ``None`` when malformed."""
    if not frames:
        return None, []
    try:
        envelope = msgpack.unpackb(frames[0], raw=False)
    except Exception:
        return None, []
    if not isinstance(envelope, dict):
        return None, []
    return envelope, [bytes(frame) for frame in frames[1:]]
