"""The editor of one entry: source, context, audio preview, the form, readers' suggestions, history."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ... import db
from ...content import get_content
from ...web.errors import BadRequest
from .. import audit, auth, suggestions, texts
from ..store import EntryConflict, InvalidTranslation
from .utils import bp, get_store, local_path, target


# -- the editor ---------------------------------------------------------------
def _pages_of(msgid: str, loc: str) -> list[dict]:
    """The public pages on which a message appears, with a link to the block in the target locale."""
    result = []
    for page in get_content().find_message(msgid):
        block = next((b for b in page.blocks if b.msgid == msgid), None)
        result.append({
            "title": page.title,
            "url": url_for("pages.page", locale=loc, slug=page.url_slug, _anchor=block.id if block else None),
            "source_url": url_for("pages.page", locale=current_app.config["SOURCE_LOCALE"], slug=page.url_slug),
        })
    return result


def _audio_preview(loc: str, msgid: str) -> str | None:
    """The MP3 of the published block holding this message, when read-aloud serves the locale (else None)."""
    if "audio_cache" not in current_app.extensions or "tts" not in current_app.extensions:
        return None
    try:
        from ...audio import publish as audio
        from ...tts import get_tts

        if not get_tts().available(loc):
            return None
        for page in get_content().find_message(msgid):
            block = next((b for b in page.blocks if b.msgid == msgid), None)
            if block is not None:
                return audio.audio_urls(loc, page.slug, block.id)["mp3"]
    except Exception:  # read-aloud is optional: a fault there must not break the editor
        current_app.logger.exception("audio preview failed")
    return None


def _render_editor(loc: str, entry, *, typed: tuple[str, ...] | None = None, errors: list[str] | None = None,
                   conflict: EntryConflict | None = None, status: int = 200):
    """The editor page (also used for validation errors and conflicts)."""
    user = auth.current_user()
    conn = db.get_db()
    return render_template(
        "workbench/editor.html",
        loc=loc,
        entry=entry,
        typed=typed if typed is not None else entry.strings,
        errors=errors or [],
        conflict=conflict,
        can_write=user.can_write(loc),
        pages=_pages_of(entry.msgid, loc),
        history=audit.history(conn, loc, entry.msgid, limit=20),
        queue=suggestions.queue(conn, loc, entry.msgid),
        audio_url=_audio_preview(loc, entry.msgid),
        back=local_path(request.args.get("back")) or url_for("workbench.entries", locale=loc),
        plural_labels=[gettext("Pluralform %(n)s", n=i + 1) for i in range(len(entry.strings))],
    ), status


@bp.route("/<locale>/entry/<key>", methods=["GET", "POST"])
@auth.login_required
def editor(locale: str, key: str):
    """Show one entry, or save it (optimistic concurrency: the form carries the revision it was based on)."""
    loc = target(locale)
    store = get_store()
    entry = store.get(loc, key)
    if request.method == "GET":
        return _render_editor(loc, entry)
    user = auth.require_write(loc)
    action = request.form.get("action", "save")
    if action not in ("save", "approve"):
        raise BadRequest()
    if entry.plural:
        typed = tuple(request.form.get(f"msgstr_{i}", "") for i in range(len(entry.strings)))
    else:
        typed = (request.form.get("msgstr", ""),)
    try:
        result = store.save(db.get_db(), loc, key, typed, request.form.get("revision", ""), action == "approve",
                            user.username)
    except InvalidTranslation as exc:
        return _render_editor(loc, entry, typed=typed, errors=texts.findings_texts(exc.findings), status=400)
    except EntryConflict as exc:
        return _render_editor(loc, exc.current, typed=exc.mine, conflict=exc, status=409)
    if not result.changed:
        flash(gettext("Nichts geändert."), "info")
    elif action == "approve":
        flash(gettext("Gespeichert und freigegeben."), "ok")
    else:
        flash(gettext("Gespeichert."), "ok")
    if result.compile_error:
        flash(gettext("Gespeichert, aber noch nicht veröffentlicht: Der Katalog enthält an anderer Stelle Fehler. "
                      "Bitte prüfen Sie ihn mit „flask i18n check“."), "error")
        current_app.logger.warning("catalog %s not compiled: %s", loc, result.compile_error)
    return redirect(url_for("workbench.editor", locale=loc, key=key), 303)
