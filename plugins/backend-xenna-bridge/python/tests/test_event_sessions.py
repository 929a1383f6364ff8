"""The driver link's event socket: one session key per run, stale events dropped (no Ray)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import zmq

from ray_js_bridge import protocol
from ray_js_bridge.link import EventsEndpoint, ExecutorLink

SESSION = "fedcba9876543210"


@pytest.fixture
def executor() -> Iterator[zmq.Socket]:
    context = zmq.Context()
    socket = context.socket(zmq.ROUTER)
    socket.linger = 0
    yield socket
    socket.close(0)
    context.term()


@pytest.fixture
def link(executor: zmq.Socket) -> Iterator[ExecutorLink]:
    port = executor.bind_to_random_port("tcp://127.0.0.1")
    link = ExecutorLink(f"tcp://127.0.0.1:{port}", SESSION)
    link.start()
    yield link
    link.close(0)


def push(endpoint: EventsEndpoint, session: str, stage: str) -> None:
    """What an actor does: one event on a PUSH socket, sent before the socket closes."""
    context = zmq.Context()
    socket = context.socket(zmq.PUSH)
    socket.linger = 5000
    socket.connect(endpoint.endpoint)
    socket.send_multipart(
        protocol.encode(session, "event", 1, {"event": {"type": "batch:done", "stage": stage}})
    )
    socket.close()
    context.term()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Polls ``condition`` (the link counts on its own thread) for up to 20 s."""
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def forwarded_stages(executor: zmq.Socket, until: str) -> list[str]:
    """Stages of the events the link forwarded, up to the event of stage ``until``."""
    stages: list[str] = []
    while until not in stages:
        assert executor.poll(20_000), "the link forwarded nothing"
        _peer, *frames = executor.recv_multipart()
        message = protocol.decode(frames, SESSION, protocol.DRIVER_TYPES)
        stages += [e["stage"] for e in message.fields["events"] if e.get("type") == "batch:done"]
    return stages


def test_every_run_gets_its_own_session_on_the_same_socket(link: ExecutorLink) -> None:
    first = link.open_events("127.0.0.1", False)
    second = link.open_events("127.0.0.1", False)
    assert second.endpoint == first.endpoint
    assert second.session != first.session
    assert len(second.session) == 64


def test_an_earlier_runs_event_is_dropped_quietly(link: ExecutorLink, executor: zmq.Socket) -> None:
    first = link.open_events("127.0.0.1", False)
    push(first, first.session, "first run")
    assert forwarded_stages(executor, "first run") == ["first run"]

    second = link.open_events("127.0.0.1", False)
    push(second, first.session, "late event of the first run")
    wait_for(lambda: link.stale_events == 1, "the late event")
    push(second, second.session, "second run")
    # Forwarding keeps arrival order: had the late event been forwarded, it would come first.
    assert forwarded_stages(executor, "second run") == ["second run"]
    assert link.rejected == 0


def test_an_event_with_an_unknown_key_is_still_rejected(
    link: ExecutorLink, executor: zmq.Socket
) -> None:
    events = link.open_events("127.0.0.1", False)
    push(events, "not-a-session-of-this-driver", "forged")
    wait_for(lambda: link.rejected == 1, "the forged event")
    push(events, events.session, "real")
    assert forwarded_stages(executor, "real") == ["real"]
    assert link.stale_events == 0
