"""Giving back the memory a finished pipeline left to the operating system.

A stage actor kept for later stages (``warm``) and a kept-alive driver sit idle between
runs; what their last batches used (a barrier's input is every task of the run) stays in
the process after it is freed: CPython returns freed objects to the C allocator, and
glibc keeps large freed blocks for reuse (its mmap threshold rises after such frees).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
import threading

IDLE_S = 1.0
"""How long a process stays idle before it gives memory back (see :class:`WhenIdle`)."""


def release_freed_memory() -> None:
    """Collects garbage, then asks glibc to return its free memory (Linux only)."""
    gc.collect()
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError):
        # Not glibc (musl has no malloc_trim): nothing to ask.
        return


class WhenIdle:
    """Releases freed memory once the process has stayed idle for ``IDLE_S``: not at once,
    so a next pipeline that comes soon does not wait for it."""

    def __init__(self) -> None:
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        """The process goes idle: release in ``IDLE_S`` unless work comes first."""
        self.cancel()
        self._timer = threading.Timer(IDLE_S, release_freed_memory)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        """Work came: no release."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
