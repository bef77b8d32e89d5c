"""The spoken override of an entry (speech.po), edited in the entry's editor beside the shown text."""
from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext

from ... import db
from ...catalogs import spoken
from .. import auth, texts
from ..entries import CatalogEntry
from ..store import (
    CatalogNotFound,
    EntryConflict,
    EntryNotFound,
    InvalidTranslation,
    Store,
)
from .utils import bp, get_store, local_path, target


def speech_store() -> Store:
    """The store of the speech catalogs."""
    return current_app.extensions["workbench"]["speech"]


def override(loc: str, entry: CatalogEntry) -> dict | None:
    """The speech entry of a shown entry for the editor: its text, revision and whether it is outdated (or None)."""
    store = speech_store()
    try:
        spoken_entry = store.get(loc, entry.key)
        message = store.load(loc).get(entry.msgid, entry.context)
    except (CatalogNotFound, EntryNotFound):
        return None
    return {"entry": spoken_entry, "outdated": spoken.outdated(message, entry.text)}


@bp.route("/<locale>/speech/<key>", methods=["POST"])
@auth.login_required
def speech_save(locale: str, key: str):
    """Save how a shown text is spoken; the override remembers the shown text it was written for."""
    loc = target(locale)
    user = auth.require_write(loc)
    shown = get_store().get(loc, key)
    text = request.form.get("spoken", "")
    back = url_for("workbench.editor", locale=loc, key=key, back=local_path(request.args.get("back")),
                   _anchor="speech-title")
    try:
        result = speech_store().save(db.get_db(), loc, key, (text,), request.form.get("speech_revision", ""), True,
                                     user.username, note=spoken.note(shown.text))
    except InvalidTranslation as exc:
        flash(" ".join(texts.findings_texts(exc.findings)), "error")
        flash(gettext("Nicht gespeichert: %(text)s", text=text), "error")  # the typed text stays visible
        return redirect(back, 303)
    except EntryConflict:
        flash(gettext("Jemand hat diesen Eintrag in der Zwischenzeit geändert."), "error")
        flash(gettext("Nicht gespeichert: %(text)s", text=text), "error")
        return redirect(back, 303)
    flash(gettext("Aussprache gespeichert.") if result.changed else gettext("Nichts geändert."), "ok")
    return redirect(back, 303)
