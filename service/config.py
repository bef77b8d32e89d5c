"""Every default setting of the service in one place; each can be overridden by a FLASK_* variable."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: The project's top-level folder (beside ``service/``).
ROOT = Path(__file__).resolve().parent.parent

#: German is the source language; the others have human catalogs.
SOURCE_LOCALE = "de"
SHIPPED_LOCALES = ["de", "en", "tr", "ar", "pl", "uk", "ro", "ru"]


def instance_path() -> str | None:
    """The instance folder from FLASK_INSTANCE_PATH (one per app server), else Flask's default beside the package."""
    return os.environ.get("FLASK_INSTANCE_PATH") or None


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the default configuration, with paths made absolute."""
    instance = Path(instance_path)
    return {
        # -- languages and content
        "SOURCE_LOCALE": SOURCE_LOCALE,
        "SHIPPED_LOCALES": list(SHIPPED_LOCALES),
        "CONTENT_DIR": str(ROOT / "content"),
        # Flask-Babel resolves relative paths against service/: kept absolute. None: DATA_DIR/translations
        # when DATA_DIR is set, else the checkout's translations/ (see resolve).
        "BABEL_TRANSLATION_DIRECTORIES": None,
        "BABEL_DEFAULT_LOCALE": SOURCE_LOCALE,
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "PAGE_CACHE_SIZE": 512,
        # Seconds a shared cache (nginx in front) may serve a public page or audio answer without asking,
        # then while it asks again: a translator's fix is at the edge within their sum (browsers always ask).
        "PAGE_SHARED_MAX_AGE": 2,
        "PAGE_STALE_WHILE_REVALIDATE": 1,
        # -- storage
        "DATABASE": str(instance / "service.sqlite"),
        # A server database for several hosts, e.g. postgresql+psycopg://user@host/herne; None: DATABASE.
        "DATABASE_URL": None,
        # Migrate to the newest schema at start; None: only the embedded SQLite (else `flask db upgrade`).
        "DATABASE_AUTO_UPGRADE": None,
        # Lock files of work that must happen once (catalog saves, synthesis); one host shares them.
        "LOCK_DIR": str(instance / "locks"),
        # -- several app servers (see README "Running on several machines"); None: the embedded default
        # Redis, e.g. redis://10.0.0.5:6379/0: locks across hosts, the catalog revision signal, RQ jobs.
        "REDIS_URL": None,
        # A volume every server mounts: live catalogs (seeded from translations/ on first start), audio cache,
        # MT cache, the shared secret key.
        "DATA_DIR": None,
        # Seconds a Redis lock lives without renewal (a holder renews it every third of that while alive).
        "LOCK_TTL": 10.0,
        # Seconds a server trusts the catalog revision it last read from Redis (changes are live after this).
        "REVISION_TTL": 0.5,
        # RQ: seconds one job may run, how often a failed or abandoned job is tried again.
        "JOB_TIMEOUT": 600,
        "JOB_RETRIES": 3,
        # Seconds a visitor's request waits for a worker to synthesize cold audio before answering 503.
        "AUDIO_JOB_WAIT": 60.0,
        # -- forms and sessions
        "FEEDBACK_MAX_LENGTH": 5000,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Largest .po a translator may upload (bytes).
        "WORKBENCH_UPLOAD_MAX": 1024 * 1024,
        # -- read-aloud
        "TTS_BACKENDS": {"default": "espeak"},  # locale (or "default") -> backend name
        "TTS_BACKEND_OPTIONS": {},  # backend name -> keyword arguments of its constructor
        "TTS_SPEED": 1.0,
        "AUDIO_CACHE_DIR": None,  # None: DATA_DIR/audio_cache, else audio_cache/ in the checkout
        "AUDIO_CACHE_MAX_BYTES": 512 * 1024 * 1024,
        "AUDIO_BITRATE": 48,  # kbit/s, mono MP3: plenty for speech
        "AUDIO_MP3_QUALITY": 5,  # lame's 0 (best, slowest) to 9
        # nginx sends the audio files: the internal location of deploy/nginx (e.g. "/_audio/"); None: the app does.
        "AUDIO_X_ACCEL_PREFIX": None,
        # -- machine translation
        "MT_ENABLED": True,
        "MT_ENGINE": "argos",  # or a dotted path "package.module:Class"
        "MT_PACKAGES_DIR": None,  # None: argostranslate's own folder
        "MT_CACHE_PATH": None,  # None: mt_cache.sqlite in DATA_DIR, else beside DATABASE
        "MT_GLOSSARY_DIR": None,  # None: the translations folder
        "MT_LOCALES": None,  # None: every locale reachable from German
        "MT_BATCH_SIZE": 16,
        "MT_RETRY_AFTER": 60.0,
        "MT_THREADS": 0,  # 0: CTranslate2's default
    }


def resolve(config: dict[str, Any]) -> None:
    """Fill the settings whose default follows another setting, once every override is in."""
    data = Path(config["DATA_DIR"]).resolve() if config.get("DATA_DIR") else None
    if data is not None:
        config["DATA_DIR"] = str(data)
    if not config.get("BABEL_TRANSLATION_DIRECTORIES"):
        config["BABEL_TRANSLATION_DIRECTORIES"] = str(data / "translations" if data else ROOT / "translations")
    if not config.get("AUDIO_CACHE_DIR"):
        config["AUDIO_CACHE_DIR"] = str(data / "audio_cache" if data else ROOT / "audio_cache")
    if not config.get("MT_CACHE_PATH"):
        folder = data if data else Path(config["DATABASE"]).parent
        config["MT_CACHE_PATH"] = str(folder / "mt_cache.sqlite")
    if not config.get("MT_GLOSSARY_DIR"):
        config["MT_GLOSSARY_DIR"] = config["BABEL_TRANSLATION_DIRECTORIES"]
    if isinstance(config.get("TTS_BACKENDS"), str):  # FLASK_TTS_BACKENDS="espeak": one backend for all
        config["TTS_BACKENDS"] = {"default": config["TTS_BACKENDS"]}
