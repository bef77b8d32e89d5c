"""Embedded defaults of the service; each can be overridden by a FLASK_* variable."""
from __future__ import annotations

from pathlib import Path

#: The project's top-level folder (beside ``service/``).
ROOT = Path(__file__).resolve().parent.parent

#: German is the source language; the others have human catalogs.
SOURCE_LOCALE = "de"
SHIPPED_LOCALES = ["de", "en", "tr", "ar", "pl", "uk", "ro", "ru"]


def defaults(instance_path: str) -> dict:
    """Return the default configuration, with paths made absolute."""
    instance = Path(instance_path)
    return {
        "SOURCE_LOCALE": SOURCE_LOCALE,
        "SHIPPED_LOCALES": list(SHIPPED_LOCALES),
        "CONTENT_DIR": str(ROOT / "content"),
        # Flask-Babel resolves relative paths against service/: keep it absolute.
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "BABEL_DEFAULT_LOCALE": SOURCE_LOCALE,
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "AUDIO_CACHE_DIR": str(ROOT / "audio_cache"),
        "DATABASE": str(instance / "service.sqlite"),
        # Lock files of work that must happen once (catalog saves, synthesis); one host shares them.
        "LOCK_DIR": str(instance / "locks"),
        "PAGE_CACHE_SIZE": 512,
        "FEEDBACK_MAX_LENGTH": 5000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    }
