"""`flask audio build` on every core: audio files built in fresh processes, each with its own app.

Speech engines keep one state per process, and a forked copy of loaded engines (onnxruntime's threads) can hang,
so each build process is spawned and makes its own app from the app factory and configuration it is given.
"""
from __future__ import annotations

import multiprocessing
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from flask import Flask

from .publish import AudioNotPublished, AudioUnavailable, ensure_entry

#: One audio file to build: locale, page slug, audio id.
Item = tuple[str, str, str]
#: What to do with a finished item: (item, error or None, seconds).
Done = Callable[[Item, "str | None", float], None]


class _ThisProcess:
    """The app of this build process (made once by its initializer; the parent has none)."""

    app: Flask | None = None


def build(item: Item) -> tuple[Item, str | None, float]:
    """Build one item in the current app: (item, error or None, seconds)."""
    started = time.perf_counter()
    try:
        ensure_entry(*item)
        error = None
    except (AudioNotPublished, AudioUnavailable) as exc:
        error = str(exc) or type(exc).__name__
    return item, error, time.perf_counter() - started


def _start(factory: Callable[[dict[str, Any]], Flask], config: dict[str, Any]) -> None:
    """Make this process's own app and leave Ctrl-C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _ThisProcess.app = factory(config)


def _build_here(item: Item) -> tuple[Item, str | None, float]:
    """Build one item in this build process."""
    app = _ThisProcess.app
    assert app is not None
    with app.app_context():
        return build(item)


def build_in_processes(todo: list[Item], processes: int, done: Done, factory: Callable[[dict[str, Any]], Flask],
                       config: dict[str, Any], say: Callable[[str], None]) -> None:
    """Build items in ``processes`` spawned processes (each makes its app with ``factory(config)``), calling ``done``
    for each; on Ctrl-C let the running items finish (``say`` tells so), start no more, and raise it again."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_start,
                               initargs=(factory, config))
    pending: set[Future] = set()
    try:
        queue = list(reversed(todo))
        while queue or pending:
            while queue and len(pending) < processes * 2:  # a short queue: an interrupt drops the rest at once
                pending.add(pool.submit(_build_here, queue.pop()))
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                done(*future.result())
    except KeyboardInterrupt:
        for future in pending:
            future.cancel()
        say("\nStopping: waiting for the files being synthesized now (Ctrl-C again to drop them)...")
        try:
            for future in pending:
                if not future.cancelled():
                    done(*future.result())
        except KeyboardInterrupt:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()  # their files are written atomically: nothing half-written stays
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
