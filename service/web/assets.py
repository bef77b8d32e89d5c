"""Files browsers ask for at fixed addresses: /favicon.ico."""
from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, current_app, send_from_directory

bp = Blueprint("assets", __name__)
#: A day: the icon may change with a redesign, and it is requested without a version in its URL.
ICON_MAX_AGE = 86400


@bp.route("/favicon.ico", strict_slashes=True)
def favicon() -> Response:
    """The site's icon (the pages also link the SVG version)."""
    if current_app.static_folder is None:  # an app made without static files
        abort(404)
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=ICON_MAX_AGE)


def init_app(app: Flask) -> None:
    """Register /favicon.ico."""
    app.register_blueprint(bp)
