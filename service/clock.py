"""The app's clock: what time it is for the service (the CLOCK setting lets tests move it)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Flask, current_app

from .core.clock import utc_now

Clock = Callable[[], dt.datetime]


def init_app(app: Flask) -> Clock:
    """Keep the app's clock: CLOCK (a callable returning an aware datetime), else the system's UTC time."""
    clock: Clock = app.config.get("CLOCK") or utc_now
    app.extensions["clock"] = clock
    return clock


def now(app: Flask | None = None) -> dt.datetime:
    """The current moment by the app's clock (the current app's when none is given)."""
    clock: Clock = (app or current_app).extensions["clock"]
    return clock()
