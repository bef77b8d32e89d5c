"""The translator workbench: accounts, catalog editing with safe saves, upload, audit log and readers' suggestions."""
from __future__ import annotations

from flask import Flask

from . import suggestions
from .store import Store


def init_app(app: Flask) -> None:
    """Create the catalog store, the /translate pages and the public suggestion form (tables: service.db)."""
    from .views import bp

    suggestions.init_app(app)
    app.extensions["workbench"] = {"store": Store(app.config["BABEL_TRANSLATION_DIRECTORIES"])}
    app.register_blueprint(bp)
