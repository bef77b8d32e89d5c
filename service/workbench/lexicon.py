"""The pronunciation lexicon in the workbench: each term of a locale, how it is said, and how that sounds."""
from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext

from .. import db
from ..audio.render import Segment
from ..tts import get_tts
from ..tts.base import BackendError
from ..web.errors import BadRequest
from . import auth, texts
from .store import EntryConflict, InvalidTranslation, Store
from .views import bp, ui_locales

#: The id the audio cache files a term's preview under (never a published block id).
PREVIEW_BLOCK = "term"
#: Messages the entry editor has already (extracted there, translated once): looked up, not extracted again.
SAVED, UNCHANGED = "Gespeichert.", "Nichts geändert."
CONFLICT = "Jemand hat diesen Eintrag in der Zwischenzeit geändert."
#: The instruction every term carries (service/catalogs/extract.py); the page says it once, above the list.
INSTRUCTION = "TRANSLATORS: how to say this term, spelled so that the voice gets it right; empty if it already does"


def lexicon_store() -> Store:
    """The store of the lexicon catalogs."""
    return current_app.extensions["workbench"]["lexicon"]


def note(comments: tuple[str, ...]) -> str:
    """A term's note for translators in full: the .po wraps long comments into several lines (the last alone
    was shown: "Wanne\"" of a note about "Gymnasium Wanne"), and the common instruction is left out."""
    text = " ".join(c.strip() for c in comments if c.strip())
    return text.removeprefix(INSTRUCTION).strip()


def _locale(locale: str) -> str:
    """A locale with a lexicon catalog (German too: German pages are spoken as well), or 404; 403 for a locale
    the user may not read (L6)."""
    if locale not in ui_locales() or not lexicon_store().path(locale).exists():
        abort(404)
    auth.require_read(locale)
    return locale


@bp.route("/<locale>/lexicon", methods=["GET", "POST"])
@auth.login_required
def lexicon(locale: str):
    """Every term of the locale's lexicon with its spoken form, a field to change it and a preview to hear it."""
    loc = _locale(locale)
    store = lexicon_store()
    errors: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        user = auth.require_write(loc)
        key = request.form.get("key", "")
        spoken = request.form.get("msgstr", "")
        try:
            result = store.save(db.get_db(), loc, key, (spoken,), request.form.get("revision", ""), True,
                                user.username)
        except InvalidTranslation as exc:
            errors[key], typed[key], status = texts.findings_texts(exc.findings), spoken, 400
        except EntryConflict:
            errors[key] = [gettext(CONFLICT)]
            typed[key], status = spoken, 409
        else:
            flash(gettext(SAVED if result.changed else UNCHANGED), "ok")
            return redirect(url_for("workbench.lexicon", locale=loc, _anchor=f"term-{key}"), 303)
    return render_template("workbench/lexicon.html", loc=loc, items=store.entries(loc), errors=errors, typed=typed,
                           note=note,
                           can_write=(viewer := auth.current_user()) is not None and viewer.can_write(loc)), status


@bp.route("/<locale>/lexicon/<key>.mp3")
@auth.login_required
def lexicon_audio(locale: str, key: str) -> Response:
    """A saved term said the way the lexicon says it, through the audio cache (only catalog text is spoken)."""
    loc = _locale(locale)
    entry = lexicon_store().get(loc, key)
    tts = get_tts()
    if not tts.available(loc):
        abort(404)
    spoken = entry.strings[0] if entry.strings and entry.strings[0] else ""
    terms = ((entry.msgid, spoken),) if spoken and spoken != entry.msgid else ()
    segment = Segment(PREVIEW_BLOCK, loc, entry.msgid, None, terms)
    try:
        cached = current_app.extensions["audio_cache"].get_or_create(
            loc, tts.backend_for(loc), tts.voices(loc), [segment], tts.speed)
    except (BackendError, OSError) as exc:
        current_app.logger.warning("lexicon preview %s/%s failed: %s", loc, key, exc)
        raise BadRequest() from exc
    response = send_file(cached.mp3, mimetype="audio/mpeg", conditional=True)
    response.headers["Cache-Control"] = "no-store"
    return response
