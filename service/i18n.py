"""Locales and catalogs: which languages exist, how a message is localized, and the `flask i18n` commands."""
from __future__ import annotations

import enum
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, Domain, get_domain
from markupsafe import Markup, escape

from . import catalogs
from .core.locales import display_name as display_name  # re-exported: the views' and templates' names
from .core.locales import normalize_locale, text_direction
from .core.revisions import RedisRevisions

log = logging.getLogger(__name__)
#: What ``text % values`` raises for a translation whose directives do not fit the values.
FORMAT_ERRORS = (KeyError, ValueError, TypeError, IndexError)
#: No locale code is longer (``zh_Hant_TW`` has 10 characters); a longer one is never served.
MAX_LOCALE_LEN = 20


class ReaderStatus(enum.StrEnum):
    """Where a text readers are shown comes from (page.html styles and explains each but HUMAN)."""

    HUMAN = "human"  # reviewed
    OUTDATED = "outdated"  # reviewed once, for an older source
    MACHINE = "machine"  # reviewed by nobody
    PENDING = "pending"  # German while machine translation is in progress
    SOURCE = "source"  # German: no translation (or one that cannot be formatted)


@dataclass(frozen=True)
class Localized:
    """A message in some language, with the language it is really in and where it came from."""

    text: str
    lang: str
    status: ReaderStatus


class I18n:
    """The catalogs of every locale, reloaded when a catalog changes.

    Embedded, a change is seen in the catalog files' versions (time and size); with ``revisions`` (several servers,
    REDIS_URL), in the locale's revision token, which every writer bumps through ``announce``.
    """

    def __init__(self, app: Flask, revisions: RedisRevisions | None = None):
        """Serve the catalogs of the app's translations folder; ``revisions`` replaces the files' versions."""
        self.revisions = revisions
        self.directory = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
        self.source = app.config["SOURCE_LOCALE"]
        self.shipped = list(app.config["SHIPPED_LOCALES"])
        self.domains = ["messages", "speech", "lexicon"]
        #: Called as fallback(msgid, locale) when a catalog has no reviewed entry; first answer wins.
        self.fallbacks: list[Callable[[str, str], Localized | None]] = []
        #: Each returns further locale codes that can be served (e.g. reachable by MT).
        self.locale_providers: list[Callable[[], Iterable[str]]] = []
        #: Each returns a token folded into a locale's revision (page cache key, ETag).
        self.revision_providers: list[Callable[[str], str]] = []
        #: Called with a locale after its catalog changed on disk.
        self.change_listeners: list[Callable[[str], None]] = []
        #: Called with a locale after this process wrote its catalog (announce): once per change, where it
        #: was made. A failing listener is logged; the catalog stays written.
        self.write_listeners: list[Callable[[str], None]] = []
        self._lock = threading.Lock()
        self._mo: dict[tuple[str, str], tuple[tuple, NullTranslations]] = {}
        self._po: dict[tuple[str, str], tuple[tuple, dict]] = {}
        self._seen: dict[str, tuple] = {}
        self._path_cache: dict[tuple[str, str], tuple[str, str]] = {}

    # -- files and revisions -------------------------------------------------
    @staticmethod
    def _file_version(path: str | Path) -> tuple:
        """What identifies one version of a file (missing files too)."""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)

    def _paths(self, locale: str, domain: str) -> tuple[str, str]:
        """The .po and .mo paths of a catalog, as strings (checked on every request: keep it cheap)."""
        key = (locale, domain)
        if key not in self._path_cache:
            po = catalogs.po_path(self.directory, locale, domain)
            self._path_cache[key] = (str(po), str(po.with_suffix(".mo")))
        return self._path_cache[key]

    def catalog_version(self, locale: str, domain: str = "messages") -> tuple:
        """The version of a locale's catalog: its revision token, else the versions of its .po and .mo files."""
        if self.revisions is not None:
            return ("rev", self.revisions.token(locale))
        po, mo = self._paths(locale, domain)
        return self._file_version(po) + self._file_version(mo)

    def announce(self, locale: str) -> None:
        """Say that a locale's catalog was written: every server reloads it (embedded, the files say so);
        then tell the write listeners."""
        if self.revisions is not None:
            self.revisions.bump(locale)
        for listener in self.write_listeners:
            try:
                listener(locale)
            except Exception:  # noqa: BLE001 (what follows a change never undoes it)
                log.exception("after the change of the %s catalog, %r failed", locale, listener)

    def versions(self, locale: str) -> tuple:
        """The versions of all of a locale's catalogs, read once per request (each read is a stat)."""
        if not has_request_context():
            return tuple(self.catalog_version(locale, d) for d in self.domains)
        memo = g.setdefault("_i18n_versions", {})
        if locale not in memo:
            memo[locale] = tuple(self.catalog_version(locale, d) for d in self.domains)
        return memo[locale]

    def revision(self, locale: str) -> str:
        """A short token that changes whenever what a locale shows may change."""
        parts = [repr(self.versions(locale))]
        parts += [provider(locale) for provider in self.revision_providers]
        return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]

    def refresh(self, locale: str) -> None:
        """Forget cached catalogs of a locale that changed on disk, in this process."""
        version = self.versions(locale)
        if self._seen.get(locale) == version:
            return
        first = locale not in self._seen
        self._seen[locale] = version
        if not first:
            get_domain().cache.clear()  # Flask-Babel never drops its own cache
            for listener in self.change_listeners:
                listener(locale)

    # -- catalogs -------------------------------------------------------------
    def translations(self, locale: str, domain: str = "messages") -> NullTranslations:
        """The compiled catalog of a locale (empty if there is none)."""
        version = self.catalog_version(locale, domain)
        cached = self._mo.get((locale, domain))
        if cached and cached[0] == version:
            return cached[1]
        with self._lock:
            loaded = Translations.load(str(self.directory), [locale], domain)
            self._mo[(locale, domain)] = (version, loaded)
        return loaded

    def po_messages(self, locale: str, domain: str = "messages") -> dict:
        """The messages of a locale's .po by msgid (for statuses: fuzzy, machine)."""
        path = Path(self._paths(locale, domain)[0])
        version = self._file_version(path) if self.revisions is None else self.catalog_version(locale, domain)
        cached = self._po.get((locale, domain))
        if cached and cached[0] == version:
            return cached[1]
        try:
            catalog = catalogs.load_po(path, locale)
            table = {m.id: m for m in catalog if m.id}
        except (FileNotFoundError, catalogs.CatalogError):
            table = {}
        self._po[(locale, domain)] = (version, table)
        return table

    # -- locales --------------------------------------------------------------
    def has_catalog(self, locale: str) -> bool:
        """Tell whether a human catalog ships for this locale."""
        return locale == self.source or os.path.exists(self._paths(locale, "messages")[0])

    def serves(self, locale: str) -> bool:
        """Tell whether one locale can be served (cheaper than listing them all). A code longer than any
        locale's (a URL segment, a form field) is refused without asking the providers."""
        if len(locale) > MAX_LOCALE_LEN:
            return False
        if locale in self.shipped and self.has_catalog(locale):
            return True
        return any(locale in provider() for provider in self.locale_providers)

    def available_locales(self) -> list[str]:
        """Every locale that can be served: shipped catalogs first, then MT-reachable ones."""
        result = [loc for loc in self.shipped if self.has_catalog(loc)]
        for provider in self.locale_providers:
            for loc in provider():
                if loc not in result:
                    result.append(loc)
        return result

    # -- lookup ---------------------------------------------------------------
    def localize(self, msgid: str, locale: str) -> Localized:
        """A message in a locale: reviewed entry, else outdated or machine entry, else fallbacks, else German."""
        if locale == self.source or not msgid:
            return Localized(msgid, self.source, ReaderStatus.HUMAN)
        text = self.translations(locale).ugettext(msgid)
        if text != msgid:
            return Localized(text, locale, ReaderStatus.HUMAN)
        entry = self.po_messages(locale).get(msgid)
        if entry is not None:  # none: missing
            state = catalogs.status_of(entry)
            if state == catalogs.TranslationStatus.MACHINE and isinstance(entry.string, str):
                return Localized(entry.string, locale, ReaderStatus.MACHINE)
            if state == catalogs.TranslationStatus.OUTDATED and isinstance(entry.string, str) \
                    and catalogs.close_to_previous(entry):
                return Localized(entry.string, locale, ReaderStatus.OUTDATED)
            if state == catalogs.TranslationStatus.HUMAN:  # catalog saved but not compiled yet: still reviewed
                return Localized(entry.string if isinstance(entry.string, str) else msgid, locale, ReaderStatus.HUMAN)
        for fallback in self.fallbacks:
            answer = fallback(msgid, locale)
            if answer is not None:
                return answer
        return Localized(msgid, self.source, ReaderStatus.SOURCE)

    def localize_plural(self, singular: str, plural: str, n: int, locale: str) -> Localized:
        """A counted message in a locale: the catalog's plural form for ``n``, else German."""
        german = singular if n == 1 else plural
        if locale == self.source:
            return Localized(german, self.source, ReaderStatus.HUMAN)
        text = self.translations(locale).ungettext(singular, plural, n)
        if text in (singular, plural):
            return Localized(german, self.source, ReaderStatus.SOURCE)
        return Localized(text, locale, ReaderStatus.HUMAN)

    def speech(self, msgid: str, locale: str) -> str | None:
        """The text to speak for a message where the speech catalog gives one."""
        text = self.translations(locale, "speech").ugettext(msgid)
        return text if text != msgid else None

    def lexicon(self, locale: str) -> dict[str, str]:
        """Shown term -> how to say it, for every term a locale's lexicon catalog respells (forms over the bound,
        from a catalog edited by hand, are left out)."""
        catalog = getattr(self.translations(locale, "lexicon"), "_catalog", {})
        return {k: v for k, v in catalog.items() if isinstance(k, str) and k and isinstance(v, str) and v and v != k
                and len(v) <= catalogs.checks.MAX_SPOKEN}


def formatting_locale(locale: str) -> str:
    """The Babel locale that formats numbers and dates of a locale (FORMAT_LOCALES: 'en' as British English)."""
    if has_app_context():
        return current_app.config.get("FORMAT_LOCALES", {}).get(locale, locale)
    return locale


def get_i18n() -> I18n:
    """The I18n of the current app."""
    return current_app.extensions["i18n"]


def best_locale() -> str:
    """The visitor's preferred served locale from Accept-Language (q-values honoured), else German."""
    available = get_i18n().available_locales()
    try:
        offered = sorted(request.accept_languages, key=lambda item: -item[1])
    except Exception:  # a header werkzeug cannot even parse counts as no header
        offered = []
    for tag, quality in offered:
        code = normalize_locale(tag)
        if quality > 0 and code in available:
            return code
    return current_app.config["SOURCE_LOCALE"]


def url_locale() -> str | None:
    """The served locale the URL's first segment names, if any (``/ar/...``: ar)."""
    segment = request.path.lstrip("/").split("/", 1)[0]
    return segment if get_i18n().serves(segment) else None


def current_locale() -> str:
    """The locale of this request: from its URL, else from Accept-Language; the source locale outside one.

    Views set it from their URL; an error raised before any view ran (an unknown path or method under
    ``/ar/``) still speaks the URL's language.
    """
    if not has_request_context():
        return current_app.config["SOURCE_LOCALE"]
    if not g.get("locale"):
        g.locale = url_locale() or best_locale()
        get_i18n().refresh(g.locale)
    return g.locale


def broken_translation(source: str, locale: str, error: Exception) -> None:
    """Log a translation that cannot be formatted (the German source is shown instead)."""
    log.error("the %s translation of %r cannot be formatted (%s: %s): showing the German source",
              locale, source[:80], type(error).__name__, error)


T = TypeVar("T")


def localized_or_source(fill: Callable[[Localized], T], found: Localized, source: str, locale: str) -> T:
    """``fill(found)``: a message formatted in the language it was found in; when the translation cannot be formatted
    (a lone %, an unknown name), the error is logged and the German ``source`` is filled instead, so that a
    translator's slip never breaks a page. The one place templates, views and content blocks fall back."""
    german = current_app.config["SOURCE_LOCALE"] if current_app else "de"
    try:
        return fill(found)
    except FORMAT_ERRORS as exc:
        if found.lang == german:  # the source itself does not fit its values: a bug to see, not to hide
            raise
        broken_translation(source, locale, exc)
        return fill(Localized(source, german, ReaderStatus.SOURCE))


def mark_language(html: Markup, lang: str, locale: str) -> Markup:
    """HTML in ``lang`` inside a page in ``locale``: marked with its language where they differ."""
    return Markup('<span lang="{}">{}</span>').format(lang, html) if lang != locale else html


class SafeDomain(Domain):
    """Flask-Babel's domain, but a translation that cannot be formatted gives its German source, never a 500."""

    def _format(self, text: str, source: str, variables: dict) -> str:
        """``text % variables``, or the German source (marked) when the translation does not fit."""
        if not variables:
            return text
        locale = str(current_locale())

        def fill(found: Localized) -> str:
            """The text as is in the page's language, else marked with its own."""
            if found.lang == locale:
                return found.text % variables
            return mark_language(escape(found.text) % variables, found.lang, locale)

        return localized_or_source(fill, Localized(text, locale, ReaderStatus.HUMAN), source, locale)

    def gettext(self, string: str, **variables) -> str:
        """A translated message, formatted."""
        return self._format(self.get_translations().ugettext(string), string, variables)

    def ngettext(self, singular: str, plural: str, num: int, **variables) -> str:
        """A translated plural message, formatted (``num`` is available as a value)."""
        variables.setdefault("num", num)
        text = self.get_translations().ungettext(singular, plural, num)
        return self._format(text, singular if num == 1 else plural, variables)

    def pgettext(self, context: str, string: str, **variables) -> str:
        """A translated message with a context, formatted."""
        return self._format(self.get_translations().upgettext(context, string), string, variables)

    def npgettext(self, context: str, singular: str, plural: str, num: int, **variables) -> str:
        """A translated plural message with a context, formatted."""
        variables.setdefault("num", num)
        text = self.get_translations().unpgettext(context, singular, plural, num)
        return self._format(text, singular if num == 1 else plural, variables)


class SafeBabel(Babel):
    """Flask-Babel whose gettext functions format through SafeDomain."""

    @property
    def domain_instance(self) -> SafeDomain:
        """One SafeDomain per Babel object (Flask-Babel's own is a Domain)."""
        if not hasattr(self, "_safe_domain"):
            self._safe_domain = SafeDomain(domain=self.domain)
        return self._safe_domain


def init_app(app: Flask, revisions: RedisRevisions | None) -> I18n:
    """Set up Flask-Babel, the catalogs (revisions from Redis when ``revisions`` is given) and template helpers."""
    i18n = I18n(app, revisions)
    app.extensions["i18n"] = i18n
    SafeBabel(app, locale_selector=current_locale)
    # The gettext functions of templates and format_number are the layer above's (service/ui_text.py,
    # service/formats.py): create_app registers them.
    app.jinja_env.globals.update(display_name=display_name, text_direction=text_direction)

    @app.before_request
    def _refresh_catalogs() -> None:
        # Only the locale this request shows: a change elsewhere is picked up by that locale's next request.
        if g.get("locale"):
            i18n.refresh(g.locale)

    return i18n
