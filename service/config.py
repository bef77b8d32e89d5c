"""Every default setting of the service in one place; each can be overridden by a FLASK_* variable."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
        # Final answers of public pages kept before Flask (pagecache.PageFront), per page, host and the
        # browser's Accept-Encoding (compressed once, not on every request); 0 turns the front off.
        "PAGE_FRONT_SIZE": 2048,
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
        # The pages nginx sends for its own errors (`flask error-pages DIR`, deploy/). None: DATA_DIR/error-pages
        # when DATA_DIR is set. Where that folder exists, a catalog change writes the locale's pages again.
        "ERROR_PAGES_DIR": None,
        # Seconds a Redis lock lives without renewal (a holder renews it every third of that while alive).
        "LOCK_TTL": 10.0,
        # Seconds a server trusts the catalog revision it last read from Redis (changes are live after this).
        "REVISION_TTL": 0.5,
        # RQ: seconds one job may run, how often a failed or abandoned job is tried again.
        "JOB_TIMEOUT": 600,
        "JOB_RETRIES": 3,
        # Seconds a visitor's request waits for a worker to synthesize cold audio before answering 503.
        "AUDIO_JOB_WAIT": 60.0,
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
        # locale (or "default") -> "espeak", "<backend>:<voice>" (piper:, mbrola:de6, rhvoice:magda) or "auto":
        # per locale the best voice installed here (MBROLA, RHVoice, Piper; docs/voices.md), else espeak-ng.
        "TTS_BACKENDS": {"default": "auto"},
        "TTS_BACKEND_OPTIONS": {},  # backend name -> keyword arguments of its constructor
        "TTS_SPEED": 1.0,
        # Piper voices (NAME.onnx + NAME.onnx.json) managed by `flask voices`; chosen per locale as
        # TTS_BACKENDS {"de": "piper:de_DE-thorsten-medium"}. Voices of installed *-piper-voice packages count too.
        "VOICES_DIR": str(instance / "voices"),
        "PIPER_MAX_VOICES": 3,  # Piper voices kept loaded per process (a medium voice costs about 265 MB)
        "PIPER_THREADS": 1,  # onnxruntime threads per synthesis (0: one per core); processes share the cores
        # When a page's first audio is asked for, synthesize the rest of the page in one background thread.
        "AUDIO_WARM": True,
        "AUDIO_WARM_QUEUE": 64,  # audio ids waiting to be warmed at most, per process
        "AUDIO_CACHE_DIR": None,  # None: DATA_DIR/audio_cache, else audio_cache/ in the checkout
        "AUDIO_CACHE_MAX_BYTES": 512 * 1024 * 1024,
        "AUDIO_BITRATE": 48,  # kbit/s, mono MP3: plenty for speech
        "AUDIO_MP3_QUALITY": 5,  # lame's 0 (best, slowest) to 9
        # nginx sends the audio files: the internal location of deploy/nginx (e.g. "/_audio/"); None: the app does.
        "AUDIO_X_ACCEL_PREFIX": None,
        # -- compression of text responses (Flask-Compress); MP3 is never compressed (it would only grow)
        "COMPRESS_REGISTER": False,  # service/web/compression.py registers its own hook (it skips byte ranges)
        "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                               "application/json", "text/vtt", "application/xml", "text/xml", "image/svg+xml",
                               "text/plain"],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],  # files sent from disk (CSS, JS, timings)
        "COMPRESS_BR_LEVEL": 5,
        "COMPRESS_MIN_SIZE": 500,
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
        # -- the operator: who runs the site (rendered into the legal pages in every locale)
        # None: not set yet; the pages show a marked placeholder and production start-up warns.
        # Override one field with e.g. FLASK_OPERATOR__controller_name="Stadt Herne".
        "OPERATOR": {
            "controller_name": None,  # the public body responsible (Verantwortlicher)
            "controller_address": None,  # postal address, one line
            "controller_email": None,
            "controller_phone": None,
            "dpo_name": None,  # data protection officer (Datenschutzbeauftragte)
            "dpo_address": None,
            "dpo_email": None,
            "accessibility_email": None,  # the accessibility contact of the statement
            "accessibility_phone": None,
            "responsible_office": None,  # the office that answers for the pages (Fachbereich)
            "hosting_provider": None,  # who runs the server (a recipient under GDPR Art. 13)
            "site_url": None,  # canonical address of the site, e.g. https://bildung.herne.de
            "statement_prepared": None,  # ISO date the accessibility statement was prepared
            "statement_reviewed": None,  # ISO date it was last reviewed
            # NRW's enforcement body for accessibility and the data protection authority: real defaults.
            "enforcement_name": "Ombudsstelle für barrierefreie Informationstechnik des Landes Nordrhein-Westfalen",
            "enforcement_email": "ombudsstelle-barrierefreie-it@mags.nrw.de",
            "enforcement_url": "https://www.lbbp.nrw.de/ombudsstelle",
            "authority_name": "Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen (LDI NRW)",
            "authority_address": "Kavalleriestraße 2-4, 40213 Düsseldorf",
            "authority_email": "poststelle@ldi.nrw.de",
            "authority_url": "https://www.ldi.nrw.de",
        },
        # -- retention of personal data, in days (stated on the privacy page; `flask privacy purge`)
        "RETENTION": {
            "feedback": 365,  # feedback and its handling notes, after handling (unhandled: after receipt)
            "suggestions": 180,  # readers' suggestions, after they are handled
            "audit": 730,  # the workbench audit log
            "accounts": 90,  # workbench accounts, after they are removed
            "mail": 30,  # notification e-mails in the outbox, after they are sent
            "server_logs": 7,  # stated only: the web server's log rotation keeps to it, not this service
        },
        # Rate-limit records are kept at most this long (seconds); every limit's window is shorter.
        "RATE_LIMIT_RETENTION": 3600,
        # The service purges by itself: a background thread per process checks every
        # BACKGROUND_INTERVAL seconds, and one process purges when the last purge is this old.
        "PURGE_EVERY": 86400,
        # -- background work (mail outbox, purges): None: on, except under TESTING
        "BACKGROUND_TASKS": None,
        "BACKGROUND_INTERVAL": 60.0,
        # -- e-mail notifications (off while MAIL_HOST is None); messages are stored first, sent from an outbox
        "MAIL_HOST": None,
        "MAIL_PORT": 587,
        "MAIL_STARTTLS": True,  # refuse to send when the server does not offer STARTTLS
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_SENDER": "bildung-noreply@herne.invalid",
        "MAIL_TIMEOUT": 20.0,
        "MAIL_CA_FILE": None,  # a CA bundle to verify the server with; None: the system's
        "MAIL_FEEDBACK_TO": [],  # addresses told about new accessibility feedback
        "MAIL_SUGGESTIONS_TO": {},  # locale -> addresses of its translators, told about readers' suggestions
        "MAIL_RETRY_MAX_DELAY": 3600.0,  # a failing send is retried with growing delays up to this
        # -- time: a callable returning an aware datetime (tests move it); None: the system clock
        "CLOCK": None,
        # Locales whose numbers and dates Babel formats as another locale's (British English).
        "FORMAT_LOCALES": {"en": "en_GB"},
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
    if not config.get("ERROR_PAGES_DIR") and data:
        config["ERROR_PAGES_DIR"] = str(data / "error-pages")
    if not config.get("MT_GLOSSARY_DIR"):
        config["MT_GLOSSARY_DIR"] = config["BABEL_TRANSLATION_DIRECTORIES"]
    for name in ("OPERATOR", "RETENTION"):  # a partial override keeps the other fields' defaults
        base = defaults("")[name]
        config[name] = {**base, **(config.get(name) or {})}
    config["BASE_URL"] = str(config["BASE_URL"]).rstrip("/")
    if config.get("TRUSTED_HOSTS") is None:  # the public host, and the names a local health check uses
        host = urlsplit(config["BASE_URL"]).hostname
        config["TRUSTED_HOSTS"] = list(dict.fromkeys(h for h in (host, "localhost", "127.0.0.1") if h))
    if isinstance(config.get("TTS_BACKENDS"), str):  # FLASK_TTS_BACKENDS="espeak": one backend for all
        config["TTS_BACKENDS"] = {"default": config["TTS_BACKENDS"]}
