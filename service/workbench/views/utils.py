"""What every workbench screen shares: the blueprint, its hooks and error handlers, locales, filters, paths."""
from __future__ import annotations

import re
from pathlib import PurePosixPath

from flask import Blueprint, Response, abort, current_app, g, request, session, url_for
from flask_babel import lazy_gettext

from ... import db
from ...content import get_content
from ...core.locks import LockUnavailable
from ...core.messages import N_
from ...i18n import best_locale, display_name, get_i18n, text_direction
from ...web.errors import BadRequest, NotFound, Unavailable, respond
from .. import auth, badges, csrf, review
from ..entries import CatalogEntry, Status, waiting
from ..store import CatalogNotFound, EntryNotFound, InvalidEdit, Store

bp = Blueprint("workbench", __name__, url_prefix="/translate")

#: The list's status filter: every status, and all of them.
FILTERS = {
    "all": lazy_gettext("Alle"),
    Status.MISSING: lazy_gettext("Unübersetzt"),
    Status.OUTDATED: lazy_gettext("Ungeprüft oder veraltet (fuzzy)"),
    Status.MACHINE: lazy_gettext("Maschinell übersetzt"),
    Status.HUMAN: lazy_gettext("Geprüft"),
    Status.REVIEW: lazy_gettext("Wartet auf Prüfung"),
}
STATUS_LABELS = {
    Status.HUMAN: lazy_gettext("geprüft"),
    Status.MACHINE: lazy_gettext("maschinell übersetzt"),
    Status.OUTDATED: lazy_gettext("ungeprüft oder veraltet"),
    Status.MISSING: lazy_gettext("unübersetzt"),
    Status.REVIEW: lazy_gettext("wartet auf Prüfung"),
}
PER_PAGE = 50
MAX_QUERY = 200


def get_store() -> Store:
    """The store of the app's translations folder."""
    return current_app.extensions["workbench"]["store"]


def reviewed_entries(locale: str) -> list[CatalogEntry]:
    """A locale's entries, those with a proposal waiting marked REVIEW (their strings stay the reviewed ones)."""
    proposals = review.waiting(db.get_db(), locale)
    return [waiting(e) if e.key in proposals else e for e in get_store().entries(locale)]


#: The source filter's value for entries of no page: the interface of the site and of the workbench.
INTERFACE = "ui"


def sources_of(entry: CatalogEntry) -> set[str]:
    """The content files (stems of content/*.md) an entry comes from; empty for interface texts."""
    return {PurePosixPath(f).stem for f, _ in entry.locations if f.startswith("content/")}


def failing_checks(locale: str) -> dict[str, tuple[str, ...]]:
    """The ids of the checks each entry of a locale fails, by entry key (entries failing none are left out)."""
    store = get_store()
    return badges.failing(store.directory, locale, store.entries(locale))


def check_filter(args) -> str:
    """The check filter of a list's query: the id of a check the list shows, or "" for none."""
    value = args.get("check", "")
    return value if value in {c.id for c in badges.list_checks()} else ""


def filtered(locale: str, state: str, query: str, source: str = "", check: str = ""
             ) -> tuple[list[CatalogEntry], list[CatalogEntry]]:
    """A locale's entries with a status (or all), from a page or the interface (or all), failing a check (or any
    or none), with a text in source, translation, comments or context; and all of them."""
    everything = reviewed_entries(locale)
    items = everything if state == "all" else [e for e in everything if e.status == state]
    if check:
        failing = failing_checks(locale)
        items = [e for e in items if check in failing.get(e.key, ())]
    if source == INTERFACE:
        items = [e for e in items if not sources_of(e)]
    elif source:
        items = [e for e in items if source in sources_of(e)]
    if query:
        needle = query.casefold()
        items = [e for e in items if needle in e.haystack]
    return items, everything


def source_options(everything: list[CatalogEntry]) -> list[tuple[str, str]]:
    """(value, label) of every content file the entries come from, labelled with its page's title where it has one."""
    pages = get_content().pages
    stems = sorted({stem for e in everything for stem in sources_of(e)})
    return [(stem, pages[stem].title if stem in pages else stem) for stem in stems]


def list_filter(args) -> tuple[str, str, str]:
    """The status filter, search text and source (page or interface) of a list's query; unknown values: none."""
    state = args.get("status", "all")
    source = args.get("source", "")
    if source != INTERFACE and not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", source or ""):
        source = ""
    return (state if state in FILTERS else "all"), (args.get("q") or "").strip()[:MAX_QUERY], source


def ui_locales() -> list[str]:
    """Languages the workbench itself can be shown in: the source and every shipped catalog."""
    i18n = get_i18n()
    return [loc for loc in i18n.shipped if i18n.has_catalog(loc)]


def target_locales() -> list[str]:
    """Locales with a catalog translators work on."""
    source = current_app.config["SOURCE_LOCALE"]
    return [loc for loc in ui_locales() if loc != source]


def target(locale: str) -> str:
    """A locale from the URL that has a catalog (else 404) and that the signed-in user may read (else 403, L6).

    Without a user, the view decides: most require a login, and the editor shows an ended session's typed text
    again with a login form (the read right is checked once the login succeeded)."""
    if locale not in target_locales():
        abort(404)
    if auth.current_user() is not None:
        auth.require_read(locale)
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



#: A workbench path to return to: printable ASCII without spaces (no CR/LF for a Location header).
LOCAL_PATH_RE = re.compile(r"^/translate/[\x21-\x5b\x5d-\x7e]*$")


def local_path(target: str | None) -> str | None:
    """A local workbench path from a form or query (``next``, ``back``), or None for anything else."""
    if target and len(target) <= 2000 and LOCAL_PATH_RE.match(target):
        return target
    return None


def safe_next(target: str | None) -> str:
    """Only local workbench paths are followed after login."""
    return local_path(target) or url_for("workbench.index")
