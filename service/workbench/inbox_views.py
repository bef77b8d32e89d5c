"""The feedback inbox under /translate/feedback: for admins and the accessibility contact, never for translators."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext

from .. import db, inbox
from ..clock import now
from ..core.messages import N_
from ..core.text import clean_text
from ..web.errors import BadRequest, Forbidden
from . import auth
from .views import bp

STATE_FILTERS = {
    "open": lazy_gettext("Offen"),
    "handled": lazy_gettext("Erledigt"),
    "all": lazy_gettext("Alle"),
}
STATE_LABELS = {"open": lazy_gettext("offen"), "handled": lazy_gettext("erledigt")}
PER_PAGE = 50
MAX_QUERY = 200


def require_reader() -> auth.User:
    """The current user, if they may read feedback; Forbidden otherwise."""
    user = auth.current_user()
    if user is None or not inbox.can_read(user.role):
        raise Forbidden(N_("Nur die Kontaktstelle für Barrierefreiheit und Administratorinnen und Administratoren "
                           "dürfen Rückmeldungen lesen."))
    return user


def _filter() -> tuple[str, str | None, str]:
    """State, locale and search text of the request (unknown values fall back to the defaults)."""
    state = request.args.get("state", "open")
    state = state if state in inbox.STATES else "open"
    locale = (request.args.get("locale") or "").strip()[:20] or None
    text = (request.args.get("q") or "").strip()[:MAX_QUERY]
    return state, locale, text


@bp.route("/feedback/")
@auth.login_required
def feedback_list():
    """Messages filtered by state, locale and text, newest first, fifty a page."""
    require_reader()
    state, locale, text = _filter()
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    conn = db.get_db()
    total = inbox.count(conn, state, locale, text or None)
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    page = min(page, pages)
    rows = inbox.search(conn, state, locale, text or None, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template("workbench/inbox.html", rows=rows, total=total, state=state, loc_filter=locale,
                           query=text, page=page, pages=pages, filters=STATE_FILTERS, states=STATE_LABELS,
                           locales=inbox.locales(conn))


@bp.route("/feedback/export.csv")
@auth.login_required
def feedback_export():
    """The messages of the current filter as CSV (UTF-8 with a BOM, so spreadsheets read the umlauts);
    ``sep=semicolon`` for German Excel, which opens such a file by double-click."""
    require_reader()
    state, locale, text = _filter()
    rows = inbox.search(db.get_db(), state, locale, text or None)
    data = inbox.export(rows, ";" if request.args.get("sep") == "semicolon" else ",")
    stamp = now().strftime("%Y-%m-%d")
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="rueckmeldungen-{stamp}.csv"',
    })


@bp.route("/feedback/<int:feedback_id>", methods=["GET", "POST"])
@auth.login_required
def feedback_show(feedback_id: int):
    """One message with its handling; POST marks it handled (or open again) with a note."""
    user = require_reader()
    conn = db.get_db()
    row = inbox.get(conn, feedback_id)
    if row is None:
        abort(404)
    note, error = row.note, None
    if request.method == "POST":
        action = request.form.get("action")
        if action not in ("handled", "open"):
            raise BadRequest()
        note = clean_text(request.form.get("note"))  # web/inputs.py refused a run of marks too long for it
        try:
            inbox.mark(conn, feedback_id, action == "handled", user.username, note, now())
        except inbox.InvalidNote as exc:
            error = ngettext("Der Vermerk ist zu lang (höchstens %(num)s Zeichen).",
                             "Der Vermerk ist zu lang (höchstens %(num)s Zeichen).", inbox.MAX_NOTE)
            if exc.reason == inbox.NoteProblem.CONTROL:
                error, note = gettext("Der Text enthält unzulässige Steuerzeichen."), note.replace("\x00", "")
        else:
            flash(gettext("Als erledigt gespeichert.") if action == "handled" else gettext("Wieder geöffnet."), "ok")
            return redirect(url_for("workbench.feedback_show", feedback_id=feedback_id), 303)
    return render_template("workbench/inbox_show.html", row=row, note=note, error=error, states=STATE_LABELS,
                           max_note=inbox.MAX_NOTE), (400 if error else 200)


@bp.context_processor
def _inbox_nav() -> dict:
    """Whether the workbench shows the inbox in its navigation."""
    return {"can_read_feedback": inbox.can_read}
