"""Values shown on pages, formatted for a locale: amounts, dates, retention periods, operator settings, numbers."""
from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_skeleton
from babel.numbers import format_compact_decimal, format_decimal, get_currency_name
from babel.units import format_unit
from flask import current_app

from . import operator_settings
from .i18n import current_locale, formatting_locale, get_i18n


def _operator_value(key: str, locale: str) -> str:
    """An operator setting as configured, or its placeholder in the locale."""
    config = current_app.config
    if key in operator_settings.DATES:
        day = operator_settings.date_setting(config, key)
        value = format_date(day, format="long", locale=formatting_locale(locale)) if day else None
    else:
        value = operator_settings.setting(config, key)
    if value is not None:
        return value
    return get_i18n().localize(operator_settings.PLACEHOLDERS[key], locale).text


def format_value(spec: str, locale: str) -> str:
    """Render a content value for a locale.

    Kinds: 'money 150000000 EUR', 'date 2020-07-24', 'daymonth 12-24', 'setting controller_name'
    (an operator setting, or its placeholder), 'retention feedback' (a period of RETENTION, in days)
    'ratelimit' (how long rate-limit records are kept) and 'device' (how long a workbench device cookie lives).
    """
    kind, _, arg = spec.partition(" ")
    fmt = formatting_locale(locale)
    if kind == "money":
        amount, _, currency = arg.partition(" ")
        number = int(amount)
        words = format_compact_decimal(number, format_type="long", locale=fmt)
        return f"{words} {get_currency_name(currency, count=number, locale=fmt)}"
    if kind == "date":
        return format_date(dt.date.fromisoformat(arg), format="long", locale=fmt)
    if kind == "daymonth":
        month, day = (int(x) for x in arg.split("-"))
        return format_skeleton("MMMMd", dt.date(2000, month, day), locale=fmt)
    if kind == "setting":
        return _operator_value(arg, locale)
    if kind == "retention":
        return format_unit(int(current_app.config["RETENTION"][arg]), "duration-day", locale=fmt)
    if kind == "device":  # how long a workbench device cookie lives (workbench/throttle.py)
        return format_unit(int(current_app.config["LOGIN_DEVICE_DAYS"]), "duration-day", locale=fmt)
    if kind == "ratelimit":
        seconds = int(current_app.config["RATE_LIMIT_RETENTION"])
        if seconds % 3600 == 0:
            return format_unit(seconds // 3600, "duration-hour", locale=fmt)
        return format_unit(max(1, round(seconds / 60)), "duration-minute", locale=fmt)
    raise ValueError(f"unknown value kind {kind!r}")


def format_number(value: float | str, locale: str | None = None) -> str:
    """A number with the locale's decimal separator (the player's 0,75× in German)."""
    return format_decimal(value, locale=formatting_locale(locale or current_locale()))
