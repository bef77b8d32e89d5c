"""CPU-heavy work off the event loop: under gevent workers, in a bounded pool of real OS threads at low priority.

A gevent worker serves every request of its process on one thread (the event loop); a synthesis, an MP3 join,
a scrypt hash or a catalog compile run there stops every other request of the process for its whole duration
(the red team measured 7.5 s median for ``/ping`` while cold page audio was fetched). ``run(fn, *args)`` hands
such work to one of at most ``threads()`` native threads and lets the loop serve others meanwhile: espeak-ng
(ctypes), lameenc and ``hashlib.scrypt`` release the GIL, and the threads run at ``NICENESS`` so that the loop
(readers) gets the cores first. Outside the gevent loop (sync or gthread workers, the CLI, RQ workers, a pool
thread itself) ``run`` simply calls ``fn``: those threads may block.

Downloads come after listeners: work started inside ``with bulk():`` (a whole page's or a section's audio) takes at
most ``threads() - 1`` threads at once and waits for a slot before it enters the pool, so a listener's next
chunk always finds a free thread instead of queueing behind twelve cold pages (bench/bench_attack.py --listener).

Why threads under gevent rather than another worker model: gevent is the one model of the run command that keeps
answering while many clients drip request bodies (bench/bench_slow_clients.py), and the heavy work is a few call
sites that release the GIL. Measured with bench/bench_attack.py (2 cores under other load): while 12 clients
fetch cold whole-page audio, or a login flood runs, a page's p95 went from no answer within 10 s to 20-22 ms.
"""
from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

#: Nice value of the pool's threads (Linux applies it per thread): the event loop's requests come first.
NICENESS = 10
#: Threads per process unless configure() says otherwise: one per core of a small host.
DEFAULT_THREADS = 2

_state: dict[str, Any] = {"threads": DEFAULT_THREADS, "pool": None, "pid": None, "slots": None, "slots_pid": None}
#: Whether the work being started is a download (bulk), which yields the pool's last thread to listeners.
_bulk: contextvars.ContextVar[bool] = contextvars.ContextVar("offload_bulk", default=False)
#: Native ids of the threads that may block (the pool's, and those started by start_thread).
_off_loop: set[int] = set()


def _gevent_patched() -> bool:
    """Whether gevent patched threading in this process (gunicorn's gevent worker does, before loading the app)."""
    try:
        from gevent import monkey
    except ImportError:  # gevent is not installed: every thread is a real one
        return False
    return bool(monkey.is_module_patched("threading"))


def _native_ident() -> int:
    """The id of the OS thread running now (not of a greenlet)."""
    from gevent import monkey

    return int(monkey.get_original("_thread", "get_ident")())


def configure(threads: int) -> None:
    """Set the bound of the pool (at least 1); a pool already made keeps running with its old size."""
    _state["threads"] = max(1, int(threads))


def threads() -> int:
    """The bound of the pool."""
    return int(_state["threads"])


def on_loop() -> bool:
    """Whether the caller runs on a gevent event loop (where blocking work stalls every request of the process)."""
    return _gevent_patched() and _native_ident() not in _off_loop


def lower_priority() -> None:
    """Lower the calling OS thread's CPU priority to NICENESS (best effort: not Linux, or not allowed)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):
        pass


def _enter_pool() -> None:
    """Mark the calling pool thread as one that may block, at low priority (once per thread)."""
    ident = _native_ident()
    if ident not in _off_loop:
        _off_loop.add(ident)
        lower_priority()


def _pool() -> Any:
    """This process's pool, made on first use (a forked worker makes its own: threads do not survive fork)."""
    if _state["pool"] is None or _state["pid"] != os.getpid():
        from gevent.threadpool import ThreadPool

        # A pool of its own: the hub's default pool also resolves host names, which must not wait behind speech.
        _state["pool"], _state["pid"] = ThreadPool(threads()), os.getpid()
    return _state["pool"]


def _in_pool(context: contextvars.Context, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    """Run ``fn`` in a pool thread with the caller's context variables (Flask's app context among them)."""
    _enter_pool()
    return context.run(fn, *args)


def run(fn: Callable[..., T], *args: Any) -> T:
    """Call ``fn(*args)`` off the event loop and return its result (or raise its exception); blocks only the caller.

    Inside ``bulk()``, the call first waits for one of the ``threads() - 1`` bulk slots of the process.
    """
    loop = on_loop()
    slots = _bulk_slots() if _bulk.get() and (loop or not _gevent_patched()) else None
    if slots is not None:
        slots.acquire()  # on the loop a gevent semaphore: only this greenlet waits
        token = _bulk.set(False)  # work that ``fn`` starts itself runs in this slot (a second wait could deadlock)
    try:
        if not loop:
            return fn(*args)
        result: T = _pool().apply(_in_pool, (contextvars.copy_context(), fn, args))
        return result
    finally:
        if slots is not None:
            _bulk.reset(token)
            slots.release()


@contextmanager
def bulk() -> Iterator[None]:
    """Mark the work run inside as a download: it leaves one thread of the pool to listeners' chunks."""
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)


def _bulk_slots() -> Any:
    """This process's semaphore of bulk slots (gevent's under gevent, as the loop waits on it; else the OS's)."""
    if _state["slots"] is None or _state["slots_pid"] != os.getpid():
        _state["slots"], _state["slots_pid"] = threading.BoundedSemaphore(max(1, threads() - 1)), os.getpid()
    return _state["slots"]


class RealThread:
    """A daemon OS thread started with the original ``_thread`` module (gevent's would be a greenlet)."""

    def __init__(self, target: Callable[[], None], name: str):
        """Start ``target`` at once in a thread of its own, with the caller's context variables."""
        self.name = name
        self._done = real_lock()
        self._done.acquire()
        context = contextvars.copy_context()

        def body() -> None:
            """Register as off the loop, run the target, then signal the end."""
            _off_loop.add(_native_ident())
            try:
                context.run(target)
            finally:
                _off_loop.discard(_native_ident())
                self._done.release()

        from gevent import monkey

        monkey.get_original("_thread", "start_new_thread")(body, ())

    def is_alive(self) -> bool:
        """Whether the target still runs."""
        return bool(self._done.locked())

    def join(self, timeout: float | None = None) -> None:
        """Wait for the end (at most ``timeout`` seconds); blocks the OS thread, so not for request code."""
        if self._done.acquire(timeout=-1 if timeout is None else timeout):
            self._done.release()


def start_thread(target: Callable[[], None], name: str) -> threading.Thread | RealThread:
    """Start a daemon thread that may block: a real OS thread even under gevent (a greenlet would stall the loop)."""
    if _gevent_patched():
        return RealThread(target, name)
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def real_lock() -> Any:
    """A lock of the OS (never gevent's), for a short critical section shared by the loop and real threads."""
    if _gevent_patched():
        from gevent import monkey

        return monkey.get_original("_thread", "allocate_lock")()
    return threading.Lock()
