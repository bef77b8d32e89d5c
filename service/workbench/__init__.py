"""The workbench: accounts, catalog editing with safe saves, upload, audit log, readers' suggestions, feedback inbox."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from ..core.locks import Locks
from . import inbox_views, journal, lexicon  # noqa: F401  (they add their pages to the workbench blueprint)
from .store import Store
from .views import bp


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
