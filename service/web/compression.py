"""Compression of text responses (HTML, CSS, JS, JSON, WebVTT, XML, SVG) with Flask-Compress; never audio."""
from __future__ import annotations

from flask import Flask, Response, current_app
from flask_compress import Compress


def _compress(response: Response) -> Response:
    """Compress a whole text response; a byte range stays as it is (its bytes are those of the file)."""
    if response.status_code == 206 or "Content-Range" in response.headers:
        return response
    return current_app.extensions["compress"].after_request(response)


def init_app(app: Flask) -> None:
    """Compress what the COMPRESS_* settings name (service/config.py): brotli or gzip, as the browser asks."""
    compress = Compress()
    compress.init_app(app)
    app.extensions["compress"] = compress
    app.after_request(_compress)
