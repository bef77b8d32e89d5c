"""Time as the service sees it: an aware UTC now, and moments in Europe/Berlin (where the city's notices live)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: The city's time zone: notice windows in front matter are local times here.
BERLIN = ZoneInfo("Europe/Berlin")


def utc_now() -> dt.datetime:
    """The current moment, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def local_moment(text: str) -> dt.datetime:
    """'2026-12-24 00:00' (or an ISO date, or a moment with an offset) as an aware moment; naive means Berlin."""
    moment = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    return moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)
