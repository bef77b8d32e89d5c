"""Machine translation as a fallback of i18n: the MT service built from config and hooked into the I18n object.

``init_app`` builds the engine and MTService (``service.mt``) from MT_* settings, with the app's
locks; ``attach`` (called by create_app) registers on the i18n object: a fallback (a message missing from a
catalog is answered from the MT cache, or queued and answered in German as "pending"), a
locale provider (locales reachable by an installed model are served) and a revision provider
(a finished background translation changes the page cache key). It also gives templates
``mt_failure(locale)``. Without argostranslate or without models, MT is simply unavailable.
"""
from __future__ import annotations

import atexit
import importlib
import logging

from flask import Flask, current_app

from .core.locks import Locks
from .i18n import I18n, Localized, ReaderStatus
from .mt import ArgosEngine, Engine, MTService, MTStatus, TranslationCache

log = logging.getLogger(__name__)


def make_engine(app: Flask) -> Engine:
    """The engine named by MT_ENGINE ('argos', or a dotted path 'pkg.module:Class' called with the app)."""
    name = app.config["MT_ENGINE"]
    if name == "argos":
        return ArgosEngine(app.config["MT_PACKAGES_DIR"], threads=app.config["MT_THREADS"])
    module, _, cls = name.partition(":")
    return getattr(importlib.import_module(module), cls)(app)


def get_mt() -> MTService | None:
    """The MT service of the current app (None when MT is switched off)."""
    return current_app.extensions.get("mt")


def attach(app: Flask, i18n: I18n, service: MTService) -> None:
    """Make machine translation a fallback of ``i18n``: fallback, locale and revision providers."""
    allowed = app.config["MT_LOCALES"]
    source = app.config["SOURCE_LOCALE"]

    def offered() -> list[str]:
        """MT-reachable locales (optionally restricted by MT_LOCALES)."""
        return [loc for loc in service.locales() if allowed is None or loc in allowed]

    def fallback(msgid: str, locale: str) -> Localized | None:
        """A machine translation, or German marked pending while the worker translates."""
        if locale == source or not msgid.strip() or locale not in offered():
            return None
        try:
            result = service.lookup([msgid], locale)[msgid]
        except Exception as exc:  # MT never breaks a page
            log.error("MT look-up failed: %s", exc)
            return None
        if result.status == MTStatus.MACHINE:
            return Localized(result.text, locale, ReaderStatus.MACHINE)
        if result.status in (MTStatus.PENDING, MTStatus.FAILED):
            return Localized(msgid, source, ReaderStatus.PENDING)
        return None  # rejected: German, as a plain source fallback

    def revision(locale: str) -> str:
        """Changes when the cache of a locale grows or its model starts or stops failing."""
        if locale == source or locale not in offered():
            return ""
        try:
            return service.revision(locale)
        except Exception as exc:
            log.error("MT revision failed: %s", exc)
            return "err"

    i18n.fallbacks.append(fallback)
    i18n.locale_providers.append(offered)
    i18n.revision_providers.append(revision)


def init_app(app: Flask, locks: Locks) -> MTService | None:
    """Create the MT service from config (None when MT_ENABLED is off) and the template helper `mt_failure`;
    create_app hands it to ``attach`` to make it a fallback of the i18n object."""

    @app.context_processor
    def _mt_helpers() -> dict:
        """`mt_failure(locale)`: the model error that keeps a page German, for the notice."""

        def mt_failure(locale: str) -> str | None:
            """The recent model error of a locale, or None."""
            service = app.extensions.get("mt")
            return service.failure(locale) if service else None

        return {"mt_failure": mt_failure}

    if not app.config["MT_ENABLED"]:
        return None
    service = MTService(
        make_engine(app),
        TranslationCache(app.config["MT_CACHE_PATH"]),
        source_locale=app.config["SOURCE_LOCALE"],
        glossary_dir=app.config["MT_GLOSSARY_DIR"],
        batch_size=app.config["MT_BATCH_SIZE"],
        retry_after=app.config["MT_RETRY_AFTER"],
        locks=locks,
    )
    app.extensions["mt"] = service
    atexit.register(service.shutdown)
    return service
