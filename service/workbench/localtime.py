"""Moments in the workbench as the translator reads them: in their time zone, formatted by Babel in the UI language.

The zone is kept with the session, as the UI language is: the browser reports its own at login (a hidden field the
workbench script fills), and the account page changes it; else WORKBENCH_TIMEZONE (Europe/Berlin). Accounts have
no column for it: a zone stored with the account would need a migration.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import format_date, format_time
from flask import current_app, g, session
from markupsafe import Markup, escape

from ..db.schema import TIMESTAMP_FORMAT
from ..i18n import formatting_locale

#: The session key of the translator's zone; also the name of the login forms' hidden field.
SESSION_KEY = "tz"


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name with a region (Europe/Berlin, not EST5EDT), sorted: the account page's choice."""
    return tuple(sorted(n for n in available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/"))))


def valid_zone(name: str | None) -> ZoneInfo | None:
    """The zone of a name from a form, the session or a cookie, or None for anything unknown."""
    if not name or len(name) > 64 or name not in zone_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def remember(name: str | None) -> bool:
    """Keep a zone for this session (a name no zone has changes nothing); tell whether it was kept."""
    if valid_zone(name) is None:
        return False
    session[SESSION_KEY] = name
    g.pop("wb_zone", None)
    return True


def zone() -> ZoneInfo:
    """The translator's zone for this request: the session's, else the configured default."""
    if "wb_zone" not in g:
        name = session.get(SESSION_KEY)
        g.wb_zone = valid_zone(name if isinstance(name, str) else None) or ZoneInfo(
            current_app.config["WORKBENCH_TIMEZONE"])
    return g.wb_zone


def parse_moment(value: object) -> dt.datetime | None:
    """A stored moment as an aware UTC datetime: the ISO text of the timestamp columns, seconds, or a datetime."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, str) and value:
        try:
            return dt.datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)
        except ValueError:
            try:
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                return None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def local_text(value: object) -> str:
    """A moment as text in the translator's zone and UI language ('06.12.2026, 20:50'); anything else as it is."""
    moment = parse_moment(value)
    if moment is None:
        return "" if value is None else str(value)
    # The locale's medium date (a four-digit year) with its short time (no seconds), joined as the locale joins them.
    locale = Locale.parse(formatting_locale(g.get("locale") or "de"))
    local = moment.astimezone(zone())
    joined = str(locale.datetime_formats["medium"])
    return joined.replace("{1}", format_date(local, "medium", locale=locale)).replace(
        "{0}", format_time(local, "short", tzinfo=local.tzinfo, locale=locale))


def local_time(value: object) -> Markup:
    """A moment as a ``<time>`` element: the local text, the UTC moment in ``datetime``, the zone as its title."""
    moment = parse_moment(value)
    if moment is None:
        return Markup(escape("" if value is None else str(value)))
    utc = moment.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(utc, zone().key, local_text(moment))
