"""The translator workbench: accounts, catalog editing with safe saves, upload, audit log and readers' suggestions."""
from __future__ import annotations

from flask import Flask

from . import audit, auth, suggestions
from .store import Store


def init_app(app: Flask) -> None:
    """Create the tables, the catalog store, the /translate pages, the public suggestion form and `flask users`."""
    from .views import bp

    auth.init_app(app)
    audit.init_app(app)
    suggestions.init_app(app)
    app.extensions["workbench"] = {"store": Store(app.config["BABEL_TRANSLATION_DIRECTORIES"])}
    app.register_blueprint(bp)
