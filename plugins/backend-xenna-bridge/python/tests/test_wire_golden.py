"""The golden messages of both ZeroMQ wires, decoded and re-encoded by this package.

The files are in the repository (``plugins/backend-xenna-bridge/wire/golden`` and
``wire/host-golden``, written by ``tools/wire-golden/generate.ts``); the TypeScript tests
check the same files. No sockets, no Ray.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ray_js_bridge import protocol
from ray_js_bridge.host_wire import decode_reply, encode_request

ROOT = Path(__file__).resolve().parents[4]
LINK = ROOT / "plugins" / "backend-xenna-bridge" / "wire" / "golden"
HOST = ROOT / "plugins" / "backend-xenna-bridge" / "wire" / "host-golden"
EVERY_TYPE = protocol.EXECUTOR_TYPES | protocol.DRIVER_TYPES


def load(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text())


def frames_of(folder: Path, golden: dict[str, Any]) -> list[bytes]:
    return [(folder / name).read_bytes() for name in golden["frames"]]


LINK_MANIFEST = load(LINK)
HOST_MANIFEST = load(HOST)


def by_name(messages: list[dict[str, Any]]) -> Any:
    return pytest.mark.parametrize("golden", messages, ids=[m["name"] for m in messages])


def test_link_goldens_cover_every_type_both_sides_send() -> None:
    sent = {m["type"] for m in LINK_MANIFEST["messages"] if m["from"] != "actor"}
    assert sent == EVERY_TYPE


@by_name(LINK_MANIFEST["messages"])
def test_link_message_decodes_and_reencodes_byte_for_byte(golden: dict[str, Any]) -> None:
    session = LINK_MANIFEST["session"]
    frames = frames_of(LINK, golden)
    accepted = protocol.ACTOR_TYPES if golden["from"] == "actor" else EVERY_TYPE
    message = protocol.decode(frames, session, accepted)
    envelope = dict(golden["envelope"])
    head = [envelope.pop(key, None) for key in ("v", "session", "type", "id", "parts")]
    assert head == [1, session, message.type, message.id, (len(frames) - 1) or None]
    assert (message.type, message.fields, message.parts) == (golden["type"], envelope, frames[1:])
    again = protocol.encode(session, message.type, message.id, message.fields, message.parts)
    assert again == frames


REQUESTS = [m for m in HOST_MANIFEST["messages"] if m["from"] == "actor"]
REPLIES = [m for m in HOST_MANIFEST["messages"] if m["from"] == "host"]


@by_name(REQUESTS)
def test_host_request_encodes_byte_for_byte(golden: dict[str, Any]) -> None:
    """The actor only sends requests: it never decodes one."""
    session = HOST_MANIFEST["session"]
    frames = frames_of(HOST, golden)
    fields = dict(golden["envelope"])
    assert [fields.pop("v"), fields.pop("session")] == [1, session]
    message_id = fields.pop("id")
    has_parts = fields.pop("parts", None) is not None
    parts = frames[1:] if has_parts else None
    single = frames[1] if not has_parts and len(frames) == 2 else None
    assert encode_request(session, message_id, fields, parts, single) == frames


@by_name(REPLIES)
def test_host_reply_decodes_to_the_manifest(golden: dict[str, Any]) -> None:
    """The actor only receives replies and log records: it never encodes one."""
    frames = frames_of(HOST, golden)
    assert decode_reply(frames) == (golden["envelope"], frames[1:])


def test_host_reply_that_is_not_a_map_is_malformed() -> None:
    assert decode_reply([b"\x93\x01\x02\x03"]) == (None, [])
    assert decode_reply([b"\xc1"]) == (None, [])
    assert decode_reply([]) == (None, [])
