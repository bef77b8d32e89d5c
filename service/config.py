"""Every default setting of the service in one place; each can be overridden by a FLASK_* variable."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: The project's top-level folder (beside ``service/``).
ROOT = Path(__file__).resolve().parent.parent

#: German is the source language; the others have human catalogs.
SOURCE_LOCALE = "de"
SHIPPED_LOCALES = ["de", "en", "tr", "ar", "pl", "uk", "ro", "ru"]


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the default configuration, with paths made absolute."""
    instance = Path(instance_path)
    return {
        # -- languages and content
        "SOURCE_LOCALE": SOURCE_LOCALE,
        "SHIPPED_LOCALES": list(SHIPPED_LOCALES),
        "CONTENT_DIR": str(ROOT / "content"),
        # Flask-Babel resolves relative paths against service/: keep it absolute.
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "BABEL_DEFAULT_LOCALE": SOURCE_LOCALE,
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "PAGE_CACHE_SIZE": 512,
        # -- storage
        "DATABASE": str(instance / "service.sqlite"),
        # A server database for several hosts, e.g. postgresql+psycopg://user@host/herne; None: DATABASE.
        "DATABASE_URL": None,
        # Migrate to the newest schema at start; None: only the embedded SQLite (else `flask db upgrade`).
        "DATABASE_AUTO_UPGRADE": None,
        # Lock files of work that must happen once (catalog saves, synthesis); one host shares them.
        "LOCK_DIR": str(instance / "locks"),
        # -- the public address and what to trust of a request
        # Every absolute URL (sitemap, robots.txt, hreflang, language switcher) starts with this, never
        # with the request's Host: set it to the public address, e.g. https://bildung.herne.de.
        "BASE_URL": "http://127.0.0.1:8000",
        # Host headers answered (others get 400); None: BASE_URL's host and the loopback names, [] any.
        "TRUSTED_HOSTS": None,
        # Proxies in front whose X-Forwarded-For/-Proto/-Host/-Prefix count (Werkzeug's ProxyFix); 0: none.
        "PROXY_FIX": 0,
        # Redirect http to https (Flask-Talisman); only behind TLS, never for the embedded http run.
        "FORCE_HTTPS": False,
        # -- forms and sessions
        "FEEDBACK_MAX_LENGTH": 5000,
        # Stored messages of all visitors together per hour; beyond that, the forms ask to come back later.
        "FEEDBACK_HOURLY_QUOTA": 100,
        "SUGGEST_HOURLY_QUOTA": 200,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Set True whenever the service is reached over https (the cookie is then never sent in clear).
        "SESSION_COOKIE_SECURE": False,
        # A workbench session ends after this many seconds without a request, and this long after login.
        "SESSION_IDLE_TIMEOUT": 30 * 60,
        "SESSION_MAX_AGE": 12 * 60 * 60,
        # werkzeug's method string: scrypt at OWASP's parameters (N=2^17, r=8, p=1); older hashes are
        # upgraded at the next login.
        "PASSWORD_HASH_METHOD": "scrypt:131072:8:1",
        "PASSWORD_MIN_LENGTH": 12,
        # zxcvbn's score (0-4) a new password needs at least.
        "PASSWORD_MIN_SCORE": 3,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Largest .po a translator may upload (bytes).
        "WORKBENCH_UPLOAD_MAX": 1024 * 1024,
        # -- read-aloud
        "TTS_BACKENDS": {"default": "espeak"},  # locale (or "default") -> backend name
        "TTS_BACKEND_OPTIONS": {},  # backend name -> keyword arguments of its constructor
        "TTS_SPEED": 1.0,
        "AUDIO_CACHE_DIR": str(ROOT / "audio_cache"),
        "AUDIO_CACHE_MAX_BYTES": 512 * 1024 * 1024,
        "AUDIO_BITRATE": 48,  # kbit/s, mono MP3: plenty for speech
        "AUDIO_MP3_QUALITY": 5,  # lame's 0 (best, slowest) to 9
        # -- machine translation
        "MT_ENABLED": True,
        "MT_ENGINE": "argos",  # or a dotted path "package.module:Class"
        "MT_PACKAGES_DIR": None,  # None: argostranslate's own folder
        "MT_CACHE_PATH": None,  # None: mt_cache.sqlite beside DATABASE
        "MT_GLOSSARY_DIR": None,  # None: the translations folder
        "MT_LOCALES": None,  # None: every locale reachable from German
        "MT_BATCH_SIZE": 16,
        "MT_RETRY_AFTER": 60.0,
        "MT_THREADS": 0,  # 0: CTranslate2's default
    }


def resolve(config: dict[str, Any]) -> None:
    """Fill the settings whose default follows another setting, once every override is in."""
    if not config.get("MT_CACHE_PATH"):
        config["MT_CACHE_PATH"] = str(Path(config["DATABASE"]).parent / "mt_cache.sqlite")
    if not config.get("MT_GLOSSARY_DIR"):
        config["MT_GLOSSARY_DIR"] = config["BABEL_TRANSLATION_DIRECTORIES"]
    config["BASE_URL"] = str(config["BASE_URL"]).rstrip("/")
    if config.get("TRUSTED_HOSTS") is None:  # the public host, and the names a local health check uses
        host = urlsplit(config["BASE_URL"]).hostname
        config["TRUSTED_HOSTS"] = list(dict.fromkeys(h for h in (host, "localhost", "127.0.0.1") if h))
    if isinstance(config.get("TTS_BACKENDS"), str):  # FLASK_TTS_BACKENDS="espeak": one backend for all
        config["TTS_BACKENDS"] = {"default": config["TTS_BACKENDS"]}
