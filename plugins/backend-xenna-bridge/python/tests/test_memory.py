"""A kept actor or driver gives back what its last pipeline freed (no Ray needed)."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from ray_js_bridge import memory
from ray_js_bridge.memory import release_freed_memory


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_garbage_in_cycles_is_collected_at_once() -> None:
    # A batch's objects caught in a reference cycle wait for the collector's next
    # generation-2 pass, which an idle process may not make for a long time.
    gc.disable()
    try:
        first, second = _Node(), _Node()
        first.other, second.other = second, first
        ref = weakref.ref(first)
        del first, second
        assert ref() is not None
        release_freed_memory()
        assert ref() is None
    finally:
        gc.enable()


def test_an_idle_process_releases_once_unless_work_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    released = threading.Event()
    monkeypatch.setattr(memory, "IDLE_S", 0.01)
    monkeypatch.setattr(memory, "release_freed_memory", released.set)
    idle = memory.WhenIdle()
    idle.arm()
    timer = idle._timer
    idle.cancel()
    assert timer is not None
    timer.join()
    assert not released.is_set(), "work came first: nothing released"
    idle.arm()
    assert released.wait(30), "idle: released"
