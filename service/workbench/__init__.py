"""The translator workbench: accounts, catalog editing with safe saves, upload, audit log and readers' suggestions."""
from __future__ import annotations

from flask import Flask

from . import journal, suggestions
from .store import Store
from .views import bp


def init_app(app: Flask) -> None:
    """Create the catalog store (under the app's locks), the /translate pages and the public suggestion form;
    finish or undo what killed saves left."""
    suggestions.init_app(app)
    app.extensions["workbench"] = {
        "store": Store(app.config["BABEL_TRANSLATION_DIRECTORIES"], locks=app.extensions["locks"]),
    }
    app.register_blueprint(bp)
    journal.init_app(app)
