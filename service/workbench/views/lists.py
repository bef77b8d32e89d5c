"""The lists of the workbench: every locale's progress, a locale's entries, readers' suggestions, history."""
from __future__ import annotations

import math

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ... import db, suggestions
from ...web.errors import BadRequest
from .. import audit, auth
from ..badges import CHECK_NAMES, list_checks
from ..entries import Status, counts
from .utils import (
    FILTERS,
    INTERFACE,
    PER_PAGE,
    bp,
    check_filter,
    failing_checks,
    filtered,
    get_store,
    list_filter,
    local_path,
    reviewed_entries,
    source_options,
    target,
    target_locales,
)


# -- overview and lists -----------------------------------------------------------
@bp.route("/")
@auth.login_required
def index():
    """Every locale with its progress and open suggestions."""
    rows = []
    waiting = suggestions.open_counts(db.get_db())
    for loc in auth.readable(target_locales()):  # only their own (L6)
        c = counts(reviewed_entries(loc))
        done = math.floor(100 * c[Status.HUMAN] / c["total"]) if c["total"] else 100  # 100 only when all is reviewed
        rows.append({"locale": loc, "counts": c, "done": done, "suggestions": waiting.get(loc, 0)})
    return render_template("workbench/index.html", rows=rows)


@bp.route("/<locale>/")
@auth.login_required
def entries(locale: str):
    """A locale's entries, filtered by status, origin, failing check and text."""
    loc = target(locale)
    state, query, source = list_filter(request.args)
    check = check_filter(request.args)
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    items, everything = filtered(loc, state, query, source, check)
    all_counts = counts(everything)
    total = len(items)
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    page = min(page, pages)
    shown = items[(page - 1) * PER_PAGE: page * PER_PAGE]
    return render_template("workbench/entries.html", loc=loc, items=shown, total=total, state=state, query=query,
                           filters=FILTERS, counts=all_counts, page=page, pages=pages, source=source,
                           sources=source_options(everything), interface=INTERFACE, check=check,
                           checks=[(c.id, gettext(CHECK_NAMES.get(c.id, c.id))) for c in list_checks()],
                           failing=failing_checks(loc),
                           check_names={k: gettext(v) for k, v in CHECK_NAMES.items()})


#: Changes per page of the history.
HISTORY_PER_PAGE = 50


# -- readers' suggestions and history -----------------------------------------
@bp.route("/<locale>/suggestions")
@auth.login_required
def queue(locale: str):
    """Open suggestions of readers for a locale."""
    loc = target(locale)
    rows = suggestions.queue(db.get_db(), loc)
    keys = {e.msgid: e.key for e in get_store().entries(loc)}
    return render_template("workbench/suggestions.html", loc=loc, rows=rows, keys=keys)


@bp.route("/<locale>/suggestions/<int:sid>", methods=["POST"])
@auth.login_required
def close_suggestion(locale: str, sid: int):
    """Mark a suggestion done or dismissed."""
    loc = target(locale)
    user = auth.require_write(loc)
    state = request.form.get("state")
    if state not in ("done", "dismissed"):
        raise BadRequest()
    if not suggestions.close(db.get_db(), loc, sid, state, user.username):
        abort(404)
    flash(gettext("Vorschlag erledigt."), "ok")
    return redirect(local_path(request.form.get("back")) or url_for("workbench.queue", locale=loc), 303)


def _number(name: str, default: int) -> int:
    """A positive whole number from the query (a page, a change id), or the default."""
    try:
        return max(1, int(request.args.get(name, "")))
    except ValueError:
        return default


@bp.route("/<locale>/history")
@auth.login_required
def history(locale: str):
    """A locale's changes, newest first, a page at a time; the page links keep the newest change of the first
    page (``upto``), so changes made meanwhile do not shift what page 2 shows."""
    loc = target(locale)
    conn = db.get_db()
    newest = audit.last_id(conn, loc)
    upto = min(_number("upto", newest), newest) if newest else 0
    rows, total = audit.page(conn, loc, _number("page", 1), HISTORY_PER_PAGE, upto)
    pages = max(1, -(-total // HISTORY_PER_PAGE))
    page = min(_number("page", 1), pages)
    if page != _number("page", 1):  # past the end: the last page
        rows, total = audit.page(conn, loc, page, HISTORY_PER_PAGE, upto)
    keys = {e.msgid: e.key for e in get_store().entries(loc)}
    return render_template("workbench/history.html", loc=loc, rows=rows, keys=keys, page=page, pages=pages,
                           total=total, upto=upto, newer=newest > upto)
