"""Comments per entry: the editor's comment section, writing and resolving a comment, a locale's list of comments."""
from __future__ import annotations

import math

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy import Row

from ... import db
from ...clock import now
from .. import auth, comments
from ..comments import CommentState
from .utils import PER_PAGE, bp, get_store, local_path, target

#: The list's filters: open comments (the default) or all.
STATES = (CommentState.OPEN.value, "all")
#: A comment's state as the lists show it.
STATE_LABELS = {CommentState.OPEN: lazy_gettext("offen"), CommentState.RESOLVED: lazy_gettext("erledigt")}


def _message(error: comments.InvalidComment) -> str:
    """What the form says about a refused comment, in the user's language."""
    message = comments.MESSAGES[error.problem]
    if isinstance(message, tuple):
        return ngettext(*message, comments.MAX_COMMENT)
    return gettext(message)


def _entry_comments(loc: str, key: str) -> list[Row]:
    """The comments the editor shows under an entry (none without a user who may read the locale)."""
    user = auth.current_user()
    if user is None or not user.can_read(loc):
        return []
    return comments.of_entry(db.get_db(), loc, key)


@bp.context_processor
def _comment_helpers() -> dict:
    """Templates read an entry's comments and the bound of the form from here (the editor needs no new argument)."""
    return {"entry_comments": _entry_comments, "max_comment": comments.MAX_COMMENT, "comment_states": STATE_LABELS}


@bp.route("/<locale>/entry/<key>/comments", methods=["POST"])
@auth.login_required
def add_comment(locale: str, key: str):
    """Write a comment on an entry; a refused one comes back in its form with the text kept."""
    loc = target(locale)
    user = auth.require_write(loc)
    entry = get_store().get(loc, key)
    text = request.form.get("comment") or ""
    try:
        comments.add(db.get_db(), loc, entry.key, entry.msgid, user.username, text, now())
    except comments.InvalidComment as error:
        return render_template("workbench/comment_form.html", loc=loc, entry=entry,
                               comment_text=text.replace("\x00", ""), comment_error=_message(error)), 400
    flash(gettext("Kommentar gespeichert."), "ok")
    return redirect(url_for("workbench.editor", locale=loc, key=entry.key, _anchor="comments-title"), 303)


@bp.route("/<locale>/comments/<int:cid>/resolve", methods=["POST"])
@auth.login_required
def resolve_comment(locale: str, cid: int):
    """Mark a comment resolved, then go back to where it was shown."""
    loc = target(locale)
    user = auth.require_write(loc)
    if not comments.resolve(db.get_db(), loc, cid, user.username, now()):
        abort(404)
    flash(gettext("Kommentar als erledigt markiert."), "ok")
    return redirect(local_path(request.form.get("back")) or url_for("workbench.comment_list", locale=loc), 303)


@bp.route("/<locale>/comments")
@auth.login_required
def comment_list(locale: str):
    """A locale's comments, open ones or all, newest first, in pages."""
    loc = target(locale)
    state = request.args.get("state", CommentState.OPEN.value)
    if state not in STATES:
        state = CommentState.OPEN.value
    page = request.args.get("page", 1, type=int) or 1
    conn = db.get_db()
    total = comments.count(conn, loc, state)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
    rows = comments.listing(conn, loc, state, PER_PAGE, (page - 1) * PER_PAGE)
    known = {e.key for e in get_store().entries(loc)}
    return render_template("workbench/comments.html", loc=loc, rows=rows, state=state, total=total, page=page,
                           pages=pages, known=known)
