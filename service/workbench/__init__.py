"""The workbench: accounts, catalog editing with safe saves, upload, audit log, readers' suggestions, feedback inbox."""
from __future__ import annotations

from flask import Flask

from . import inbox_views, journal, lexicon, suggestions  # noqa: F401  (they add their pages to the workbench blueprint)
from .store import Store
from .views import bp


def init_app(app: Flask) -> None:
    """Create the catalog store (under the app's locks), the /translate pages and the public suggestion form;
    finish or undo what killed saves left."""
    suggestions.init_app(app)
    app.extensions["workbench"] = {
        "store": Store(app.config["BABEL_TRANSLATION_DIRECTORIES"], locks=app.extensions["locks"],
                       on_change=app.extensions["i18n"].announce),
        "lexicon": Store(app.config["BABEL_TRANSLATION_DIRECTORIES"], domain="lexicon", locks=app.extensions["locks"],
                         on_change=app.extensions["i18n"].announce),
        "speech": Store(app.config["BABEL_TRANSLATION_DIRECTORIES"], domain="speech", locks=app.extensions["locks"],
                        on_change=app.extensions["i18n"].announce),
    }
    app.register_blueprint(bp)
    journal.init_app(app)
