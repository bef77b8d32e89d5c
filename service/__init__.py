"""Herne's education pages in every resident's language, and aloud: the app factory."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from . import config
from .core import offload, redislocks
from .core.files import atomic_write, private_dir
from .core.locks import FileLocks
from .core.revisions import RedisRevisions
from . import audio, content, datadir, db, i18n, jobs, machine, maintenance, notices, operator, pagecache, tts, workbench
from .cli import audio as audio_cli
from .cli import db as db_cli
from .cli import feedback as feedback_cli
from .cli import i18n as i18n_cli
from .cli import mt as mt_cli
from .cli import privacy as privacy_cli
from .cli import users as users_cli
from .cli import voices as voices_cli
from .cli import worker as worker_cli
from .web import audio as audio_views
from .web import assets, compression, errors, feedback, inputs, pages, security


def _secret_key(instance: Path) -> str:
    """Read the instance's secret key, creating it on first start (the first worker to finish wins)."""
    path = instance / "secret_key"
    if not path.exists():
        with FileLocks(instance / "locks").hold("secret_key"):
            if not path.exists():
                atomic_write(path, secrets.token_hex(32).encode(), mode=0o600)
    return path.read_text().strip()


def _shared_state(app: Flask) -> None:
    """Locks and the catalog revision signal: in Redis when REDIS_URL is set, else lock files (embedded)."""
    url = app.config.get("REDIS_URL")
    if not url:
        app.extensions["locks"] = FileLocks(app.config["LOCK_DIR"])
        return
    client = redislocks.connect(url)
    app.extensions["redis"] = client
    app.extensions["locks"] = redislocks.RedisLocks(client, ttl=float(app.config["LOCK_TTL"]))
    app.extensions["revisions"] = RedisRevisions(client, ttl=float(app.config["REVISION_TTL"]))


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then FLASK_* environment variables, then the test mapping."""
    app = Flask(__name__, instance_path=config.instance_path(), instance_relative_config=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    config.resolve(app.config)
    offload.configure(int(app.config["OFFLOAD_THREADS"]))
    # The instance folder holds the secret key, the databases and the locks: its owner's alone.
    private_dir(app.instance_path, tighten=True)
    _shared_state(app)
    data_dir = app.config.get("DATA_DIR")
    if data_dir:  # several servers: one secret key, live catalogs on the shared volume
        datadir.seed_catalogs(config.ROOT / "translations", Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]),
                              app.extensions["locks"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = (datadir.shared_secret(Path(data_dir), app.extensions["locks"]) if data_dir
                                    else _secret_key(Path(app.instance_path)))
    app.extensions["app_factory"] = create_app  # `flask audio build` workers make their own app with it

    # Bottom to top: each subsystem's init_app sets up only itself.
    errors.init_app(app)
    security.init_app(app)
    db.init_app(app)
    inputs.init_app(app)
    content.init_app(app)
    operator.init_app(app)
    i18n.init_app(app)
    errors.keep_edge_pages_current(app)
    notices.init_app(app)
    pagecache.init_app(app)
    tts.init_app(app)
    audio.init_app(app)
    machine.init_app(app)
    workbench.init_app(app)
    pages.init_app(app)
    audio_views.init_app(app)
    feedback.init_app(app)
    assets.init_app(app)
    compression.init_app(app)
    jobs.init_app(app)
    maintenance.init_app(app)
    for group in (audio_cli.audio_cli, db_cli.db_cli, feedback_cli.feedback_cli, i18n_cli.i18n_cli, mt_cli.mt_cli,
                  privacy_cli.privacy_cli, users_cli.users_cli, voices_cli.voices_cli):
        app.cli.add_command(group)
    app.cli.add_command(worker_cli.worker_command)
    # WSGI middleware, innermost first: stored page answers before Flask, then the trusted proxies' headers.
    pagecache.install_front(app)
    security.trust_proxies(app)
    return app
