"""Stopping loads that are under way: when the process is told to stop (SIGTERM, Ctrl-C, a run
cancelled in Dagster), every table's load ends at its next piece of data, publishes nothing, and
its batch is recorded `cancelled`.

Signals reach only the main thread, which waits for the loading threads; it sets the
`Cancellation` they all watch. Their progress callbacks check it between pieces of data, waits
(a retry's backoff) end on it, and work that gives no progress until it ends (a DuckDB query)
registers a hook that interrupts it. A loading thread `watching` a cancellation finds it with
`current()`, so that what it starts deep down (a psql process, a wait for a lock) can be
stopped without every call on the way passing it along.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from .errors import EltError

__all__ = ["Cancellation", "LoadCancelled", "current", "on_cancel", "pause"]

_thread = threading.local()


class LoadCancelled(EltError):
    """The load was told to stop; nothing of its batch was published."""


class Cancellation:
    """A flag that loading threads check, set once by the thread that was told to stop."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._hooks: list[Callable[[], None]] = []
        self.reason = ""

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str) -> None:
        """Stop every load that watches this; the hooks registered now are called at once."""
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            hooks = list(self._hooks)
        for hook in hooks:
            hook()

    def check(self) -> None:
        """Raise `LoadCancelled` once cancelled: called between pieces of work."""
        if self._event.is_set():
            raise LoadCancelled(f"cancelled ({self.reason}); nothing of this batch was published")

    def sleep(self, seconds: float) -> None:
        """Wait `seconds`, or less if cancelled meanwhile (then raise)."""
        self._event.wait(seconds)
        self.check()

    @contextmanager
    def on_cancel(self, hook: Callable[[], None]) -> Iterator[None]:
        """While inside, a cancellation also calls `hook` (e.g. to interrupt a query)."""
        with self._lock:
            already = self._event.is_set()
            self._hooks.append(hook)
        try:
            if already:
                hook()
            yield
        finally:
            with self._lock:
                self._hooks.remove(hook)

    @contextmanager
    def watching(self) -> Iterator[None]:
        """While inside, this thread's `current()` cancellation is this one."""
        previous = getattr(_thread, "cancellation", None)
        _thread.cancellation = self
        try:
            yield
        finally:
            _thread.cancellation = previous


def current() -> Cancellation | None:
    """The cancellation this thread's load watches, if any."""
    return getattr(_thread, "cancellation", None)


def on_cancel(hook: Callable[[], None]) -> AbstractContextManager[None]:
    """`hook` called if this thread's load is cancelled while inside; nothing without one."""
    cancellation = current()
    return nullcontext() if cancellation is None else cancellation.on_cancel(hook)


def pause(seconds: float) -> None:
    """Sleep, or less if this thread's load is cancelled meanwhile (then raise)."""
    cancellation = current()
    if cancellation is None:
        time.sleep(seconds)
    else:
        cancellation.sleep(seconds)
