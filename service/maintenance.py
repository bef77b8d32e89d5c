"""Background work of each server process: deliver the mail outbox and purge what retention says is due.

One daemon thread per process, started with its first request (so a forked gunicorn worker
starts its own, and `flask` commands start none). It runs at once, then every
BACKGROUND_INTERVAL seconds, and sooner when a new notification is queued (:func:`wake`).
Several processes are safe together: outbox rows are leased, and the purge is claimed through
a marker row in the database, so only one process purges per PURGE_EVERY.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app

from . import mail, retention
from .clock import now

log = logging.getLogger(__name__)


@dataclass
class BackgroundThread:
    """The background thread of one process, and the event that wakes it early."""

    app: Flask
    wakeup: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    pid: int = 0
    rounds: int = 0

    def start(self) -> None:
        """Start the thread in this process, once."""
        if self.thread is not None and self.pid == os.getpid() and self.thread.is_alive():
            return
        self.pid = os.getpid()
        self.thread = threading.Thread(target=self._loop, name="herne-maintenance", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Ask the thread to end after its current round (tests)."""
        self.stopping.set()
        self.wakeup.set()
        if self.thread is not None:
            self.thread.join(timeout=30)

    def _loop(self) -> None:
        """Run a round, then wait for the interval or a wake-up."""
        interval = float(self.app.config["BACKGROUND_INTERVAL"])
        while not self.stopping.is_set():
            run_once(self.app)
            self.rounds += 1
            self.wakeup.wait(interval)
            self.wakeup.clear()


#: app.extensions key of the tasks layers above add to each round (add_task).
TASKS = "maintenance_tasks"


def add_task(app: Flask, task: Callable[[Flask], None]) -> None:
    """Run ``task(app)`` in each round, before mail is delivered (so what it queues goes out in the same round)."""
    app.extensions.setdefault(TASKS, []).append(task)


def run_once(app: Flask) -> tuple[mail.Delivery, dict[str, int] | None]:
    """One round: the added tasks, deliver due mail, purge if due. Faults are logged, never raised."""
    delivery, purged = mail.Delivery(), None
    with app.app_context():
        engine = app.extensions["db"]
        for task in app.extensions.get(TASKS, []):
            try:
                task(app)
            except Exception:  # one task's fault must not stop the mail or the purge
                log.exception("background task %s failed", getattr(task, "__name__", task))
        try:
            delivery = mail.deliver_due(engine, app.config, now())
        except Exception:  # a broken database or mail setting must not end the thread
            log.exception("mail delivery failed")
        try:
            purged = retention.purge_if_due(engine, app.config, now())
            if purged is not None:
                log.info("retention purge: %s", ", ".join(f"{k} {v}" for k, v in purged.items()))
        except Exception:
            log.exception("retention purge failed")
    return delivery, purged


def wake() -> None:
    """Tell this process's background thread that mail is waiting (no-op when it does not run)."""
    thread: BackgroundThread | None = current_app.extensions.get("maintenance")
    if thread is not None:
        thread.wakeup.set()


def enabled(app: Flask) -> bool:
    """BACKGROUND_TASKS, by default on except under TESTING."""
    setting = app.config.get("BACKGROUND_TASKS")
    return not app.testing if setting is None else bool(setting)


def init_app(app: Flask) -> BackgroundThread | None:
    """Start the background thread with each process's first request, when enabled."""
    if not enabled(app):
        return None
    thread = BackgroundThread(app)
    app.extensions["maintenance"] = thread

    @app.before_request
    def _start_background() -> None:
        thread.start()

    return thread
