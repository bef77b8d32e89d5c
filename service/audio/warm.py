"""Warming: once a page's first audio is asked for, the rest of its audio is synthesized in the background.

One low-priority thread per process works through a bounded queue, so pages keep being served
while it runs (speech engines use the cores; a second synthesis thread would only compete). It is an
OS thread even under gevent workers (core/offload.py): a greenlet would synthesize on the event loop.
The thread starts when there is work and ends when the queue is empty. Each item goes through
the audio cache's lock, so a listener who asks for an item being warmed simply gets it when done.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable

from flask import Flask, current_app

from ..core import offload
from .publish import AudioNotPublished, AudioUnavailable, chunk_ids, ensure_entry

log = logging.getLogger(__name__)


class Warmer:
    """A bounded queue of audio ids to synthesize, served by at most one thread per process."""

    def __init__(self, app: Flask, max_queue: int = 64, enabled: bool = True):
        """Warm audio of ``app``; drop requests beyond ``max_queue`` waiting items."""
        self.app = app
        self.max_queue = max_queue
        self.enabled = enabled
        self._queue: deque[tuple[str, str, str]] = deque()
        self._lock = offload.real_lock()  # shared by requests (greenlets or threads) and the warming OS thread
        self._thread: threading.Thread | offload.RealThread | None = None
        self._pid = os.getpid()
        self.done = 0
        self.failed = 0

    def submit(self, locale: str, slug: str, audio_ids: list[str]) -> int:
        """Queue these audio ids (those not queued already, as room allows); return how many were added."""
        if not self.enabled:
            return 0
        added = 0
        with self._lock:
            if self._pid != os.getpid():  # a forked worker does not inherit the parent's thread
                self._queue.clear()
                self._thread, self._pid = None, os.getpid()
            for audio_id in audio_ids:
                item = (locale, slug, audio_id)
                if item in self._queue or len(self._queue) >= self.max_queue:
                    continue
                self._queue.append(item)
                added += 1
            if self._queue and (self._thread is None or not self._thread.is_alive()):
                self._thread = offload.start_thread(self._run, "audio-warm")
        return added

    def pending(self) -> int:
        """Items waiting (the one being synthesized not counted)."""
        with self._lock:
            return len(self._queue)

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the queue is worked off; return whether it is."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.pending() == 0 and (self._thread is None or not self._thread.is_alive())

    def _run(self) -> None:
        """Synthesize queued items one after another at low priority; end when the queue is empty."""
        offload.lower_priority()  # request threads (or the event loop) come first
        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    return
                locale, slug, audio_id = self._queue.popleft()
            try:
                with self.app.app_context():
                    ensure_entry(locale, slug, audio_id)
                self.done += 1
            except (AudioNotPublished, AudioUnavailable) as exc:  # logged by ensure_entry; nobody waits for it
                self.failed += 1
                log.info("warming %s/%s/%s skipped: %s", locale, slug, audio_id, exc)
            except Exception:  # the thread must live on for the next item
                self.failed += 1
                log.exception("warming %s/%s/%s failed", locale, slug, audio_id)


def playlist(locale: str, slug: str) -> list[str]:
    """The audio ids of the chunks the page's player plays, in reading order (the whole page left out)."""
    try:
        return [audio_id for audio_id, _ in chunk_ids(locale, slug)]
    except AudioNotPublished:
        return []


def warm_after(locale: str, slug: str, audio_id: str, ext: str = "mp3",
               submit: Callable[[list[str]], object] | None = None) -> None:
    """Queue the page's audio ids after ``audio_id`` once its MP3 is served (the audio view's hook); never raises.

    ``submit`` takes the ids instead of this process's Warmer (the job queue, when servers share one).
    """
    warmer: Warmer | None = current_app.extensions.get("audio_warm")
    if warmer is None or not warmer.enabled or ext != "mp3" or audio_id == "page":  # the page holds every part
        return
    try:
        ids = playlist(locale, slug)
        if audio_id in ids:
            later = ids[ids.index(audio_id) + 1:]
            if submit is None:
                warmer.submit(locale, slug, later)
            else:
                submit(later)
    except Exception:  # warming is a bonus: the served audio must not fail because of it
        log.exception("warming after %s/%s/%s could not be queued", locale, slug, audio_id)


def init_app(app: Flask) -> None:
    """Create the process's Warmer in ``app.extensions['audio_warm']``."""
    app.extensions["audio_warm"] = Warmer(app, int(app.config["AUDIO_WARM_QUEUE"]), bool(app.config["AUDIO_WARM"]))
