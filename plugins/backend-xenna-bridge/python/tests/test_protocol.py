"""Envelope validation of the executor wire (no sockets, no Ray)."""

from __future__ import annotations

import msgpack
import pytest

from ray_js_bridge import protocol

SESSION = "the-session"


def frames(envelope: dict, *parts: bytes) -> list[bytes]:
    return [msgpack.packb(envelope), *parts]


def test_round_trip_keeps_fields_and_opaque_parts() -> None:
    sent = protocol.encode(
        SESSION, "input", 3, {"tasks": [{"id": "0_0", "numItems": 2}]}, [b"\x00x"]
    )
    message = protocol.decode(sent, SESSION, protocol.EXECUTOR_TYPES)
    assert (message.type, message.id, message.parts) == ("input", 3, [b"\x00x"])
    assert message.fields == {"tasks": [{"id": "0_0", "numItems": 2}]}


def test_wrong_session_key_is_rejected_with_the_message_id() -> None:
    sent = protocol.encode("guess", "cancel", 7)
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.decode(sent, SESSION, protocol.EXECUTOR_TYPES)
    assert caught.value.reason == "wrong session key"
    assert caught.value.message_id == 7


def test_missing_session_key_is_rejected() -> None:
    with pytest.raises(protocol.ProtocolError, match="wrong session key"):
        protocol.decode(
            frames({"v": 1, "type": "cancel", "id": 1}), SESSION, protocol.EXECUTOR_TYPES
        )


def test_unknown_type_is_rejected() -> None:
    sent = protocol.encode(SESSION, "launch", 2)
    with pytest.raises(protocol.ProtocolError, match="unknown message type 'launch'"):
        protocol.decode(sent, SESSION, protocol.EXECUTOR_TYPES)


def test_a_type_of_the_other_side_is_rejected() -> None:
    sent = protocol.encode(SESSION, "hello", 2)
    with pytest.raises(protocol.ProtocolError, match="unknown message type"):
        protocol.decode(sent, SESSION, protocol.EXECUTOR_TYPES)


def test_payload_over_the_size_limit_is_rejected() -> None:
    sent = protocol.encode(SESSION, "input", 4, {"tasks": []}, [b"a" * 600, b"b" * 600])
    with pytest.raises(protocol.ProtocolError, match="over the limit of 1000") as caught:
        protocol.decode(sent, SESSION, protocol.EXECUTOR_TYPES, max_bytes=1000)
    assert caught.value.message_id == 4


def test_other_version_is_rejected() -> None:
    envelope = {"v": 2, "session": SESSION, "type": "cancel", "id": 1}
    with pytest.raises(protocol.ProtocolError, match="unsupported protocol version 2"):
        protocol.decode(frames(envelope), SESSION, protocol.EXECUTOR_TYPES)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([b"\xc1"], "malformed envelope"),
        ([msgpack.packb([1, 2])], "envelope is not a map"),
        ([], "empty message"),
    ],
)
def test_malformed_messages_are_rejected(raw: list[bytes], reason: str) -> None:
    with pytest.raises(protocol.ProtocolError, match=reason):
        protocol.decode(raw, SESSION, protocol.EXECUTOR_TYPES)


def test_frame_count_must_match_parts() -> None:
    envelope = {"v": 1, "session": SESSION, "type": "input", "id": 5, "parts": 2}
    with pytest.raises(protocol.ProtocolError, match="announces 2 payload frames, got 1"):
        protocol.decode(frames(envelope, b"x"), SESSION, protocol.EXECUTOR_TYPES)


def test_id_must_be_an_integer() -> None:
    envelope = {"v": 1, "session": SESSION, "type": "cancel", "id": "7"}
    with pytest.raises(protocol.ProtocolError, match="no integer id"):
        protocol.decode(frames(envelope), SESSION, protocol.EXECUTOR_TYPES)


def test_chunk_parts_respects_bytes_and_count() -> None:
    items = [(f"0_{i}", 1, b"x" * 40) for i in range(10)]
    groups = protocol.chunk_parts(items, max_bytes=100, max_count=3)
    assert [len(group) for group in groups] == [2, 2, 2, 2, 2]
    assert [item for group in groups for item in group] == items
    assert protocol.chunk_parts([], 100) == []
