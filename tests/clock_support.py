"""A clock that tests move by hand: the app reads it through CLOCK, so nothing ever sleeps."""
from __future__ import annotations

import datetime as dt


class MovableClock:
    """Returns a fixed aware moment until a test sets another one."""

    def __init__(self, moment: dt.datetime):
        """Start at a moment (aware)."""
        self.moment = moment

    def __call__(self) -> dt.datetime:
        """The current moment."""
        return self.moment

    def set(self, moment: dt.datetime) -> None:
        """Move to another moment."""
        self.moment = moment

    def advance(self, **delta: float) -> None:
        """Move forward by a timedelta's keywords (days=1, seconds=5...)."""
        self.moment += dt.timedelta(**delta)


def utc(*args: int) -> dt.datetime:
    """An aware UTC moment."""
    return dt.datetime(*args, tzinfo=dt.UTC)
