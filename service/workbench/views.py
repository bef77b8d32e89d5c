"""The workbench pages under /translate: locales, entries, editor, conflicts, upload, download, queue, users."""
from __future__ import annotations

import math
import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext, ngettext

from .. import db
from ..content import get_content
from ..core.locks import LockUnavailable
from ..core.messages import N_
from ..i18n import best_locale, display_name, get_i18n, text_direction
from ..web.errors import BadRequest, NotFound, Unavailable, respond
from . import audit, auth, csrf, suggestions, texts
from .entries import counts
from .store import CatalogNotFound, EntryConflict, EntryNotFound, InvalidEdit, InvalidTranslation, Store, UploadRejected

bp = Blueprint("workbench", __name__, url_prefix="/translate")

FILTERS = {
    "all": lazy_gettext("Alle"),
    "missing": lazy_gettext("Unübersetzt"),
    "outdated": lazy_gettext("Ungeprüft oder veraltet (fuzzy)"),
    "machine": lazy_gettext("Maschinell übersetzt"),
    "human": lazy_gettext("Geprüft"),
}
STATUS_LABELS = {
    "human": lazy_gettext("geprüft"),
    "machine": lazy_gettext("maschinell übersetzt"),
    "outdated": lazy_gettext("ungeprüft oder veraltet"),
    "missing": lazy_gettext("unübersetzt"),
}
PER_PAGE = 50
MAX_QUERY = 200


def get_store() -> Store:
    """The store of the app's translations folder."""
    return current_app.extensions["workbench"]["store"]


def ui_locales() -> list[str]:
    """Languages the workbench itself can be shown in: the source and every shipped catalog."""
    i18n = get_i18n()
    return [loc for loc in i18n.shipped if i18n.has_catalog(loc)]


def target_locales() -> list[str]:
    """Locales with a catalog translators work on."""
    source = current_app.config["SOURCE_LOCALE"]
    return [loc for loc in ui_locales() if loc != source]


def _target(locale: str) -> str:
    """A locale from the URL that has a catalog, or 404."""
    if locale not in target_locales():
        abort(404)
    return locale


@bp.before_request
def _before() -> None:
    """Pick the UI language (?lang= remembered in the session, else Accept-Language) and check CSRF."""
    choice = request.args.get("lang")
    if choice and choice in ui_locales():
        session["ui_lang"] = choice
    stored = session.get("ui_lang")
    g.locale = stored if stored in ui_locales() else best_locale()
    csrf.protect()


@bp.errorhandler(CatalogNotFound)
@bp.errorhandler(EntryNotFound)
def _not_found(error: LookupError) -> Response:
    """A catalog or entry the store does not have: 404."""
    return respond(NotFound())


@bp.errorhandler(LockUnavailable)
def _locks_unavailable(error: LockUnavailable) -> Response:
    """Several servers, Redis unreachable: a catalog cannot be locked, so nothing was written: 503."""
    return respond(Unavailable(N_("Speichern ist gerade nicht möglich, weil ein Dienst des Servers nicht "
                                  "erreichbar ist. Es wurde nichts geändert. Bitte versuchen Sie es in einer "
                                  "Minute noch einmal.")))


@bp.errorhandler(InvalidEdit)
def _invalid_edit(error: InvalidEdit) -> Response:
    """An edit form with a forged revision or the wrong number of forms: 400."""
    if error.field == "revision":
        return respond(BadRequest(N_("Die Versionsangabe des Eintrags ist ungültig.")))
    return respond(BadRequest())


@bp.after_request
def _headers(response: Response) -> Response:
    """Workbench pages are private: never cached or indexed (CSP and frame protection: web/security.py)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.context_processor
def _context() -> dict:
    """What every workbench template needs."""
    return {
        "user": auth.current_user(),
        "csrf_token": csrf.token,
        "locale": g.locale,
        "dir": text_direction(g.locale),
        "ui_locales": ui_locales(),
        "display_name": display_name,
        "text_direction": text_direction,
        "status_labels": STATUS_LABELS,
        "source_locale": current_app.config["SOURCE_LOCALE"],
    }


# -- sign in and out --------------------------------------------------------------
#: A workbench path to return to: printable ASCII without spaces (no CR/LF for a Location header).
LOCAL_PATH_RE = re.compile(r"^/translate/[\x21-\x5b\x5d-\x7e]*$")


def _local(target: str | None) -> str | None:
    """A local workbench path from a form or query (``next``, ``back``), or None for anything else."""
    if target and len(target) <= 2000 and LOCAL_PATH_RE.match(target):
        return target
    return None


def _safe_next(target: str | None) -> str:
    """Only local workbench paths are followed after login."""
    return _local(target) or url_for("workbench.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; failures are rate-limited per user name and per address."""
    error = None
    status = 200
    username = ""
    headers: dict[str, str] = {}
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:64]
        try:
            user = auth.attempt_login(username, request.form.get("password") or "")
        except auth.LoginThrottled as exc:
            status, error = 429, gettext(exc.message)
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        except auth.BadCredentials as exc:
            status, error = 401, gettext(exc.message)
        else:
            lang = session.get("ui_lang")
            auth.login_user(user)
            if lang:
                session["ui_lang"] = lang
            return redirect(_safe_next(request.form.get("next")), 303)
    return render_template("workbench/login.html", error=error, username=username,
                           next=_local(request.values.get("next")) or ""), status, headers


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session."""
    auth.logout_user()
    return redirect(url_for("workbench.login"), 303)


# -- overview and lists -----------------------------------------------------------
@bp.route("/")
@auth.login_required
def index():
    """Every locale with its progress and open suggestions."""
    rows = []
    waiting = suggestions.open_counts(db.get_db())
    for loc in target_locales():
        c = counts(get_store().entries(loc))
        done = round(100 * c["human"] / c["total"]) if c["total"] else 100
        rows.append({"locale": loc, "counts": c, "done": done, "suggestions": waiting.get(loc, 0)})
    return render_template("workbench/index.html", rows=rows)


@bp.route("/<locale>/")
@auth.login_required
def entries(locale: str):
    """A locale's entries, filtered by status and text."""
    loc = _target(locale)
    state = request.args.get("status", "all")
    if state not in FILTERS:
        state = "all"
    query = (request.args.get("q") or "").strip()[:MAX_QUERY]
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    items = get_store().entries(loc)
    all_counts = counts(items)
    if state != "all":
        items = [e for e in items if e.status == state]
    if query:
        needle = query.casefold()
        items = [e for e in items if needle in e.msgid.casefold() or any(needle in s.casefold() for s in e.strings)]
    total = len(items)
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    page = min(page, pages)
    shown = items[(page - 1) * PER_PAGE: page * PER_PAGE]
    return render_template("workbench/entries.html", loc=loc, items=shown, total=total, state=state, query=query,
                           filters=FILTERS, counts=all_counts, page=page, pages=pages)


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
        from ..audio import publish as audio
        from ..tts import get_tts

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
        can_write=user is not None and user.can_write(loc),
        pages=_pages_of(entry.msgid, loc),
        history=audit.history(conn, loc, entry.msgid, limit=20),
        queue=suggestions.queue(conn, loc, entry.msgid),
        audio_url=_audio_preview(loc, entry.msgid),
        back=_local(request.args.get("back")) or url_for("workbench.entries", locale=loc),
        plural_labels=[gettext("Pluralform %(n)s", n=i + 1) for i in range(len(entry.strings))],
    ), status


@bp.route("/<locale>/entry/<key>", methods=["GET", "POST"])
@auth.login_required
def editor(locale: str, key: str):
    """Show one entry, or save it (optimistic concurrency: the form carries the revision it was based on)."""
    loc = _target(locale)
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
    for warning in texts.findings_texts(result.warnings):
        flash(warning, "error")
    if result.compile_error:
        flash(gettext("Gespeichert, aber noch nicht veröffentlicht: Der Katalog enthält an anderer Stelle Fehler. "
                      "Bitte prüfen Sie ihn mit „flask i18n check“."), "error")
        current_app.logger.warning("catalog %s not compiled: %s", loc, result.compile_error)
    return redirect(url_for("workbench.editor", locale=loc, key=key), 303)


# -- files --------------------------------------------------------------------
@bp.route("/<locale>/download")
@auth.login_required
def download(locale: str):
    """The locale's .po as a file."""
    loc = _target(locale)
    data = get_store().download(loc, mark=audit.last_id(db.get_db(), loc))
    return Response(data, mimetype="text/x-gettext-translation", headers={
        "Content-Disposition": f'attachment; filename="messages-{loc}.po"',
    })


def _upload_limit() -> int:
    """The largest .po accepted."""
    return int(current_app.config["WORKBENCH_UPLOAD_MAX"])


@bp.route("/<locale>/upload", methods=["GET", "POST"])
@auth.login_required
def upload(locale: str):
    """Upload a .po: checked as a whole, then merged; rejected whole with a clear reason."""
    loc = _target(locale)
    user = auth.require_write(loc)
    if request.method == "GET":
        return render_template("workbench/upload.html", loc=loc, limit_kb=_upload_limit() // 1024)
    file = request.files.get("po")
    if file is None or not file.filename:
        return render_template("workbench/upload.html", loc=loc, limit_kb=_upload_limit() // 1024,
                               error=gettext("Bitte wählen Sie eine .po-Datei aus.")), 400
    data = file.stream.read(_upload_limit() + 1)
    try:
        result = get_store().merge_upload(db.get_db(), loc, data, user.username, max_bytes=_upload_limit())
    except UploadRejected as exc:
        return render_template("workbench/upload.html", loc=loc, limit_kb=_upload_limit() // 1024,
                               error=texts.upload_reason(exc), details=texts.upload_details(exc)), \
            413 if exc.reason == "too-large" else 400
    flash(" ".join([
        gettext("Datei übernommen."),
        ngettext("%(num)s Eintrag geändert.", "%(num)s Einträge geändert.", result["changed"]),
        ngettext("%(num)s unbekannter Eintrag übersprungen.", "%(num)s unbekannte Einträge übersprungen.",
                 result["unknown"]),
    ]), "ok")
    if result["conflicts"]:
        flash(gettext("Nicht übernommen, weil sie nach Ihrem Download hier geändert wurden: %(entries)s. "
                      "Bitte prüfen Sie diese Einträge im Editor.",
                      entries="; ".join(f"„{m[:60]}“" for m in result["conflicts"][:20])), "error")
    for warning in texts.warnings_texts(result["warnings"]):
        flash(warning, "error")
    if result["compile_error"]:
        flash(gettext("Gespeichert, aber noch nicht veröffentlicht: Der Katalog enthält an anderer Stelle Fehler. "
                      "Bitte prüfen Sie ihn mit „flask i18n check“."), "error")
    return redirect(url_for("workbench.entries", locale=loc), 303)


# -- readers' suggestions and history -----------------------------------------
@bp.route("/<locale>/suggestions")
@auth.login_required
def queue(locale: str):
    """Open suggestions of readers for a locale."""
    loc = _target(locale)
    rows = suggestions.queue(db.get_db(), loc)
    keys = {e.msgid: e.key for e in get_store().entries(loc)}
    return render_template("workbench/suggestions.html", loc=loc, rows=rows, keys=keys)


@bp.route("/<locale>/suggestions/<int:sid>", methods=["POST"])
@auth.login_required
def close_suggestion(locale: str, sid: int):
    """Mark a suggestion done or dismissed."""
    loc = _target(locale)
    user = auth.require_write(loc)
    state = request.form.get("state")
    if state not in ("done", "dismissed"):
        raise BadRequest()
    if not suggestions.close(db.get_db(), loc, sid, state, user.username):
        abort(404)
    flash(gettext("Vorschlag erledigt."), "ok")
    return redirect(_local(request.form.get("back")) or url_for("workbench.queue", locale=loc), 303)


@bp.route("/<locale>/history")
@auth.login_required
def history(locale: str):
    """The newest changes of a locale."""
    loc = _target(locale)
    keys = {e.msgid: e.key for e in get_store().entries(loc)}
    return render_template("workbench/history.html", loc=loc, rows=audit.history(db.get_db(), loc, limit=200),
                           keys=keys)


# -- users (admins) -----------------------------------------------------------
@bp.route("/users", methods=["GET", "POST"])
@auth.login_required
def users():
    """Admins add and remove accounts and set their locales."""
    admin = auth.require_admin()
    conn = db.get_db()
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.form.get("action")
        name = (request.form.get("username") or "").strip()
        try:
            if action == "add":
                locales = tuple(request.form.getlist("locales"))
                auth.add_user(conn, name, request.form.get("password") or "", request.form.get("role", "translator"),
                              auth.parse_locales(",".join(locales), target_locales()))
                flash(gettext("Konto %(name)s angelegt.", name=name), "ok")
            elif action == "access":
                locales = auth.parse_locales(",".join(request.form.getlist("locales")), target_locales())
                if not auth.set_access(conn, name, request.form.get("role"), locales):
                    abort(404)
                flash(gettext("Rechte von %(name)s geändert.", name=name), "ok")
            elif action == "remove":
                if name == admin.username:
                    raise auth.AccountError(N_("Sie können Ihr eigenes Konto nicht löschen."))
                if not auth.remove_user(conn, name):
                    abort(404)
                flash(gettext("Konto %(name)s gelöscht.", name=name), "ok")
            else:
                raise BadRequest()
        except auth.AccountError as exc:
            errors["form"] = exc.translated()
        if not errors:
            return redirect(url_for("workbench.users"), 303)
    return render_template("workbench/users.html", users=auth.list_users(conn), locales=target_locales(),
                           errors=errors, roles=auth.ROLES, password_min=current_app.config["PASSWORD_MIN_LENGTH"]), \
        (400 if errors else 200)
