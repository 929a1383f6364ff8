"""A kept actor or driver gives back what its last pipeline freed (no Ray needed)."""

from __future__ import annotations

import gc
import weakref

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
