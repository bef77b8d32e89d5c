"""The editor of one entry: source, context, audio preview, the form, review, readers' suggestions, history.

A save never loses what was typed: a refused check, a conflict, an ended session or an expired form
each show the editor again with the text in its field (an ended session with a login in the same form).
"""
from __future__ import annotations

import math
from urllib.parse import parse_qsl, urlsplit

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from ... import catalogs, db, suggestions
from ...catalogs import Finding
from ...content import get_content
from ...core.text import clean_text
from ...i18n import get_i18n
from ...web.errors import BadRequest, respond
from .. import aids, audit, auth, csrf, review, texts
from ..diffs import word_diff
from ..entries import CatalogEntry, Status, waiting
from ..store import REVISION_RE, EntryConflict, InvalidTranslation
from . import speech
from .machine import editor_context, machine_mark
from .utils import (
    bp,
    check_filter,
    filtered,
    get_store,
    list_filter,
    local_path,
    target,
    target_locales,
)

ACTIONS = ("save", "approve", "reject")


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


def _typed(entry: CatalogEntry) -> tuple[str, ...]:
    """The text of the editor form, one string per field."""
    if entry.plural:
        return tuple(request.form.get(f"msgstr_{i}", "") for i in range(len(entry.strings)))
    return (request.form.get("msgstr", ""),)


def _seen() -> int:
    """The id of the proposal the editor showed (0: none)."""
    try:
        return max(0, int(request.form.get("pending") or 0))
    except ValueError:
        return 0


def _restored(loc: str, entry: CatalogEntry) -> tuple[str, ...] | None:
    """An earlier text from the history (?restore=<audit id>) to put into the field: revert goes through review."""
    try:
        change_id = int(request.args.get("restore") or 0)
    except ValueError:
        return None
    row = audit.get(db.get_db(), loc, change_id) if change_id else None
    if row is None or row.msgid != entry.msgid:
        return None
    text = row.old if request.args.get("side") == "old" else row.new
    parts = tuple(text.split("\n")) if entry.plural else (text,)
    return parts if len(parts) == len(entry.strings) else None


def _render_editor(loc: str, entry: CatalogEntry, *, typed: tuple[str, ...] | None = None,
                   errors: list[str] | None = None, conflict: EntryConflict | None = None, expired: bool = False,
                   notice: str | None = None, status: int = 200, headers: dict[str, str] | None = None):
    """The editor page (also for refused checks, conflicts, an ended session and an expired form)."""
    user = auth.current_user()
    conn = db.get_db()
    proposal = review.get(conn, loc, entry.key) if user is not None else None  # unreviewed text: signed in only
    shown = waiting(entry) if proposal else entry
    if typed is None:
        typed = _restored(loc, entry) or (proposal.strings if proposal else entry.strings)
    queue = suggestions.queue(conn, loc, entry.msgid)
    reviewer = user is not None and review.is_reviewer(user, loc)
    context = _context(loc, entry) if user is not None else {}
    if user is not None:
        context.update(editor_context(loc, entry, user.can_write(loc), proposal))
    return render_template(
        "workbench/editor.html",
        loc=loc,
        entry=shown,
        typed=typed,
        errors=errors or [],
        conflict=conflict,
        expired=expired,
        notice=notice,
        proposal=proposal,
        # A form sent again (ended session, expired token, refusal) keeps the versions it was based on, so that
        # a save after it still notices what others saved meanwhile; after a conflict it takes the current ones.
        base=_base() if request.method == "POST" and conflict is None else None,
        proposal_diff=word_diff(entry.text, proposal.strings[0]) if proposal else None,
        can_write=user is not None and user.can_write(loc),
        can_review=reviewer,
        can_approve_proposal=bool(proposal and user and review.may_approve(user, loc, proposal.username)),
        pages=_pages_of(entry.msgid, loc) if user else [],
        history=audit.history(conn, loc, entry.msgid, limit=20) if user else [],
        queue=[(s, word_diff(entry.text, s.text)) for s in queue] if user else [],
        audio_url=_audio_preview(loc, entry.msgid) if user else None,
        back=local_path(request.args.get("back")) or url_for("workbench.entries", locale=loc),
        plural_labels=[gettext("Pluralform %(n)s", n=i + 1) for i in range(len(entry.strings))],
        **context,
    ), status, headers or {}


def _base() -> tuple[str, int] | None:
    """The entry revision and proposal id a posted editor form was based on, when well-formed."""
    revision = request.form.get("revision", "")
    return (revision, _seen()) if REVISION_RE.match(revision) else None


def _context(loc: str, entry: CatalogEntry) -> dict:
    """The aids beside the entry: memory, glossary, other locales, neighbours, and the previous and next entry."""
    i18n = get_i18n()
    back = local_path(request.args.get("back")) or url_for("workbench.entries", locale=loc)
    args = dict(parse_qsl(urlsplit(back).query))
    state, query, source = list_filter(args)
    listed, _ = filtered(loc, state, query, source, check_filter(args))
    before, after = aids.step(listed, entry.key)
    everything = get_store().entries(loc)
    earlier, later = aids.neighbours(everything, entry.key)

    def link(other: CatalogEntry | None) -> str | None:
        """The editor of another entry, keeping the list to return to."""
        return url_for("workbench.editor", locale=loc, key=other.key, back=back) if other else None

    others = []
    for other in target_locales():
        message = i18n.po_messages(other).get(entry.msgid) if other != loc else None
        if message is not None and isinstance(message.string, str) and message.string:
            others.append((other, message.string, catalogs.status_of(message)))
    return {
        "memory": aids.memory(i18n.po_messages(loc), entry.msgid) if not entry.plural else [],
        "hints": aids.glossary_hints(current_app.config["MT_GLOSSARY_DIR"], loc, entry.msgid, entry.text),
        "other_locales": others,
        "earlier": [(e, link(e)) for e in earlier],
        "later": [(e, link(e)) for e in later],
        "speech": speech.override(loc, entry),
        "prev_url": link(before),
        "next_url": link(after),
    }


def _login_from_form(loc: str, entry: CatalogEntry, typed: tuple[str, ...]):
    """Sign in with the name and password sent with an ended session's editor; a page to show when that fails."""
    headers: dict[str, str] = {}
    try:
        user = auth.attempt_login((request.form.get("username") or "").strip()[:64],
                                  request.form.get("password") or "")
    except auth.LoginThrottled as exc:
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return _render_editor(loc, entry, typed=typed, expired=True, errors=[gettext(exc.message)], status=429,
                              headers=headers)
    except auth.BadCredentials as exc:
        return _render_editor(loc, entry, typed=typed, expired=True, errors=[gettext(exc.message)], status=401)
    auth.login_user(user)
    return None


@bp.errorhandler(csrf.CSRFError)
def _expired_form(error: csrf.CSRFError) -> Response:
    """An editor form whose token no longer fits (logged out or in again elsewhere): show it again, text kept."""
    args = request.view_args or {}
    if request.endpoint != "workbench.editor" or request.method != "POST":
        return respond(error)
    try:
        loc = target(args.get("locale", ""))
        entry = get_store().get(loc, args.get("key", ""))
    except (HTTPException, LookupError):  # no such entry: nothing typed for it can be kept
        return respond(error)
    typed = _typed(entry)
    if auth.current_user() is None:
        return _render_editor(loc, entry, typed=typed, expired=True, status=401)
    return _render_editor(loc, entry, typed=typed, status=400, notice=" ".join([
        gettext(csrf.CSRFError.description), gettext("Ihr Text ist nicht verloren: Er steht unten im Eingabefeld.")]))


@bp.route("/ping", methods=["GET"])
def ping() -> Response:
    """Keep a session alive while an editor is open (204), or say that it ended (401)."""
    return Response(status=204 if auth.current_user() is not None else 401)


@bp.route("/<locale>/entry/<key>", methods=["GET", "POST"])
def editor(locale: str, key: str):
    """Show one entry, or save, approve or reject (optimistic concurrency: the form carries what it was based on)."""
    if request.method == "GET":
        if auth.current_user() is None:  # before any lookup: nothing is told about entries without a login
            return redirect(url_for("workbench.login", next=request.full_path.rstrip("?")))
        loc = target(locale)
        return _render_editor(loc, get_store().get(loc, key))
    loc = target(locale)
    entry = get_store().get(loc, key)
    typed = _typed(entry)
    if auth.current_user() is None:
        if "username" not in request.form:
            return _render_editor(loc, entry, typed=typed, expired=True, status=401)
        failed = _login_from_form(loc, entry, typed)
        if failed is not None:
            return failed
    user = auth.require_read(loc)  # signed in now: the locale must be theirs (L6)
    action = request.form.get("action", "save")
    if action not in ACTIONS:
        raise BadRequest()
    if not user.can_write(loc):
        return _render_editor(loc, entry, typed=typed, status=403, errors=[
            gettext("Sie dürfen diese Sprache nicht bearbeiten.")])
    return _save(loc, entry, typed, action, user)


def _warn_glossary(loc: str, msgid: str, strings: tuple[str, ...]) -> None:
    """Say which glossary terms of the source a saved text leaves out (a warning: the save went through)."""
    missing = [h for h in aids.glossary_hints(current_app.config["MT_GLOSSARY_DIR"], loc, msgid, "\n".join(strings))
               if not h.present]
    if missing:
        flash(gettext("Glossar: In der Übersetzung fehlt %(terms)s. Gespeichert wurde sie trotzdem.",
                      terms="; ".join(f"„{h.term}“ → „{h.required}“" for h in missing)), "info")


def _save(loc: str, entry: CatalogEntry, typed: tuple[str, ...], action: str, user: auth.User):
    """Propose, approve or reject; refused texts and conflicts come back in the editor."""
    conn = db.get_db()
    store = get_store()
    seen = _seen()
    revision = request.form.get("revision", "")
    proposal = review.get(conn, loc, entry.key)
    suggestion = request.form.get("suggestion", type=int)
    warned: tuple[Finding, ...] = ()
    # A machine suggestion put into the field unchanged is never approved by its save: it waits for review,
    # marked as `flask mt fill` marks its suggestions (approving a waiting proposal is review, and stays).
    mark = machine_mark(loc, entry, typed) if not suggestion and typed != entry.strings else ""
    if mark and action == "approve" and not (proposal is not None and proposal.id == seen
                                             and proposal.strings == typed):
        action = "save"
        flash(gettext("Ein unveränderter maschineller Vorschlag wird nicht sofort freigegeben."), "info")
    try:
        if action == "reject":
            if not review.is_reviewer(user, loc):
                return _render_editor(loc, entry, typed=typed, status=403, errors=[gettext(texts.NOT_REVIEWER)])
            review.reject(conn, loc, entry, seen, user.username,
                          clean_text(request.form.get("comment")))  # web/inputs.py bounds its marks
            flash(gettext("Vorschlag abgelehnt."), "ok")
            return redirect(url_for("workbench.editor", locale=loc, key=entry.key), 303)
        if action == "approve":
            author = user.username
            if suggestion:
                author = "reader"
            elif proposal is not None and proposal.id == seen and proposal.strings == typed:
                author = proposal.username
            if not review.may_approve(user, loc, author):
                return _render_editor(loc, entry, typed=typed, status=403, errors=[gettext(texts.NOT_REVIEWER)])
            if (proposal.id if proposal else 0) != seen:
                raise review.ProposalChanged()
            result = store.save(conn, loc, entry.key, typed, revision, True, user.username)
            warned = result.warnings
            if proposal is not None:
                review.settle(conn, loc, entry.key, proposal.id)
            done = result.changed or proposal is not None
            flash(gettext("Gespeichert und freigegeben.") if done else gettext("Nichts geändert."), "ok")
            if result.compile_error:
                flash(gettext(texts.NOT_PUBLISHED), "error")
                current_app.logger.warning("catalog %s not compiled: %s", loc, result.compile_error)
        else:
            current, strings, warned = store.check(loc, entry.key, typed, revision)
            if proposal is not None:
                same = strings == proposal.strings
            else:
                same = strings == current.strings and current.status == Status.HUMAN
            if same:
                flash(gettext("Nichts geändert."), "info")
            else:
                review.propose(conn, loc, current, strings, seen, user.username, comment=mark)
                if mark:
                    flash(gettext("Gespeichert als maschineller Vorschlag. Er wartet auf Prüfung; die Seiten "
                                  "zeigen bis dahin die geprüfte Fassung."), "ok")
                else:
                    flash(gettext("Gespeichert. Der Text wartet auf Prüfung; die Seiten zeigen bis dahin die "
                                  "geprüfte Fassung."), "ok")
    except InvalidTranslation as exc:
        return _render_editor(loc, entry, typed=typed, errors=texts.findings_texts(exc.findings), status=400)
    except EntryConflict as exc:
        return _render_editor(loc, exc.current, typed=exc.mine, conflict=exc, status=409)
    except review.ProposalChanged:
        return _render_editor(loc, entry, typed=typed, conflict=EntryConflict(entry, typed), status=409)
    if suggestion:
        suggestions.close(conn, loc, suggestion, "done", user.username)
    # The checks' warnings (glossary terms, a spoken text in step with the screen, German left in another
    # script): saved all the same. The glossary's own hint, with the required translations, where the check's
    # glossary (translations/glossary.txt and the locale's) has nothing to say.
    for warning in texts.findings_texts(warned):
        flash(warning, "error")
    if not any(f.check == "glossary" for f in warned):
        _warn_glossary(loc, entry.msgid, typed)
    following = local_path(request.form.get("next")) if request.form.get("go_next") else None
    return redirect(following or url_for("workbench.editor", locale=loc, key=entry.key,
                                         back=local_path(request.args.get("back"))), 303)
