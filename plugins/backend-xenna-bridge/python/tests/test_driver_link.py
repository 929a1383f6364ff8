"""The driver process against a fake executor: handshake and rejected messages (no Ray)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import msgpack
import pytest
import zmq

from ray_js_bridge import protocol

SESSION = "0123456789abcdef"


class FakeExecutor:
    """A ROUTER bound on loopback that plays the TypeScript executor's part."""

    def __init__(self) -> None:
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.ROUTER)
        self.socket.linger = 0
        port = self.socket.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = f"tcp://127.0.0.1:{port}"
        self.peer: bytes | None = None
        self.next_id = 0

    def receive(self, timeout_ms: int = 20_000) -> protocol.Message:
        if not self.socket.poll(timeout_ms):
            raise TimeoutError("the driver sent nothing")
        peer, *frames = self.socket.recv_multipart()
        self.peer = peer
        return protocol.decode(frames, SESSION, protocol.DRIVER_TYPES)

    def receive_non_log(self) -> protocol.Message:
        while True:
            message = self.receive()
            if message.type != "event":
                return message

    def send_raw(self, frames: list[bytes]) -> None:
        assert self.peer is not None
        self.socket.send_multipart([self.peer, *frames])

    def send(
        self, type_: str, fields: dict | None = None, parts: list[bytes] | None = None
    ) -> None:
        self.next_id += 1
        self.send_raw(protocol.encode(SESSION, type_, self.next_id, fields, parts))

    def close(self) -> None:
        self.socket.close(0)
        self.context.term()


@pytest.fixture
def executor() -> Iterator[FakeExecutor]:
    fake = FakeExecutor()
    yield fake
    fake.close()


@pytest.fixture
def driver(executor: FakeExecutor) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "CURATOR_BRIDGE_SESSION": SESSION,
        "CURATOR_BRIDGE_MAX_MESSAGE_BYTES": "1000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "ray_js_bridge", "--connect", executor.endpoint],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(10)
    assert process.stderr is not None
    process.stderr.close()


def test_hello_offers_versions_and_capabilities(executor: FakeExecutor, driver) -> None:
    hello = executor.receive()
    assert hello.type == "hello"
    assert hello.fields["versions"] == [1]
    assert hello.fields["driver"]["name"] == "ray_js_bridge"
    assert "streaming" in hello.fields["capabilities"]["executionModes"]
    executor.send("cancel", {"reason": "test over"})
    assert driver.wait(20) == 130


def test_bad_messages_are_rejected_logged_and_never_run(executor: FakeExecutor, driver) -> None:
    executor.receive()  # hello
    wrong = protocol.encode("not-the-key", "cancel", 41)
    executor.send_raw(wrong)
    reply = executor.receive_non_log()
    assert reply.type == "error"
    assert reply.fields["replyTo"] == 41
    assert reply.fields["error"] == {
        "code": "CURATOR_PROTOCOL",
        "message": "rejected: wrong session key",
    }
    executor.send_raw(protocol.encode(SESSION, "launch", 42))
    reply = executor.receive_non_log()
    assert reply.fields["error"]["message"] == "rejected: unknown message type 'launch'"
    executor.send_raw([b"\xc1\xc1"])
    reply = executor.receive_non_log()
    assert reply.fields["error"]["message"].startswith("rejected: malformed envelope")
    big = b"x" * 501
    executor.send_raw(protocol.encode(SESSION, "input", 43, {"tasks": []}, [big, big]))
    reply = executor.receive_non_log()
    assert reply.fields["replyTo"] == 43
    assert "payload of 1002 bytes is over the limit of 1000" in reply.fields["error"]["message"]
    # The wrong-session cancel was not executed: the driver still waits for welcome.
    assert driver.poll() is None
    executor.send("welcome", {"version": 1})
    executor.send("cancel", {"reason": "test over"})
    assert driver.wait(20) == 130
    assert driver.stderr is not None
    log = driver.stderr.read().decode()
    assert log.count("rejected a message from the executor") == 4


def test_the_rejections_are_logged_to_the_executor_too(executor: FakeExecutor, driver) -> None:
    executor.receive()  # hello
    executor.send_raw(protocol.encode(SESSION, "launch", 9))
    events = []
    while not events:
        message = executor.receive()
        if message.type == "event":
            events = message.fields["events"]
    assert events[0]["type"] == "log"
    assert events[0]["level"] == "warn"
    assert "unknown message type 'launch'" in events[0]["message"]
    executor.send("cancel")
    assert driver.wait(20) == 130


def test_missing_session_key_exits_with_usage_error(executor: FakeExecutor) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CURATOR_BRIDGE_SESSION"}
    result = subprocess.run(
        [sys.executable, "-m", "ray_js_bridge", "--connect", executor.endpoint],
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert b"CURATOR_BRIDGE_SESSION is not set" in result.stderr


def test_envelope_is_msgpack_map(executor: FakeExecutor, driver) -> None:
    assert executor.socket.poll(20_000)
    peer_frames = executor.socket.recv_multipart()
    envelope = msgpack.unpackb(peer_frames[1])
    assert set(envelope) >= {"v", "session", "type", "id"}
    assert envelope["session"] == SESSION
    executor.peer = peer_frames[0]
    executor.send("cancel")
    assert driver.wait(20) == 130
