"""Every default setting of the service in one place; each can be overridden by a FLASK_* variable."""
from __future__ import annotations

import datetime as dt
import json
import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Config

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
        # Seconds between two looks at the content files' stamps (a changed file is live without a restart; 0: at
        # every request). `flask content publish` also makes every server reload at once (REDIS_URL).
        "CONTENT_CHECK_INTERVAL": 2.0,
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
        # -- several app servers (docs: operate/scale-out.md); None: the embedded default
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
        # Seconds a visitor's request waits for a worker to synthesize cold audio before answering 503: below
        # gunicorn's own timeout (30 s by default, the start commands' 60 s and 120 s), which would kill the
        # worker and answer 500. With no worker alive, the app server synthesizes itself at once.
        "AUDIO_JOB_WAIT": 20.0,
        # Under gevent workers (scripts/serve.sh), CPU-heavy work (synthesis, MP3 joins, password hashes, catalog
        # checks and compiles) runs in at most this many OS threads per process at low priority (core/offload.py).
        "OFFLOAD_THREADS": 2,
        # -- the public address and what to trust of a request
        # Every absolute URL (sitemap, robots.txt, hreflang, language switcher) starts with this, never
        # with the request's Host: set it to the public address, e.g. https://bildung.herne.de.
        "BASE_URL": "http://127.0.0.1:8000",
        # Host headers answered (others get 400); None: BASE_URL's host and the loopback names, [] any.
        "TRUSTED_HOSTS": None,
        # Proxies in front whose X-Forwarded-For/-Proto/-Host/-Prefix count (Werkzeug's ProxyFix); 0: none.
        "PROXY_FIX": 0,
        # The proxies' own addresses or networks: only requests that come from one of them have their forwarded
        # headers applied (anyone else who reaches the app port is taken as they connect). A list, or a
        # comma-separated string in the environment: FLASK_PROXY_FIX_FROM=10.0.0.2.
        "PROXY_FIX_FROM": ["127.0.0.1", "::1"],
        # Redirect http to https (Flask-Talisman); only behind TLS, never for the embedded http run.
        "FORCE_HTTPS": False,
        # -- forms and sessions
        "FEEDBACK_MAX_LENGTH": 5000,
        # Soft caps: messages of all visitors together per hour; beyond, messages are stored as held (no e-mail of
        # their own) and the operator is alerted once an hour (service/intake.py). Past the hard caps of held
        # messages per hour, the forms ask to come back later (503): the storage bound of a flood.
        "FEEDBACK_HOURLY_QUOTA": 100,
        "SUGGEST_HOURLY_QUOTA": 200,
        "FEEDBACK_HELD_HOURLY_MAX": 2000,
        "SUGGEST_HELD_HOURLY_MAX": 2000,
        # One client for the limits of forms and logins: an IPv6 network of this prefix length (a customer's
        # /56 is one client, not 256), IPv4 addresses one by one.
        "RATE_LIMIT_IPV6_PREFIX": 56,
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
        # A browser that signed into an account keeps a device cookie this many days: failed logins from
        # elsewhere never slow it down (service/workbench/throttle.py).
        "LOGIN_DEVICE_DAYS": 180,
        # zxcvbn's score (0-4) a new password needs at least.
        "PASSWORD_MIN_SCORE": 3,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Every input is bounded before any processing (service/web/inputs.py): characters per form field or
        # query value (the longest translation a check allows is 10,000), bytes per multipart text part, parts.
        "INPUT_MAX_CHARS": 20_000,
        "MAX_FORM_MEMORY_SIZE": 128 * 1024,
        "MAX_FORM_PARTS": 200,
        # Largest .po a translator may upload (bytes).
        "WORKBENCH_UPLOAD_MAX": 1024 * 1024,
        # Review: a translator's save waits for someone with the reviewer right (admins; per locale the user
        # names listed here). In a locale of WORKBENCH_SELF_APPROVAL every translator of it may approve, own work too.
        "WORKBENCH_REVIEWERS": {},  # locale -> [user names]
        "WORKBENCH_SELF_APPROVAL": [],  # locales
        # The time zone of the times the workbench shows until a translator's browser or account page says another.
        "WORKBENCH_TIMEZONE": "Europe/Berlin",
        # -- read-aloud
        # locale (or "default") -> "espeak", "<backend>:<voice>" (piper:, mbrola:de6, rhvoice:magda) or "auto":
        # per locale the best voice installed here (MBROLA, RHVoice, Piper), else espeak-ng
        # (docs/operate/debian-voices.md).
        "TTS_BACKENDS": {"default": "auto"},
        "TTS_BACKEND_OPTIONS": {},  # backend name -> keyword arguments of its constructor
        "TTS_SPEED": 1.0,
        # Piper voices (NAME.onnx + NAME.onnx.json) managed by `flask voices`; chosen per locale as
        # TTS_BACKENDS {"de": "piper:de_DE-thorsten-medium"}. Voices of installed *-piper-voice packages count too.
        "VOICES_DIR": str(instance / "voices"),
        # `flask voices download NAME` fetches from this Piper voices repository (voices.json at its base, files
        # in <family>/<code>/<dataset>/<quality>/); a mirror in the same layout works too. Each file is checked
        # against voices.json's size and md5 (the real repository lists no sha256), at most MAX_BYTES a voice,
        # and a transfer that gets no data for TIMEOUT seconds counts as broken off (the next run resumes it).
        "VOICES_BASE_URL": "https://huggingface.co/rhasspy/piper-voices/resolve/main",
        "VOICES_DOWNLOAD_MAX_BYTES": 300 * 1024 * 1024,
        "VOICES_DOWNLOAD_TIMEOUT": 30.0,
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
            # Its postal address (the statement names it, § 11 BITV NRW: applications by post): not verified
            # here, so the operator sets it from https://www.lbbp.nrw.de/ombudsstelle.
            "enforcement_address": None,
            "authority_name": ("Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen "
                               "(LDI NRW)"),
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
        "MAIL_ALERTS_TO": [],  # addresses told when a form is flooded (service/intake.py); []: MAIL_FEEDBACK_TO
        "MAIL_SUGGESTIONS_TO": {},  # locale -> addresses of its translators, told about readers' suggestions
        # Addresses told when a workbench account is attacked (besides the account itself, when its name is an
        # address); []: MAIL_ALERTS_TO
        "MAIL_SECURITY_TO": [],
        "MAIL_RETRY_MAX_DELAY": 3600.0,  # a failing send is retried with growing delays up to this
        # The translators' daily digest (`flask workbench digest`): the background thread sends it once a day from
        # this hour on (Europe/Berlin, 0-23); None: only the command (a systemd timer or cron) sends it.
        "DIGEST_HOUR": 6,
        # -- time: a callable returning an aware datetime (tests move it); None: the system clock
        "CLOCK": None,
        # Locales whose numbers and dates Babel formats as another locale's (British English).
        "FORMAT_LOCALES": {"en": "en_GB"},
    }


def from_environment() -> dict[str, Any]:
    """The settings as create_app reads them (defaults, then FLASK_* variables), without making an app."""
    settings = Config(str(ROOT))
    settings.from_mapping(defaults(instance_path() or str(ROOT / "instance")))
    settings.from_prefixed_env()
    return dict(settings)


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


#: Operator settings that hold an ISO date (shown as a date in each locale).
OPERATOR_DATES = ("statement_prepared", "statement_reviewed")
#: Settings that are a mapping of named fields: a field not among the defaults' is a typo.
FIELD_SETTINGS = ("OPERATOR", "RETENTION")


class ConfigError(ValueError):
    """Settings that cannot work; ``problems`` holds one message per wrong setting."""

    def __init__(self, problems: list[str]):
        """Keep the messages; the exception's text lists them, one a line."""
        self.problems = problems
        super().__init__("the configuration is not valid:\n" + "\n".join(f"  {p}" for p in problems))


def _name(key: str, field: str | None = None) -> str:
    """What the operator set: the FLASK_* variable when the environment has it, else the setting's key."""
    variable = f"FLASK_{key}__{field}" if field else f"FLASK_{key}"
    if variable in os.environ:
        return variable
    return f"{key}[{field!r}]" if field else key


def _not_json(key: str, value: Any, default: dict[str, Any] | list[Any]) -> str:
    """The message for a setting that must be a JSON object or list but is not."""
    kind = "a JSON object" if isinstance(default, dict) else "a JSON list"
    example = ' (e.g. {"default": "espeak", "de": "piper:de_DE-thorsten-medium"})' if key == "TTS_BACKENDS" else ""
    if isinstance(value, str):  # Flask keeps a FLASK_* value that is not JSON as text
        try:
            json.loads(value)
        except ValueError as exc:
            return f"{_name(key)}: not valid JSON ({exc}): it must be {kind}{example}"
    return f"{_name(key)}: must be {kind}{example}, not {value!r}"


def problems(config: Mapping[str, Any]) -> list[str]:
    """One message per setting that cannot work, checked once at start before anything reads them.

    Types are checked where a FLASK_* variable can go wrong: text where JSON, a number or true/false
    was meant. Fields of OPERATOR and RETENTION must exist, and the operator's dates be ISO dates.
    """
    out: list[str] = []
    base = defaults("")
    for key, default in base.items():
        value = config.get(key)
        if value is None or default is None:
            continue
        if isinstance(default, bool):
            if not isinstance(value, bool):
                out.append(f"{_name(key)}: must be true or false, not {value!r}")
        elif isinstance(default, (int, float)):
            if isinstance(value, (bool, str, dict, list)):
                out.append(f"{_name(key)}: must be a number, not {value!r}")
        elif isinstance(default, (dict, list)):
            if key == "TTS_BACKENDS" and isinstance(value, str) and not value.lstrip().startswith(("{", "[")):
                continue  # FLASK_TTS_BACKENDS=espeak: one backend for every locale
            if key == "PROXY_FIX_FROM" and isinstance(value, str) and not value.lstrip().startswith("["):
                continue  # FLASK_PROXY_FIX_FROM=10.0.0.2,10.0.0.3: addresses separated by commas
            if not isinstance(value, type(default)):
                out.append(_not_json(key, value, default))
    for key in FIELD_SETTINGS:
        fields = config.get(key)
        if isinstance(fields, dict):
            out.extend(f"{_name(key, field)}: no such setting (known: {', '.join(base[key])})"
                       for field in sorted(set(fields) - set(base[key])))
    zone = config.get("WORKBENCH_TIMEZONE")
    if isinstance(zone, str) and zone not in zoneinfo.available_timezones():
        out.append(f"{_name('WORKBENCH_TIMEZONE')}: {zone!r} is no time zone (e.g. Europe/Berlin)")
    hour = config.get("DIGEST_HOUR")
    if isinstance(hour, (int, float)) and not isinstance(hour, bool) and not 0 <= hour <= 23:
        out.append(f"{_name('DIGEST_HOUR')}: must be an hour from 0 to 23, or null, not {hour!r}")
    operator = config.get("OPERATOR")
    for field in OPERATOR_DATES:
        value = operator.get(field) if isinstance(operator, dict) else None
        if value is not None and str(value).strip():
            try:
                dt.date.fromisoformat(str(value).strip())
            except ValueError:
                out.append(f"{_name('OPERATOR', field)}: {value!r} is not a date like 2026-12-24 (year-month-day)")
    return out


def validate(config: Mapping[str, Any]) -> None:
    """Refuse settings that cannot work, naming every wrong one at once (ConfigError)."""
    found = problems(config)
    if found:
        raise ConfigError(found)
