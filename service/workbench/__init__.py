"""The workbench: accounts, catalog editing with safe saves, upload, audit log, readers' suggestions, feedback inbox."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from .. import mail, maintenance
from ..clock import now
from ..core.locks import Locks
from . import digest, inbox_views, journal, lexicon  # noqa: F401  (they add their pages to the blueprint)
from .store import Store
from .views import bp, get_store, target_locales, ui_locales


def init_app(app: Flask, locks: Locks, on_change: Callable[[str], None]) -> None:
    """Create the catalog stores (saves under ``locks``; ``on_change(locale)`` after each) and the /translate pages;
    finish or undo what killed saves left."""
    app.extensions["workbench"] = {
        "store": Store(app.config["BABEL_TRANSLATION_DIRECTORIES"], locks=locks, on_change=on_change),
        "lexicon": Store(app.config["BABEL_TRANSLATION_DIRECTORIES"], domain="lexicon", locks=locks,
                         on_change=on_change),
        "speech": Store(app.config["BABEL_TRANSLATION_DIRECTORIES"], domain="speech", locks=locks,
                        on_change=on_change),
    }
    app.register_blueprint(bp)
    journal.init_app(app, locks)
    maintenance.add_task(app, _digest_when_due)


def send_digest(app: Flask, dry_run: bool = False) -> digest.Run:
    """Today's digest to the translators of every locale, unless it went out today (or, dry, what it would say)."""
    with app.app_context():
        return digest.send(app.extensions["db"], app.config, now(app), target_locales(), get_store().entries,
                           ui_locales(), dry_run=dry_run)


def _digest_when_due(app: Flask) -> None:
    """The background thread's part: today's digest once DIGEST_HOUR has come (with e-mail configured)."""
    if mail.enabled(app.config) and digest.due(app.config, now(app)):
        send_digest(app)
