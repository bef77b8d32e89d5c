"""Herne's education pages in every resident's language, and aloud: the app factory."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import redis
from flask import Flask
from sqlalchemy import Engine

from . import (
    audio,
    clock,
    config,
    content,
    datadir,
    db,
    formats,
    i18n,
    jobs,
    machine,
    maintenance,
    notices,
    operator_settings,
    pagecache,
    tts,
    ui_text,
    workbench,
)
from .audio.cache import AudioCache
from .cli import audio as audio_cli
from .cli import check as check_cli
from .cli import content as content_cmds
from .cli import db as db_cli
from .cli import error_pages as error_pages_cli
from .cli import feedback as feedback_cli
from .cli import i18n as i18n_cli
from .cli import mt as mt_cli
from .cli import privacy as privacy_cli
from .cli import users as users_cli
from .cli import voices as voices_cli
from .cli import workbench as workbench_cli
from .cli import worker as worker_cli
from .content import Content
from .core import offload, redislocks
from .core.files import atomic_write, private_dir
from .core.locks import FileLocks, Locks
from .core.revisions import RedisRevisions
from .i18n import I18n
from .jobs import Jobs
from .maintenance import BackgroundThread
from .mt import MTService
from .pagecache import PageCache
from .tts import TTS
from .web import assets, compression, errors, feedback, inputs, pages, security, suggest
from .web import audio as audio_views


def _secret_key(instance: Path) -> str:
    """Read the instance's secret key, creating it on first start (the first worker to finish wins)."""
    path = instance / "secret_key"
    if not path.exists():
        with FileLocks(instance / "locks").hold("secret_key"):
            if not path.exists():
                atomic_write(path, secrets.token_hex(32).encode(), mode=0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Shared:
    """What several servers share: locks, and with Redis its client and the catalog revision signal."""

    locks: Locks
    redis: redis.Redis | None = None
    revisions: RedisRevisions | None = None


@dataclass(frozen=True)
class Services:
    """Every service of one app, built once by create_app in the order their inputs exist."""

    shared: Shared
    db: Engine
    content: Content
    i18n: I18n
    pagecache: PageCache
    tts: TTS
    audio: AudioCache
    mt: MTService | None
    jobs: Jobs | None
    maintenance: BackgroundThread | None


def get_services(app: Flask) -> Services:
    """The services create_app built for ``app``."""
    services = app.extensions["services"]
    assert isinstance(services, Services)
    return services


def _shared_state(app: Flask) -> Shared:
    """Locks and the catalog revision signal: in Redis when REDIS_URL is set, else lock files (embedded)."""
    url = app.config.get("REDIS_URL")
    if not url:
        shared = Shared(locks=FileLocks(app.config["LOCK_DIR"]))
    else:
        client = redislocks.connect(url)
        shared = Shared(locks=redislocks.RedisLocks(client, ttl=float(app.config["LOCK_TTL"])), redis=client,
                        revisions=RedisRevisions(client, ttl=float(app.config["REVISION_TTL"])))
    app.extensions["locks"] = shared.locks
    if shared.redis is not None:
        app.extensions["redis"] = shared.redis
        app.extensions["revisions"] = shared.revisions
    return shared


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then FLASK_* environment variables, then the test mapping; then its services."""
    app = Flask(__name__, instance_path=config.instance_path(), instance_relative_config=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    config.validate(app.config)  # every wrong setting named at once, before anything reads one
    config.resolve(app.config)
    offload.configure(int(app.config["OFFLOAD_THREADS"]))
    # The instance folder holds the secret key, the databases and the locks: its owner's alone.
    private_dir(app.instance_path, tighten=True)
    shared = _shared_state(app)
    data_dir = app.config.get("DATA_DIR")
    if data_dir:  # several servers: one secret key, live catalogs on the shared volume
        datadir.seed_catalogs(config.ROOT / "translations", Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]),
                              shared.locks)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = (datadir.shared_secret(Path(data_dir), shared.locks) if data_dir
                                    else _secret_key(Path(app.instance_path)))
    app.extensions["app_factory"] = create_app  # `flask audio build` workers make their own app with it

    # Each init_app sets up only its own subsystem and returns it; what one needs of another is an argument, so
    # the order below is the only one that can be written. The hooks between subsystems are made here.
    errors.init_app(app)
    security.init_app(app)
    engine = db.init_app(app, shared.locks)
    inputs.init_app(app)
    clock.init_app(app)
    source = content.init_app(app, shared.revisions)
    operator_settings.init_app(app)
    i18n_ = i18n.init_app(app, shared.revisions)
    app.jinja_env.globals.update(_=ui_text.ui_gettext, gettext=ui_text.ui_gettext, ngettext=ui_text.ui_ngettext,
                                 pgettext=ui_text.ui_pgettext, format_number=formats.format_number)
    # What a page depends on, beyond its catalogs: the content, the live notices and (below) machine translations.
    # Both page caches (pagecache.PageCache in Flask, pagecache.PageFront before it) key on i18n_.revision alone.
    i18n_.revision_providers.append(notices.revision_provider(app))
    i18n_.revision_providers.append(content.revision_provider(source))  # an edited page is live without a restart
    i18n_.write_listeners.append(errors.edge_page_writer(app, i18n_))
    pages_cache = pagecache.init_app(app)
    i18n_.change_listeners.append(pages_cache.clear)
    speech = tts.init_app(app)
    audio_cache = audio.init_app(app, shared.locks)
    mt = machine.init_app(app, shared.locks)
    if mt is not None:
        machine.attach(app, i18n_, mt)
    workbench.init_app(app, shared.locks, on_change=i18n_.announce)
    pages.init_app(app)
    audio_views.init_app(app)
    feedback.init_app(app)
    suggest.init_app(app)
    assets.init_app(app)
    compression.init_app(app)
    queue = jobs.init_app(app, shared.redis, shared.locks, mt)
    background = maintenance.init_app(app)
    app.extensions["services"] = Services(shared=shared, db=engine, content=source, i18n=i18n_, pagecache=pages_cache,
                                          tts=speech, audio=audio_cache, mt=mt, jobs=queue, maintenance=background)
    for group in (audio_cli.audio_cli, content_cmds.content_cli, db_cli.db_cli, feedback_cli.feedback_cli,
                  i18n_cli.i18n_cli, mt_cli.mt_cli, privacy_cli.privacy_cli, users_cli.users_cli,
                  voices_cli.voices_cli, workbench_cli.workbench_cli):
        app.cli.add_command(group)
    app.cli.add_command(worker_cli.worker_command)
    app.cli.add_command(check_cli.check_command)
    app.cli.add_command(error_pages_cli.error_pages_command)
    # WSGI middleware, innermost first: stored page answers before Flask, then the trusted proxies' headers.
    pagecache.install_front(app, i18n_.revision)
    security.trust_proxies(app)
    return app
