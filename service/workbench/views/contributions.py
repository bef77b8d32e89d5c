"""Contribution figures of a locale: per account, texts saved, approved and rejected over a period."""
from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask_babel import gettext

from ... import db
from .. import audit, auth
from .utils import bp, target

#: The period shown when none is chosen: the last 30 days, today included.
DEFAULT_DAYS = 30


def _date(name: str, default: dt.date) -> tuple[dt.date, bool]:
    """A date (YYYY-MM-DD) from the query, or the default; and whether the value given was valid."""
    value = (request.args.get(name) or "").strip()
    if not value:
        return default, True
    try:
        return dt.date.fromisoformat(value[:10]), len(value) == 10
    except ValueError:
        return default, False


@bp.route("/<locale>/contributions")
@auth.login_required
def contributions(locale: str):
    """Per account of a locale: texts saved, approved and rejected from one day to another (both included, UTC)."""
    loc = target(locale)
    today = dt.datetime.now(dt.UTC).date()
    last, last_ok = _date("to", today)
    first, first_ok = _date("from", last - dt.timedelta(days=DEFAULT_DAYS - 1))
    errors = []
    if not (first_ok and last_ok):
        errors.append(gettext("Bitte geben Sie die Tage als Datum an, zum Beispiel %(example)s.",
                              example=today.isoformat()))
    if first > last:
        errors.append(gettext("Der erste Tag liegt nach dem letzten; gezeigt werden die Tage dazwischen."))
        first, last = last, first
    rows = audit.contributions(db.get_db(), loc, f"{first.isoformat()}T00:00:00Z",
                               f"{(last + dt.timedelta(days=1)).isoformat()}T00:00:00Z")
    totals = audit.Contribution("", sum(r.saved for r in rows), sum(r.approved for r in rows),
                                sum(r.rejected for r in rows))
    return render_template("workbench/contributions.html", loc=loc, rows=rows, totals=totals, first=first,
                           last=last, errors=errors), 200 if first_ok and last_ok else 400
